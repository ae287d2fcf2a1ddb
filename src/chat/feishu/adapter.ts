// The Feishu/Lark surface behind the chat adapter interface, over the
// official SDK's Client. Status messages are small card 2.0 messages with
// update_multi true, so they can be patched in place as the job moves;
// reports and flame graphs are replies in the root message's thread.
import { createHash } from 'node:crypto';
import * as lark from '@larksuiteoapi/node-sdk';
import { toFeishuCard } from '../../../templates/feishu.js';
import { statusText } from '../../../templates/status.js';
import type { Env } from '../../config/env.js';
import type { Report } from '../../model.js';
import type { ChatAdapter, MessageRef, Status } from '../adapter.js';
import { larkLogger } from '../../telemetry/log.js';

/** An open-API call answered with a non-zero code (or an HTTP error carrying one). */
export class FeishuError extends Error {
  constructor(
    readonly call: string,
    readonly code: number | undefined,
    msg: string,
  ) {
    super(`feishu ${call}: ${msg}${code ? ` (code ${code})` : ''}`);
    this.name = 'FeishuError';
  }
}

/** FEISHU_DOMAIN as the SDK takes it: 'feishu', 'lark', or a base URL used verbatim (a fake in tests). */
export function feishuDomain(domain: string): lark.Domain | string {
  if (domain === 'feishu') return lark.Domain.Feishu;
  if (domain === 'lark') return lark.Domain.Lark;
  return domain.replace(/\/+$/, '');
}

export function createClient(env: Env): lark.Client {
  if (!env.FEISHU_APP_ID || !env.FEISHU_APP_SECRET) throw new Error('Feishu needs FEISHU_APP_ID and FEISHU_APP_SECRET');
  return new lark.Client({
    appId: env.FEISHU_APP_ID,
    appSecret: env.FEISHU_APP_SECRET,
    appType: lark.AppType.SelfBuild,
    domain: feishuDomain(env.FEISHU_DOMAIN),
    loggerLevel: lark.LoggerLevel.warn,
    logger: larkLogger(),
  });
}

interface Answer {
  code?: number;
  msg?: string;
}

/** Awaits an SDK call: resolves to `{code,msg,data}`; a non-zero code, or an HTTP error, is thrown with the API's msg. */
async function check<T extends Answer>(call: string, p: Promise<T>): Promise<T> {
  let res: T;
  try {
    res = await p;
  } catch (e) {
    const body = (e as { response?: { data?: Answer } }).response?.data;
    throw new FeishuError(call, body?.code, body?.msg ?? (e as Error).message);
  }
  if (res?.code) throw new FeishuError(call, res.code, res.msg ?? 'failed');
  return res;
}

/** A reply's idempotency key (Feishu keeps a uuid for an hour; at most 50 characters). */
function uuid(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32);
}

/** The root message of a diagnosis: one markdown element, patchable. */
export function statusCard(s: Status) {
  return {
    schema: '2.0',
    config: { update_multi: true },
    body: { elements: [{ tag: 'markdown', content: `${statusText(s)}\n<font color='grey'>job ${s.job}</font>` }] },
  };
}

/** A message edited in place (an alert): one markdown element, patchable. */
export function noticeCard(text: string) {
  return { schema: '2.0', config: { update_multi: true }, body: { elements: [{ tag: 'markdown', content: text }] } };
}

type Sent = { code?: number; msg?: string; data?: { message_id?: string; chat_id?: string } };

export class FeishuAdapter implements ChatAdapter {
  readonly platform = 'feishu' as const;
  private bot?: Promise<string>;

  constructor(readonly client: lark.Client) {}

  /** Sends into the chat, or replies in the thread of `thread` (a message id). */
  private async send(channel: string, msgType: string, content: unknown, thread?: string, key?: string): Promise<MessageRef> {
    const text = JSON.stringify(content);
    const res: Sent = thread
      ? await check(
          'message.reply',
          this.client.im.v1.message.reply({ path: { message_id: thread }, data: { msg_type: msgType, content: text, reply_in_thread: true, uuid: key } }),
        )
      : await check(
          'message.create',
          this.client.im.v1.message.create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: channel, msg_type: msgType, content: text, uuid: key } }),
        );
    const id = res.data?.message_id;
    if (!id) throw new FeishuError(thread ? 'message.reply' : 'message.create', undefined, 'no message_id in the answer');
    return { platform: 'feishu', channel, id, thread };
  }

  postStatus(channel: string, status: Status, thread?: string): Promise<MessageRef> {
    return this.send(channel, 'interactive', statusCard(status), thread);
  }

  async updateStatus(root: MessageRef, status: Status): Promise<void> {
    await check('message.patch', this.client.im.v1.message.patch({ path: { message_id: root.id }, data: { content: JSON.stringify(statusCard(status)) } }));
  }

  postReport(root: MessageRef, report: Report, opts: { job: string; reportUrl?: string }): Promise<MessageRef> {
    return this.send(root.channel, 'interactive', toFeishuCard(report, opts), root.id, uuid('report', opts.job, root.id));
  }

  async uploadImage(root: MessageRef, png: Buffer, filename: string, _title: string): Promise<void> {
    let uploaded: { image_key?: string } | null;
    try {
      // image.create answers `{image_key}` itself (the SDK unwraps data), or null on a non-zero code.
      uploaded = await this.client.im.v1.image.create({ data: { image_type: 'message', image: png } });
    } catch (e) {
      const body = (e as { response?: { data?: Answer } }).response?.data;
      throw new FeishuError('image.create', body?.code, body?.msg ?? (e as Error).message);
    }
    if (!uploaded?.image_key) throw new FeishuError('image.create', undefined, `no image_key for ${filename}`);
    await this.send(root.channel, 'image', { image_key: uploaded.image_key }, root.id, uuid('image', root.id, filename));
  }

  reply(channel: string, text: string, thread?: string): Promise<MessageRef> {
    return this.send(channel, 'text', { text }, thread);
  }

  /** The bot's own open_id (GET /open-apis/bot/v3/info), to tell a mention of the bot from one of a person. Cached once known. */
  botOpenId(): Promise<string> {
    this.bot ??= this.client
      .request<{ code?: number; msg?: string; bot?: { open_id?: string } }>({ method: 'GET', url: '/open-apis/bot/v3/info' })
      .then((r) => {
        if (r?.code || !r?.bot?.open_id) throw new FeishuError('bot.info', r?.code, r?.msg ?? 'no open_id in the answer');
        return r.bot.open_id;
      });
    return this.bot.catch((e) => {
      this.bot = undefined;
      throw e;
    });
  }

  postNotice(channel: string, text: string): Promise<MessageRef> {
    return this.send(channel, 'interactive', noticeCard(text));
  }

  async editNotice(ref: MessageRef, text: string): Promise<void> {
    await check('message.patch', this.client.im.v1.message.patch({ path: { message_id: ref.id }, data: { content: JSON.stringify(noticeCard(text)) } }));
  }
}
