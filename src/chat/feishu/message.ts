// What a Feishu event means to the bot: a text message addressed to it
// (a mention in a group, anything in a one-to-one chat, or a native slash
// command, which arrives as text too) becomes a command; a press on a
// report card's button becomes an action.
import type { ActionName, IncomingAction, IncomingCommand } from '../adapter.js';

export interface Mention {
  key: string;
  id?: { open_id?: string; user_id?: string; union_id?: string };
  name?: string;
}

/** The `event` of im.message.receive_v1 (the fields the bot reads). */
export interface MessageEvent {
  sender?: { sender_id?: { open_id?: string; user_id?: string }; sender_type?: string };
  message?: {
    message_id?: string;
    chat_id?: string;
    chat_type?: string;
    message_type?: string;
    content?: string;
    mentions?: Mention[];
  };
}

/** The `event` of card.action.trigger (the fields the bot reads). */
export interface CardActionEvent {
  operator?: { open_id?: string; user_id?: string };
  action?: { value?: unknown; tag?: string };
  context?: { open_message_id?: string; open_chat_id?: string };
}

/** Whether a group message is for the bot: it mentions the bot. Needs the bot's open_id only then. */
export function needsBotId(e: MessageEvent): boolean {
  return e.message?.chat_type !== 'p2p' && (e.message?.mentions?.length ?? 0) > 0;
}

function textOf(e: MessageEvent): string | undefined {
  if (e.message?.message_type !== 'text' || typeof e.message.content !== 'string') return undefined;
  try {
    const c = JSON.parse(e.message.content) as { text?: unknown };
    return typeof c.text === 'string' ? c.text : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The command in a message, or undefined when it is not for the bot: not
 * text, sent by a bot or app, or a group message that neither mentions the
 * bot nor starts with /rca (a native slash command). The bot's mention key
 * ("@_user_1") is stripped; the message is the thread to answer in.
 */
export function toCommand(eventId: string, e: MessageEvent, botOpenId?: string): IncomingCommand | undefined {
  const m = e.message;
  const user = e.sender?.sender_id?.open_id;
  const raw = textOf(e);
  if (!m?.chat_id || !m.message_id || !user || raw === undefined || e.sender?.sender_type !== 'user') return undefined;
  const botKeys = (m.mentions ?? []).filter((x) => botOpenId !== undefined && x.id?.open_id === botOpenId).map((x) => x.key);
  let text = raw;
  for (const key of botKeys) text = text.split(key).join(' ');
  text = text.replace(/\s+/g, ' ').trim();
  const forUs = m.chat_type === 'p2p' || botKeys.length > 0 || /^\/rca\b/i.test(text);
  if (!forUs) return undefined;
  return { platform: 'feishu', channel: m.chat_id, user, text, key: eventId, thread: m.message_id };
}

const actions: readonly string[] = ['rerun', 'compare', 'resolve'] satisfies ActionName[];

/** A report button press ({action, job, service} as templates/feishu.ts sets it), or undefined for anything else. */
export function toAction(eventId: string, e: CardActionEvent): IncomingAction | undefined {
  let value = e.action?.value;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const v = (value ?? {}) as { action?: unknown; job?: unknown; service?: unknown };
  const channel = e.context?.open_chat_id;
  const user = e.operator?.open_id;
  if (typeof v.action !== 'string' || !actions.includes(v.action) || typeof v.job !== 'string' || typeof v.service !== 'string') return undefined;
  if (!channel || !user) return undefined;
  return { platform: 'feishu', channel, user, action: v.action as ActionName, job: v.job, service: v.service, key: eventId, thread: e.context?.open_message_id };
}
