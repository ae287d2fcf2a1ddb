// The console channel's HTTP side: the page, its messages, sending a
// command, pressing a button, live updates (server-sent events fed by the
// store's Redis channel) and the flame graph images.
import type { Redis } from 'ioredis';
import { consolePage } from '../../../templates/console-page.js';
import { readBody, send, sendJson, type Route } from '../../server/http.js';
import type { ActionName, Inbox } from '../adapter.js';
import type { ConsoleStore } from './store.js';
import { log } from '../../telemetry/log.js';
import { messageHtml } from '../../../templates/console-message.js';

const actions: ActionName[] = ['rerun', 'compare', 'resolve'];

export function consoleRoutes(store: ConsoleStore, inbox: Inbox, subscriber: Redis): Route[] {
  const listeners = new Set<(data: string) => void>();
  void subscriber.subscribe(store.eventsChannel);
  subscriber.on('message', (_channel: string, data: string) => {
    for (const l of listeners) l(data);
  });

  return [
    { method: 'GET', path: '/console', handler: (_req, res) => send(res, 200, consolePage(), 'text/html; charset=utf-8') },
    {
      method: 'GET',
      path: '/console/api/messages',
      handler: async (req, res) => {
        const channel = new URL(req.url ?? '', 'http://x').searchParams.get('channel') ?? 'incident';
        // The text stays Markdown, as the chat posts it; the page shows its HTML.
        sendJson(res, 200, (await store.list(channel)).map((m) => ({ ...m, html: messageHtml(m.text) })));
      },
    },
    {
      method: 'POST',
      path: '/console/api/send',
      handler: async (req, res) => {
        const body = await readBody(req, 64 * 1024);
        if (!body) return send(res, 413, 'message too large\n');
        let msg: { channel?: string; text?: string };
        try {
          msg = JSON.parse(body.toString('utf8'));
        } catch {
          return send(res, 400, 'expected JSON {"channel","text"}\n');
        }
        const channel = typeof msg.channel === 'string' && msg.channel ? msg.channel : 'incident';
        const text = typeof msg.text === 'string' ? msg.text.trim() : '';
        if (!text) return send(res, 400, 'empty message\n');
        const m = await store.add({ channel, text, from: 'user', user: 'you' });
        sendJson(res, 202, { id: m.id });
        // Acknowledged first; the command runs after the answer, as on Slack and Feishu.
        if (/^\/rca\b/i.test(text)) void inbox.command({ platform: 'console', channel, user: 'you', text, key: m.id }).catch((e) => log.error({ err: e }, 'console command failed'));
      },
    },
    {
      method: 'POST',
      path: '/console/api/action',
      handler: async (req, res) => {
        const body = await readBody(req, 16 * 1024);
        let a: { channel?: string; action?: string; value?: string; thread?: string; message?: string };
        try {
          a = JSON.parse(body?.toString('utf8') ?? '');
        } catch {
          return send(res, 400, 'expected JSON\n');
        }
        if (!actions.includes(a.action as ActionName) || typeof a.value !== 'string') return send(res, 400, 'unknown action\n');
        let value: { job?: string; service?: string };
        try {
          value = JSON.parse(a.value);
        } catch {
          return send(res, 400, 'bad action value\n');
        }
        if (!value.job || !value.service) return send(res, 400, 'bad action value\n');
        sendJson(res, 202, {});
        const key = `${a.message ?? 'm'}-${a.action}-${Date.now()}`;
        void inbox
          .action({ platform: 'console', channel: a.channel ?? 'incident', user: 'you', action: a.action as ActionName, job: value.job, service: value.service, key, thread: a.thread })
          .catch((e) => log.error({ err: e }, 'console action failed'));
      },
    },
    {
      method: 'GET',
      path: '/console/api/events',
      handler: (req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        res.write(': connected\n\n');
        const listener = (data: string) => res.write(`data: ${data}\n\n`);
        listeners.add(listener);
        req.on('close', () => listeners.delete(listener));
      },
    },
    {
      method: 'GET',
      path: /^\/console\/image\/(?<key>img\d+)$/,
      handler: async (_req, res, params) => {
        const png = await store.image(params.key);
        if (!png) return send(res, 404, 'no such image\n');
        send(res, 200, png, 'image/png');
      },
    },
  ];
}
