// Feishu/Lark events into the bot's inbox, by webhook (POST /feishu/events)
// or by the SDK's long connection (WSClient).
//
// Which one: with FEISHU_VERIFICATION_TOKEN set the bot takes webhooks (the
// token is what it checks them against) and start() opens nothing; without
// it start() opens the long connection, which needs only FEISHU_APP_ID and
// FEISHU_APP_SECRET and outbound internet, and the route answers 404.
//
// A webhook is checked here, not by the SDK's dispatcher (which checks the
// signature only on a re-serialized body, never the token, never the age):
// decrypted when FEISHU_ENCRYPT_KEY is set, X-Lark-Signature over the raw
// body when FEISHU_ENCRYPT_KEY is set, header.token against the verification
// token, X-Lark-Request-Timestamp within ±5 min; any failure is a 401 and
// nothing reaches the inbox. Every event is deduplicated on event_id in
// Redis (SET NX EX), acknowledged, and only then handed to the inbox, which
// is not awaited.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import * as lark from '@larksuiteoapi/node-sdk';
import type { Redis } from 'ioredis';
import type { Env } from '../../config/env.js';
import { readBody, send, sendJson, type Route } from '../../server/http.js';
import type { ActionName, Inbox } from '../adapter.js';
import { createClient, FeishuAdapter } from './adapter.js';
import { needsBotId, toAction, toCommand, type CardActionEvent, type MessageEvent } from './message.js';
import { fresh, sameSecret, signatureOk } from './verify.js';
import { larkLogger, log } from '../../telemetry/log.js';

export const EVENTS_PATH = '/feishu/events';
export const MESSAGE_EVENT = 'im.message.receive_v1';
export const CARD_ACTION_EVENT = 'card.action.trigger';
const MAX_BODY = 1 << 20;
/** Feishu re-pushes an unacknowledged event for up to about 6 h. */
const SEEN_SECONDS = 24 * 60 * 60;

export interface Feishu {
  adapter: FeishuAdapter;
  /** POST /feishu/events */
  route: Route;
  mode: 'webhook' | 'long-connection';
  /** The dispatcher the long connection feeds (WSClient calls invoke(event, {needCheck:false})). */
  dispatcher: lark.EventDispatcher;
  /** Opens the long connection in long-connection mode; nothing in webhook mode. */
  start(): Promise<void>;
  /** Closes the long connection and waits for acknowledged events to be handed to the inbox. */
  stop(): Promise<void>;
  /** Resolves when every acknowledged event has been handed to the inbox (not when the inbox is done). */
  idle(): Promise<void>;
}

interface Envelope {
  encrypt?: unknown;
  type?: string;
  token?: unknown;
  challenge?: unknown;
  schema?: string;
  header?: { event_id?: string; event_type?: string; token?: string };
  event?: unknown;
}

interface Accepted {
  /** The answer to Feishu: {} or a toast for a card button. */
  reply: Record<string, unknown>;
  /** What to do after answering. */
  work?: () => Promise<void>;
}

const toasts: Record<ActionName, string> = {
  rerun: 'Re-running',
  compare: 'Comparing',
  resolve: 'Marking resolved',
};

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function parse(text: string): Envelope | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null ? (v as Envelope) : undefined;
  } catch {
    return undefined;
  }
}

function decrypt(cipher: lark.AESCipher, encrypted: string): Envelope | undefined {
  try {
    return parse(cipher.decrypt(encrypted));
  } catch {
    return undefined;
  }
}

function failed(what: string) {
  return (e: unknown) => log.error({ err: e }, `feishu ${what} failed`);
}

