// The local console channel's messages, kept in Redis so that the bot, its
// workers (other processes) and the console page all see the same channel.
// Changes are announced on a Redis channel for the page's live updates.

import type { Redis } from 'ioredis';

export interface ConsoleMessage {
  id: string;
  channel: string;
  thread?: string;
  /** The text as a person reads it (Markdown). */
  text: string;
  /** Set for images: the key of the PNG bytes. */
  image?: string;
  title?: string;
  /** Buttons under the message (action, label, value). */
  buttons?: { action: string; label: string; value: string }[];
  from: 'bot' | 'user';
  user?: string;
  createdAt: number;
  updatedAt: number;
}

const TTL_SECONDS = 7 * 24 * 3600;

export class ConsoleStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'rca:console',
  ) {}

  private key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  get eventsChannel(): string {
    return this.key('events');
  }

  async add(m: Omit<ConsoleMessage, 'id' | 'createdAt' | 'updatedAt'>, png?: Buffer): Promise<ConsoleMessage> {
    const n = await this.redis.incr(this.key('seq'));
    const now = Date.now();
    const msg: ConsoleMessage = { ...m, id: `m${n}`, createdAt: now, updatedAt: now };
    if (png) {
      msg.image = `img${n}`;
      await this.redis.set(this.key('image', msg.image), png, 'EX', TTL_SECONDS);
    }
    await this.redis
      .multi()
      .set(this.key('message', msg.id), JSON.stringify(msg), 'EX', TTL_SECONDS)
      .rpush(this.key('channel', m.channel), msg.id)
      .expire(this.key('channel', m.channel), TTL_SECONDS)
      .publish(this.eventsChannel, JSON.stringify({ type: 'message', id: msg.id, channel: m.channel }))
      .exec();
    return msg;
  }

  async update(id: string, change: Partial<Pick<ConsoleMessage, 'text' | 'buttons'>>): Promise<ConsoleMessage | undefined> {
    const current = await this.get(id);
    if (!current) return undefined;
    const msg = { ...current, ...change, updatedAt: Date.now() };
    await this.redis.multi().set(this.key('message', id), JSON.stringify(msg), 'EX', TTL_SECONDS).publish(this.eventsChannel, JSON.stringify({ type: 'update', id, channel: msg.channel })).exec();
    return msg;
  }

  async get(id: string): Promise<ConsoleMessage | undefined> {
    const raw = await this.redis.get(this.key('message', id));
    return raw ? (JSON.parse(raw) as ConsoleMessage) : undefined;
  }

  async list(channel: string): Promise<ConsoleMessage[]> {
    const ids = await this.redis.lrange(this.key('channel', channel), 0, -1);
    if (ids.length === 0) return [];
    const raws = await this.redis.mget(ids.map((id) => this.key('message', id)));
    return raws.filter((r): r is string => r !== null).map((r) => JSON.parse(r) as ConsoleMessage);
  }

  async image(key: string): Promise<Buffer | undefined> {
    return (await this.redis.getBuffer(this.key('image', key))) ?? undefined;
  }
}
