// Loki `GET /loki/api/v1/query_range` for log queries:
// {status, data: {resultType: "streams", result: [{stream: {labels}, values: [["<ns>", "<line>", {metadata}?]]}]}}.
// Entries of all streams come out merged and oldest first (Loki answers newest
// first by default). A malformed answer is an error value naming what is wrong.

import { err, ok, type Result } from '../../errors.js';
import { get } from '../http.js';
import { Skips } from '../skips.js';

export interface LokiEntry {
  /** Nanoseconds since the epoch, as Loki sends it (a decimal string). */
  ts: string;
  line: string;
  labels: Record<string, string>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The entries of a Loki answer; an entry or stream that is not as Loki writes it is skipped and counted in `skips`. */
export function parseLokiResponse(body: string | Buffer, skips = new Skips()): Result<LokiEntry[]> {
  const before = skips.count;
  let json: unknown;
  try {
    json = JSON.parse(body.toString());
  } catch {
    return err('the Loki answer is not JSON');
  }
  if (!isObject(json)) return err('the Loki answer is not a JSON object');
  if (json.status !== 'success') {
    const why = typeof json.error === 'string' ? `: ${[json.errorType, json.error].filter((x) => typeof x === 'string').join(': ')}` : '';
    return err(`Loki answered status "${String(json.status)}"${why}`);
  }
  const data = json.data;
  if (!isObject(data)) return err('the Loki answer has no "data" object');
  if (data.resultType !== 'streams') {
    return err(`the Loki answer is a ${JSON.stringify(data.resultType)} result, not "streams" (send a log query, not a metric query)`);
  }
  if (!Array.isArray(data.result)) return err('the Loki answer has no "data.result" list');
  const out: (LokiEntry & { n: bigint })[] = [];
  for (let s = 0; s < data.result.length; s++) {
    const stream = data.result[s] as unknown;
    if (!isObject(stream) || !Array.isArray(stream.values)) {
      skips.add('a stream without a "values" list', 1, `data.result[${s}] has no "values" list`);
      continue;
    }
    const labels: Record<string, string> = {};
    if (isObject(stream.stream)) for (const [k, v] of Object.entries(stream.stream)) labels[k] = String(v);
    for (let i = 0; i < stream.values.length; i++) {
      const v = stream.values[i] as unknown;
      if (!Array.isArray(v) || v.length < 2 || typeof v[0] !== 'string' || typeof v[1] !== 'string' || !/^\d{1,20}$/.test(v[0])) {
        skips.add('not a ["<nanoseconds>", "<line>"] pair', 1, `data.result[${s}].values[${i}] is not a ["<nanoseconds>", "<line>"] pair`);
        continue;
      }
      out.push({ ts: v[0], line: v[1], labels, n: BigInt(v[0]) });
    }
  }
  if (out.length === 0 && skips.count > before) return err(skips.nothingRead(before, 'entry'));
  // Stable: entries with equal timestamps keep Loki's order.
  out.sort((a, b) => (a.n < b.n ? -1 : a.n > b.n ? 1 : 0));
  return ok(out.map(({ ts, line, labels }) => ({ ts, line, labels })));
}

export interface LokiQuery {
  /** Base URL of Loki, e.g. http://loki:3100. */
  base: string;
  /** A LogQL log query, e.g. {app="checkout"} |= "error". */
  query: string;
  start: Date;
  end: Date;
  /** Most entries; Loki's own default is 100. */
  limit?: number;
  signal?: AbortSignal;
  /** Where entries that cannot be read are counted. */
  skips?: Skips;
}

const ns = (d: Date) => `${BigInt(d.getTime()) * 1_000_000n}`;

/** Asks Loki for the lines of a window; the error is one line. */
export async function queryLoki(q: LokiQuery): Promise<Result<LokiEntry[]>> {
  const url = new URL('/loki/api/v1/query_range', q.base);
  url.searchParams.set('query', q.query);
  url.searchParams.set('start', ns(q.start));
  url.searchParams.set('end', ns(q.end));
  url.searchParams.set('limit', String(q.limit ?? 5000));
  url.searchParams.set('direction', 'forward');
  const res = await get(url.toString(), { timeoutMs: 30_000, maxBytes: 64 << 20, signal: q.signal });
  if (!res.ok) return err(`loki: ${res.error}`);
  const body = res.value.body.toString('utf8');
  if (res.value.status !== 200) return err(`loki: HTTP ${res.value.status}: ${body.trim().split('\n')[0].slice(0, 200)}`);
  const parsed = parseLokiResponse(body, q.skips);
  return parsed.ok ? parsed : err(`loki: ${parsed.error}`);
}

/** Seconds between the first and last entry (0 for fewer than two). */
/** An entry's time, unix seconds (its nanosecond string split, beyond a double's precision). */
export function entrySeconds(e: Pick<LokiEntry, 'ts'>): number {
  return Number(e.ts.slice(0, -9) || '0') + Number(e.ts.slice(-9)) / 1e9;
}

export function spanSeconds(entries: readonly LokiEntry[]): number {
  if (entries.length < 2) return 0;
  return Number(BigInt(entries[entries.length - 1].ts) - BigInt(entries[0].ts)) / 1e9;
}