export function createFeishu(env: Env, inbox: Inbox, redis: Redis, prefix: string): Feishu {
  const adapter = new FeishuAdapter(createClient(env));
  const token = env.FEISHU_VERIFICATION_TOKEN;
  const encryptKey = env.FEISHU_ENCRYPT_KEY;
  const cipher = encryptKey ? new lark.AESCipher(encryptKey) : undefined;
  const mode = token ? 'webhook' : 'long-connection';
  const pending = new Set<Promise<void>>();
  let ws: lark.WSClient | undefined;

  /** Runs `work` after the caller has answered, and keeps track of it for idle(). */
  function later(work: () => Promise<void>): void {
    const p: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
      .catch(failed('event'))
      .finally(() => pending.delete(p));
    pending.add(p);
  }

  async function firstTime(eventId: string): Promise<boolean> {
    return (await redis.set(`${prefix}:feishu:event:${eventId}`, '1', 'EX', SEEN_SECONDS, 'NX')) === 'OK';
  }

  async function accept(eventId: string | undefined, type: string | undefined, event: unknown): Promise<Accepted> {
    if (!eventId || !event || (type !== MESSAGE_EVENT && type !== CARD_ACTION_EVENT)) return { reply: {} };
    if (!(await firstTime(eventId))) return { reply: {} };
    if (type === CARD_ACTION_EVENT) {
      const a = toAction(eventId, event as CardActionEvent);
      if (!a) return { reply: { toast: { type: 'error', content: 'rca-bot does not know this button.' } } };
      return {
        reply: { toast: { type: 'info', content: `${toasts[a.action]} ${a.service}…` } },
        work: async () => void inbox.action(a).catch(failed('action')),
      };
    }
    const e = event as MessageEvent;
    return {
      reply: {},
      work: async () => {
        const bot = needsBotId(e) ? await adapter.botOpenId().catch((err) => void failed('bot info')(err)) : undefined;
        const c = toCommand(eventId, e, bot ?? undefined);
        if (c) void inbox.command(c).catch(failed('command'));
      },
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (mode !== 'webhook' || !token) return send(res, 404, 'the Feishu webhook is off: set FEISHU_VERIFICATION_TOKEN\n');
    if (Number(header(req.headers, 'content-length') ?? 0) > MAX_BODY) return send(res, 413, 'event too large\n');
    const raw = await readBody(req, MAX_BODY);
    if (!raw) return send(res, 413, 'event too large\n');
    let body = parse(raw.toString('utf8'));
    if (!body) return send(res, 400, 'expected a JSON event\n');
    if (typeof body.encrypt === 'string') {
      if (!cipher) return send(res, 400, 'an encrypted event, but FEISHU_ENCRYPT_KEY is not set\n');
      body = decrypt(cipher, body.encrypt);
      if (!body) return send(res, 401, 'cannot decrypt the event with FEISHU_ENCRYPT_KEY\n');
    }

    // The URL check carries no signature; the token in it is the check.
    if (body.type === 'url_verification') {
      if (!sameSecret(String(body.token ?? ''), token)) return send(res, 401, 'wrong verification token\n');
      return sendJson(res, 200, { challenge: body.challenge });
    }

    const timestamp = header(req.headers, 'x-lark-request-timestamp');
    const nonce = header(req.headers, 'x-lark-request-nonce');
    const signature = header(req.headers, 'x-lark-signature');
    if (encryptKey && !signatureOk({ timestamp, nonce, signature }, encryptKey, raw)) return send(res, 401, 'bad signature\n');
    if ((encryptKey || timestamp !== undefined) && !fresh(timestamp)) return send(res, 401, 'request timestamp outside ±5 minutes\n');
    if (!sameSecret(String(body.header?.token ?? body.token ?? ''), token)) return send(res, 401, 'wrong verification token\n');

    const { reply, work } = await accept(body.header?.event_id, body.header?.event_type, body.event);
    sendJson(res, 200, reply);
    if (work) later(work);
  }

  // The long connection delivers the envelope flattened (header and event fields merged), already authenticated.
  const fromConnection = (type: string) => async (data: { event_id?: string }) => {
    const { reply, work } = await accept(data.event_id, type, data);
    if (work) later(work);
    return reply;
  };
  const dispatcher = new lark.EventDispatcher({ loggerLevel: lark.LoggerLevel.warn, logger: larkLogger() }).register({
    [MESSAGE_EVENT]: fromConnection(MESSAGE_EVENT),
    [CARD_ACTION_EVENT]: fromConnection(CARD_ACTION_EVENT),
  });

  const idle = async () => {
    while (pending.size > 0) await Promise.all([...pending]);
  };

  return {
    adapter,
    route: { method: 'POST', path: EVENTS_PATH, handler: handle },
    mode,
    dispatcher,
    async start() {
      if (mode !== 'long-connection' || ws) return;
      ws = new lark.WSClient({
        appId: env.FEISHU_APP_ID ?? '',
        appSecret: env.FEISHU_APP_SECRET,
        domain: adapter.client.domain,
        loggerLevel: lark.LoggerLevel.warn,
        logger: larkLogger(),
        autoReconnect: true,
        onError: failed('long connection'),
      });
      await ws.start({ eventDispatcher: dispatcher });
    },
    async stop() {
      ws?.close({ force: true });
      ws = undefined;
      await idle();
    },
    idle,
  };
}
