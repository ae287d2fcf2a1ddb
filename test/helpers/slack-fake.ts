// A loopback fake of the Slack Web API: every call is recorded with its
// method name and parsed body, uploads included (files.uploadV2's three steps).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LogLevel, type Logger } from '@slack/bolt';
import { readEnv, type Env } from '../../src/config/env.js';

export interface Call {
  method: string;
  body: Record<string, string>;
  authorization?: string;
  bytes?: Buffer;
  /** When it arrived (performance.now()). */
  at?: number;
  /** chat.postMessage: the ts it was answered with. */
  ts?: string;
}

export class FakeSlack {
  calls: Call[] = [];
  /** Method name → how many more times to answer HTTP 500. */
  failures = new Map<string, number>();
  /** The token's scopes, sent on every answer as Slack sends them (X-OAuth-Scopes). */
  scopes = ['commands', 'app_mentions:read', 'chat:write', 'files:write'];
  /** When set, another bearer token is answered invalid_auth, as Slack answers it. */
  token: string | undefined;
  private server: Server = createServer((req, res) => {
    this.handle(req).then(
      ([status, body]) => {
        res.writeHead(status, { 'content-type': 'application/json', 'x-oauth-scopes': this.scopes.join(',') });
        res.end(JSON.stringify(body));
      },
      (e) => {
        res.writeHead(500);
        res.end(String(e));
      },
    );
  });
  private seq = 0;
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage): Promise<[number, unknown]> {
    const at = performance.now();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const authorization = req.headers.authorization;
    if (path.startsWith('/upload/')) {
      const form = await new Response(raw, { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData();
      const file = form.get('body') as File;
      this.calls.push({ method: 'upload', body: { path }, authorization, bytes: Buffer.from(await file.arrayBuffer()), at });
      return [200, 'OK'];
    }
    const method = path.replace(/^\/api\//, '');
    const body = Object.fromEntries(new URLSearchParams(raw.toString()));
    const call: Call = { method, body, authorization, at };
    this.calls.push(call);
    const failing = this.failures.get(method) ?? 0;
    if (failing > 0) {
      this.failures.set(method, failing - 1);
      return [500, { ok: false }];
    }
    if (this.token !== undefined && authorization !== `Bearer ${this.token}`) return [200, { ok: false, error: 'invalid_auth' }];
    const ts = () => `1700000000.${String(++this.seq).padStart(6, '0')}`;
    switch (method) {
      case 'auth.test':
        return [200, { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1' }];
      case 'chat.postMessage': {
        const posted = ts();
        // The ts it was answered with, so a test can tell which message a thread hangs from.
        call.ts = posted;
        return [200, { ok: true, channel: body.channel, ts: posted, message: { text: body.text } }];
      }
      case 'chat.update':
        return [200, { ok: true, channel: body.channel, ts: body.ts, text: body.text }];
      case 'files.getUploadURLExternal': {
        const id = `F${++this.seq}`;
        return [200, { ok: true, file_id: id, upload_url: `${this.url}upload/${id}` }];
      }
      case 'files.completeUploadExternal':
        return [200, { ok: true, files: JSON.parse(body.files) }];
      default:
        return [200, { ok: false, error: 'unknown_method' }];
    }
  }
}


/** A Bolt logger that keeps every line, to check what reaches the logs. */
export function captureLogger(lines: string[]): Logger {
  let level = LogLevel.DEBUG;
  const log = (...msg: unknown[]) => lines.push(msg.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' '));
  return { debug: log, info: log, warn: log, error: log, setLevel: (l) => (level = l), getLevel: () => level, setName: () => {} };
}

/** The bot's configuration from these variables only. */
export function envOf(vars: Record<string, string>): Env {
  const r = readEnv(vars);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}
