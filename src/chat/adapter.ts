// The one interface every chat surface implements (Slack, Feishu, the local
// console). The core posts and edits through it and never imports a
// platform SDK.

import type { Report } from '../model.js';

export type Platform = 'slack' | 'feishu' | 'console';

/** A message the bot posted: enough to edit it or reply in its thread. */
export interface MessageRef {
  platform: Platform;
  channel: string;
  id: string;
  /** The thread it belongs to, when it is a reply. */
  thread?: string;
}

export type Stage = 'queued' | 'capturing' | 'analysing' | 'done' | 'failed';

export interface Status {
  job: string;
  service: string;
  seconds: number;
  stage: Stage;
  /** The verdict when done, the reason when failed. */
  detail?: string;
  /** When it was asked for, ISO 8601. */
  since?: string;
  /** A past window read from the service's continuous profiler: nothing is captured. */
  past?: boolean;
}

export interface ChatAdapter {
  readonly platform: Platform;
  /** Posts the root message of a diagnosis ("Capturing order-api for 10 s…"). */
  postStatus(channel: string, status: Status, thread?: string): Promise<MessageRef>;
  /** Edits the root message in place as the job moves. */
  updateStatus(root: MessageRef, status: Status): Promise<void>;
  /** Posts the report in the root message's thread. */
  postReport(root: MessageRef, report: Report, opts: { job: string; reportUrl?: string }): Promise<MessageRef>;
  /** Uploads a PNG into the root message's thread. */
  uploadImage(root: MessageRef, png: Buffer, filename: string, title: string): Promise<void>;
  /** A short text answer (help, errors, status), in a thread when given. */
  reply(channel: string, text: string, thread?: string): Promise<MessageRef>;
  /** A message that is edited in place as it moves on (an alert as its incident goes from firing to resolved). */
  postNotice(channel: string, text: string): Promise<MessageRef>;
  editNotice(ref: MessageRef, text: string): Promise<void>;
}

/** A command as any surface delivers it, before parsing. */
export interface IncomingCommand {
  platform: Platform;
  channel: string;
  user: string;
  /** The text after the command name, or the whole mention ("@bot /rca order-api"). */
  text: string;
  /** The platform's idempotency key: Slack trigger_id, Feishu event_id, console message id. */
  key: string;
  /** Reply in this thread (a mention inside a thread). */
  thread?: string;
}

export type ActionName = 'rerun' | 'compare' | 'resolve';

/** A button press on a report. */
export interface IncomingAction {
  platform: Platform;
  channel: string;
  user: string;
  action: ActionName;
  job: string;
  service: string;
  /** The platform's idempotency key for the press. */
  key: string;
  /** The thread the report was in. */
  thread?: string;
}

/** What a surface calls when something arrives; acks are the surface's own business and come first. */
export interface Inbox {
  command(c: IncomingCommand): Promise<void>;
  action(a: IncomingAction): Promise<void>;
}
