// The spans of one service over a window, from the tracing backend:
// - Jaeger: api_v3 `/api/v3/traces` (OTLP JSON in `{result}`), or the legacy
//   `/api/traces` search when the server has no api_v3 (a plain 404);
// - Tempo: `/api/search` for trace ids, then `/api/traces/<id>` for each;
// - Zipkin: `/api/v2/traces`.
// Every failure is a UserError of one line naming the source.
import { Skips } from '../skips.js';
import { UserError } from '../../errors.js';
import { get } from '../http.js';
import { isObject } from './facts.js';
import { parseSome, parseTraces, type TraceFormat } from './index.js';
import type { Span } from './span.js';

export interface TraceSource {
  type: 'jaeger' | 'tempo' | 'zipkin';
  /** Base URL of the query API, e.g. http://jaeger:16686 or http://tempo:3200. */
  url: string;
  service: string;
  /** Most traces asked for. */
  limit?: number;
}

export interface TraceWindow {
  start: Date;
  end: Date;
}

export interface FetchOptions {
  signal?: AbortSignal;
  limit?: number;
  timeoutMs?: number;
  /** Where spans that cannot be read are counted (they are skipped, the rest kept). */
  skips?: Skips;
}

const DEFAULT_LIMIT = 100;
const TEMPO_CONCURRENCY = 8;

export async function fetchTraces(source: TraceSource, window: TraceWindow, opts: FetchOptions = {}): Promise<Span[]> {
  const limit = opts.limit ?? source.limit ?? DEFAULT_LIMIT;
  const client = new Client(source, opts);
  if (source.type === 'jaeger') return jaeger(client, source.service, window, limit);
  if (source.type === 'tempo') return tempo(client, source.service, window, limit);
  if (source.type === 'zipkin') return zipkin(client, source.service, window, limit);
  throw new UserError(`unknown trace source type ${JSON.stringify(source.type)}; use jaeger, tempo or zipkin`);
}

async function jaeger(c: Client, service: string, w: TraceWindow, limit: number): Promise<Span[]> {
  const v3 = await c.get('/api/v3/traces', {
    'query.service_name': service,
    'query.start_time_min': w.start.toISOString(),
    'query.start_time_max': w.end.toISOString(),
    // Jaeger v2's HTTP gateway (v1.76.0 / v2.x) reads query.num_traces and answers 500 "search depth must
    // be greater than 0" without it; query.search_depth is the gRPC field's name, sent for gateways that use it.
    'query.num_traces': String(limit),
    'query.search_depth': String(limit),
  });
  if (v3.status === 200) return c.parse(v3.body, 'otlp');
  if (v3.status !== 404) c.fail(v3);
  // api_v3 answers "No traces found" as a 404 with a JSON error; a server without api_v3 answers a plain 404.
  const answer = json(v3.body);
  if (isObject(answer) && isObject(answer.error)) return [];
  const legacy = await c.get('/api/traces', {
    service,
    start: String(w.start.getTime() * 1000),
    end: String(w.end.getTime() * 1000),
    limit: String(limit),
  });
  if (legacy.status !== 200) c.fail(legacy);
  return c.parse(legacy.body, 'jaeger');
}

async function tempo(c: Client, service: string, w: TraceWindow, limit: number): Promise<Span[]> {
  const search = await c.get('/api/search', {
    tags: `service.name=${/[\s"=]/.test(service) ? JSON.stringify(service) : service}`,
    start: String(Math.floor(w.start.getTime() / 1000)),
    end: String(Math.ceil(w.end.getTime() / 1000)),
    limit: String(limit),
  });
  if (search.status !== 200) c.fail(search);
  const found = json(search.body);
  if (!isObject(found)) c.malformed('the search answer is not a JSON object');
  // Tempo leaves out an empty list; an answer with neither traces nor metrics is not a search answer.
  if ((found.traces === undefined || found.traces === null) && isObject(found.metrics)) return [];
  if (!Array.isArray(found.traces)) c.malformed('the search answer has no "traces" list');
  const ids = (found.traces as unknown[]).map((t, i) => {
    const id = isObject(t) ? t.traceID : undefined;
    if (typeof id !== 'string' || !/^[0-9a-fA-F]{1,32}$/.test(id)) c.malformed(`traces[${i}] of the search answer has no hex "traceID"`);
    return id;
  });
  const traces = await pool(ids.slice(0, limit), TEMPO_CONCURRENCY, async (id) => {
    const r = await c.get(`/api/traces/${encodeURIComponent(id)}`, {});
    if (r.status === 404) return []; // gone since the search (retention)
    if (r.status !== 200) c.fail(r);
    // One trace of which nothing can be read costs that trace, counted; the others still count.
    return c.parse(r.body, 'otlp', true);
  });
  return traces.flat();
}

async function zipkin(c: Client, service: string, w: TraceWindow, limit: number): Promise<Span[]> {
  const r = await c.get('/api/v2/traces', {
    serviceName: service,
    endTs: String(w.end.getTime()),
    lookback: String(Math.max(1, w.end.getTime() - w.start.getTime())),
    limit: String(limit),
  });
  if (r.status !== 200) c.fail(r);
  if (!Array.isArray(json(r.body))) c.malformed('the answer is not a JSON list of traces');
  return c.parse(r.body, 'zipkin');
}

interface Answer {
  status: number;
  body: string;
}

class Client {
  private readonly name: string;

  constructor(
    private readonly source: TraceSource,
    private readonly opts: FetchOptions,
  ) {
    this.name = `${source.type} ${source.url}`;
  }

  async get(path: string, params: Record<string, string>): Promise<Answer> {
    let url: URL;
    try {
      url = new URL(this.source.url);
    } catch {
      throw new UserError(`${this.name}: not a URL`);
    }
    url.pathname = url.pathname.replace(/\/+$/, '') + path;
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const r = await get(url.toString(), { timeoutMs: this.opts.timeoutMs ?? 30_000, maxBytes: 256 << 20, signal: this.opts.signal });
    if (!r.ok) throw new UserError(`${this.name}: ${r.error}`);
    return { status: r.value.status, body: r.value.body.toString('utf8') };
  }

  parse(body: string, format: TraceFormat, some = false): Span[] {
    try {
      return some ? parseSome(body, format, this.opts.skips ?? new Skips()) : parseTraces(body, format, this.opts.skips);
    } catch (e) {
      if (e instanceof UserError) this.malformed(e.message.replace(/^traces: /, ''));
      throw e;
    }
  }

  fail(a: Answer): never {
    const j = json(a.body);
    const message = isObject(j) && isObject(j.error) && typeof j.error.message === 'string' ? j.error.message : a.body.trim().split('\n')[0].slice(0, 200);
    throw new UserError(`${this.name}: HTTP ${a.status}${message ? `: ${message}` : ''}`);
  }

  malformed(what: string): never {
    throw new UserError(`${this.name}: ${what}`);
  }
}

function json(body: string): Record<string, unknown> | unknown[] | undefined {
  try {
    const v = JSON.parse(body) as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** `work` on every item, at most `n` at a time; results in the items' order. */
async function pool<T, R>(items: readonly T[], n: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = await work(items[i]);
      } catch (e) {
        next = items.length; // the first failure stops the others from starting more
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}
