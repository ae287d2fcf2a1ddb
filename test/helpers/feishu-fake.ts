// A loopback stand-in for the Feishu open API, for tests and local runs:
// the token endpoint, bot info, messages (create, reply, patch) and image
// upload. It records every call with its path, headers and parsed body.
// Point the SDK at it with FEISHU_DOMAIN=<url>.
import { createServer, type IncomingHttpHeaders } from 'node:http';

export interface Part {
  name: string;
  filename?: string;
  type?: string;
  data: Buffer;
}

export interface Call {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, or the parts of a multipart body by name. */
  body: any;
}

export interface FakeOpenApi {
  url: string;
  calls: Call[];
  /** Calls other than the token endpoint. */
  apiCalls(): Call[];
  /** The next call whose path contains `fragment` is answered with `answer` (and HTTP `status`). */
  failNext(fragment: string, answer: { code: number; msg: string }, status?: number): void;
  close(): Promise<void>;
}

export const FAKE_TENANT_TOKEN = 't-fake-tenant-token';
export const FAKE_BOT_OPEN_ID = 'ou_fakebot0000000000000000000000';

export function parseMultipart(body: Buffer, contentType: string): Record<string, Part> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const parts: Record<string, Part> = {};
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const chunk = body.subarray(start + 2, next - 2); // after CRLF, before CRLF
    const split = chunk.indexOf('\r\n\r\n');
    const head = chunk.subarray(0, split).toString('utf8');
    const name = /name="([^"]*)"/.exec(head)?.[1] ?? '';
    parts[name] = {
      name,
      filename: /filename="([^"]*)"/.exec(head)?.[1],
      type: /content-type:\s*([^\r\n]+)/i.exec(head)?.[1],
      data: chunk.subarray(split + 4),
    };
    at = next;
  }
  return parts;
}

export async function startFakeOpenApi(): Promise<FakeOpenApi> {
  const calls: Call[] = [];
  const failures: { fragment: string; answer: { code: number; msg: string }; status: number }[] = [];
  const chats = new Map<string, string>();
  let n = 0;

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://fake');
    const type = req.headers['content-type'] ?? '';
    let body: any;
    try {
      body = type.startsWith('multipart/form-data') ? parseMultipart(raw, type) : raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
    } catch {
      body = raw.toString('utf8');
    }
    const call: Call = { method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body };
    calls.push(call);
    const answer = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(value));
    };

    const failure = failures.findIndex((f) => call.path.includes(f.fragment));
    if (failure >= 0) {
      const [f] = failures.splice(failure, 1);
      return answer(f.status, f.answer);
    }

    const path = call.path;
    const message = (chatId: string, extra: Record<string, unknown> = {}) => {
      const id = `om_fake${++n}`;
      chats.set(id, chatId);
      return { code: 0, msg: 'success', data: { message_id: id, chat_id: chatId, msg_type: body?.msg_type, ...extra } };
    };
    if (req.method === 'POST' && path === '/open-apis/auth/v3/tenant_access_token/internal') {
      return answer(200, { code: 0, msg: 'ok', tenant_access_token: FAKE_TENANT_TOKEN, expire: 7200 });
    }
    if (req.method === 'GET' && path === '/open-apis/bot/v3/info') {
      return answer(200, { code: 0, msg: 'ok', bot: { activate_status: 2, app_name: 'rca-bot', open_id: FAKE_BOT_OPEN_ID } });
    }
    if (req.method === 'POST' && path === '/open-apis/im/v1/messages') {
      return answer(200, message(String(body?.receive_id)));
    }
    let m = /^\/open-apis\/im\/v1\/messages\/([^/]+)\/reply$/.exec(path);
    if (req.method === 'POST' && m) {
      const parent = decodeURIComponent(m[1]);
      return answer(200, message(chats.get(parent) ?? 'oc_unknown', { parent_id: parent, root_id: parent }));
    }
    m = /^\/open-apis\/im\/v1\/messages\/([^/]+)$/.exec(path);
    if (req.method === 'PATCH' && m) return answer(200, { code: 0, msg: 'success', data: {} });
    if (req.method === 'POST' && path === '/open-apis/im/v1/images') {
      return answer(200, { code: 0, msg: 'success', data: { image_key: `img_v3_fake${++n}` } });
    }
    answer(404, { code: 404, msg: `the fake has no ${req.method} ${path}` });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    apiCalls: () => calls.filter((c) => c.path !== '/open-apis/auth/v3/tenant_access_token/internal'),
    failNext: (fragment, answer, status = 200) => void failures.push({ fragment, answer, status }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
