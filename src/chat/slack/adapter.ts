// Slack behind the chat adapter interface: root status message, edits in
// place, the report and images in its thread, all through the Web API.
import { webApi, type Logger, type types } from '@slack/bolt';
import { statusText } from '../../../templates/status.js';
import { toSlackBlocks } from '../../../templates/slack.js';
import type { Env } from '../../config/env.js';
import type { Report } from '../../model.js';
import type { ChatAdapter, MessageRef, Status } from '../adapter.js';

type WebClient = webApi.WebClient;
// templates/slack.ts builds Block Kit as plain objects; web-api wants its typed blocks.
type Blocks = (types.KnownBlock | types.Block)[];

/** Per request; web-api's default is no timeout at all. */
export const requestTimeoutMs = 10_000;

/**
 * Three attempts within about three seconds of waiting. web-api's default is
 * ten retries over half an hour, which would hold a BullMQ worker that has
 * its own retries; a retried postMessage can also duplicate a message.
 */
export const retryConfig: webApi.RetryOptions = { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 3000, randomize: true };

export function slackClientOptions(env: Pick<Env, 'SLACK_API_URL'>, logger?: Logger): webApi.WebClientOptions {
  return { slackApiUrl: env.SLACK_API_URL, timeout: requestTimeoutMs, retryConfig, logger };
}

export function slackClient(env: Pick<Env, 'SLACK_BOT_TOKEN' | 'SLACK_API_URL'>, logger?: Logger): WebClient {
  if (!env.SLACK_BOT_TOKEN) throw new Error('SLACK_BOT_TOKEN is not set');
  return new webApi.WebClient(env.SLACK_BOT_TOKEN, slackClientOptions(env, logger));
}

// Slack threads are one level deep: a reply to a reply must name the parent.
const threadOf = (root: MessageRef): string => root.thread ?? root.id;

export class SlackAdapter implements ChatAdapter {
  readonly platform = 'slack' as const;

  constructor(readonly client: WebClient) {}

  private async post(channel: string, text: string, thread?: string, blocks?: Blocks): Promise<MessageRef> {
    // No unfurling: the report link is the page's only key, and Slack should not fetch it to preview.
    const res = await this.client.chat.postMessage({ channel, text, thread_ts: thread, blocks, unfurl_links: false, unfurl_media: false });
    if (!res.ts) throw new Error('slack chat.postMessage returned no ts');
    // Slack answers with the channel id, which chat.update needs, even when we posted to a user or a name.
    return { platform: 'slack', channel: res.channel ?? channel, id: res.ts, thread };
  }

  postStatus(channel: string, status: Status, thread?: string): Promise<MessageRef> {
    return this.post(channel, statusText(status), thread);
  }

  async updateStatus(root: MessageRef, status: Status): Promise<void> {
    await this.client.chat.update({ channel: root.channel, ts: root.id, text: statusText(status) });
  }

  postReport(root: MessageRef, report: Report, opts: { job: string; reportUrl?: string }): Promise<MessageRef> {
    const m = toSlackBlocks(report, opts);
    return this.post(root.channel, m.text, threadOf(root), m.blocks as unknown as Blocks);
  }

  async uploadImage(root: MessageRef, png: Buffer, filename: string, title: string): Promise<void> {
    await this.client.filesUploadV2({ channel_id: root.channel, thread_ts: threadOf(root), file: png, filename, title });
  }

  reply(channel: string, text: string, thread?: string): Promise<MessageRef> {
    return this.post(channel, text, thread);
  }

  postNotice(channel: string, text: string): Promise<MessageRef> {
    return this.post(channel, text);
  }

  async editNotice(ref: MessageRef, text: string): Promise<void> {
    await this.client.chat.update({ channel: ref.channel, ts: ref.id, text });
  }
}
