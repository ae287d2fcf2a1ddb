// Prometheus `GET /api/v1/query_range`: {status, data: {resultType: "matrix",
// result: [{metric: {labels}, values: [[<unix seconds>, "<value>"]]}]}, warnings?, infos?}.
// Values are strings ("NaN", "+Inf" too); a series has at most 11,000 points,
// so the step grows with the range. A malformed answer is an error value.

import { err, ok, type Result } from '../../errors.js';
import { get } from '../http.js';
import { Skips } from '../skips.js';

export interface Point {
  /** Unix seconds. */
  t: number;
  v: number;
}

export interface Series {
  labels: Record<string, string>;
  points: Point[];
}

export interface RangeResult {
  series: Series[];
  /** Prometheus's `warnings` (and `infos`), kept for the report. */
  warnings: string[];
}

export interface Range {
  start: Date;
  end: Date;
  /** Seconds between points; raised when the range would need more than 11,000. */
  step?: number;
}

export const MAX_POINTS = 11_000;
const DEFAULT_POINTS = 300;

/** The step, in seconds: the one asked for (or range/300), never so small that a series exceeds 11,000 points. */
export function pickStep(start: Date, end: Date, wanted?: number): number {
  const range = Math.max(0, (end.getTime() - start.getTime()) / 1000);
  const fewest = Math.ceil(range / (MAX_POINTS - 1));
  const step = wanted ?? Math.max(1, Math.ceil(range / DEFAULT_POINTS));
  return Math.max(step, fewest);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const oneLine = (s: string) => s.replace(/\s*[\r\n]+\s*/g, ' ').trim();

/** "NaN", "+Inf", "-Inf" or a decimal; undefined for anything else. */
export function parseValue(s: unknown): number | undefined {
  if (typeof s !== 'string') return undefined;
  if (s === 'NaN') return NaN;
  if (s === '+Inf' || s === 'Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (!/^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(s)) return undefined;
  return Number(s);
}

/** "bad_data: parse error …" from an answer with status "error". */
function errorText(json: Record<string, unknown>): string {
  const why = [json.errorType, json.error].filter((x) => typeof x === 'string' && x !== '').join(': ');
  return oneLine(why || 'Prometheus answered status "error" with no message');
}

/** What a non-200 answer says: its error, or the start of a body that is not a Prometheus error. */
function errorBody(body: string): string {
  try {
    const json: unknown = JSON.parse(body);
    if (isObject(json) && json.status === 'error') return errorText(json);
  } catch {
    // not JSON: quote it
  }
  return oneLine(body).slice(0, 200);
}

/** The series of a range answer; a point that is not a [<unix seconds>, "<value>"] pair is skipped and counted in `skips`. */
export function parseRangeResponse(body: string | Buffer, skips = new Skips()): Result<RangeResult> {
  const before = skips.count;
  let json: unknown;
  try {
    json = JSON.parse(body.toString());
  } catch {
    return err('the answer is not JSON');
  }
  if (!isObject(json)) return err('the answer is not a JSON object');
  if (json.status === 'error') return err(errorText(json));
  if (json.status !== 'success' && json.status !== 'warning') return err(`the answer has status ${JSON.stringify(json.status)}, not "success"`);
  const warnings: string[] = [];
  for (const key of ['warnings', 'infos']) {
    const list = json[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) return err(`"${key}" is not a list`);
    for (const w of list) warnings.push(oneLine(String(w)));
  }
  const data = json.data;
  if (!isObject(data)) return err('the answer has no "data" object');
  if (data.resultType !== 'matrix') return err(`the answer is a ${JSON.stringify(data.resultType)} result, not "matrix"`);
  if (!Array.isArray(data.result)) return err('the answer has no "data.result" list');
  const series: Series[] = [];
  for (let s = 0; s < data.result.length; s++) {
    const item = data.result[s] as unknown;
    if (!isObject(item)) return err(`data.result[${s}] is not an object`);
    const labels: Record<string, string> = {};
    if (item.metric !== undefined) {
      if (!isObject(item.metric)) return err(`data.result[${s}].metric is not an object`);
      for (const [k, v] of Object.entries(item.metric)) labels[k] = String(v);
    }
    // A native-histogram series has "histograms" and no "values"; it has no float points to give.
    const values = item.values ?? (item.histograms !== undefined ? [] : undefined);
    if (!Array.isArray(values)) return err(`data.result[${s}] has no "values" list`);
    const points: Point[] = [];
    for (let i = 0; i < values.length; i++) {
      const pair = values[i] as unknown;
      const v = Array.isArray(pair) && pair.length === 2 ? parseValue(pair[1]) : undefined;
      if (!Array.isArray(pair) || typeof pair[0] !== 'number' || !Number.isFinite(pair[0]) || v === undefined) {
        skips.add('not a [<unix seconds>, "<value>"] pair', 1, `data.result[${s}].values[${i}] is not a [<unix seconds>, "<value>"] pair`);
        continue;
      }
      points.push({ t: pair[0], v });
    }
    series.push({ labels, points });
  }
  if (skips.count > before && series.every((x) => x.points.length === 0)) return err(skips.nothingRead(before, 'point'));
  return ok({ series, warnings });
}

export interface QueryOptions {
  signal?: AbortSignal;
  /** Where points that cannot be read are counted. */
  skips?: Skips;
  timeoutMs?: number;
  maxBytes?: number;
}

const seconds = (d: Date) => String(d.getTime() / 1000);
const shortQuery = (q: string) => (q.length > 80 ? `${q.slice(0, 79)}…` : q);

/** Asks Prometheus for the series of a range query; the error is one line naming the query. */
export async function queryRange(baseUrl: string, query: string, range: Range, options: QueryOptions = {}): Promise<Result<RangeResult>> {
  const name = `prometheus: query ${JSON.stringify(shortQuery(oneLine(query)))}`;
  if (!(range.end.getTime() > range.start.getTime())) return err(`${name}: the range ends before it starts`);
  if (range.step !== undefined && !(range.step > 0)) return err(`${name}: the step must be a positive number of seconds`);
  let url: URL;
  try {
    url = new URL('api/v1/query_range', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  } catch {
    return err(`prometheus: ${JSON.stringify(baseUrl)} is not a URL`);
  }
  url.searchParams.set('query', query);
  url.searchParams.set('start', seconds(range.start));
  url.searchParams.set('end', seconds(range.end));
  url.searchParams.set('step', String(pickStep(range.start, range.end, range.step)));
  const res = await get(url.toString(), { timeoutMs: options.timeoutMs ?? 30_000, maxBytes: options.maxBytes ?? 64 << 20, signal: options.signal });
  if (!res.ok) return err(`${name}: ${res.error}`);
  const body = res.value.body.toString('utf8');
  if (res.value.status !== 200) {
    const said = errorBody(body);
    return err(`${name}: HTTP ${res.value.status}${said ? `: ${said}` : ''}`);
  }
  const parsed = parseRangeResponse(body, options.skips);
  return parsed.ok ? parsed : err(`${name}: ${parsed.error}`);
}
