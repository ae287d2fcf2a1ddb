// Grafana Pyroscope's query API (Connect, protobuf): one window of one profile type, merged, as pprof.
// querier.v1.QuerierService/SelectMergeStacktraces with format PROFILE_FORMAT_PPROF (v2.2 and later)
// answers SelectMergeStacktracesResponse{pprof: PprofProfile{profile: google.v1.Profile}}. An older
// server ignores the format and answers a flame graph: SelectMergeProfile is then asked, which answers
// the google.v1.Profile itself (profile.proto, ungzipped).
// Field numbers are those of api/querier/v1/querier.proto.

import { err, ok, type Result } from '../../errors.js';
import type { PastProfileName, ProfilesConfig } from '../../config/registry.js';
import { Writer } from '../../profile/encode.js';
import { Reader, WireError } from '../../profile/protobuf.js';
import { get, type GetOptions } from '../http.js';
import { answerError, type Query, type Window } from './query.js';

// The ids of the profiles the Go SDK (pyroscope-go) and Alloy's pprof scrape send.
export const pyroscopeTypes: Record<PastProfileName, string> = {
  cpu: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds',
  block: 'block:delay:nanoseconds:contentions:count',
  mutex: 'mutex:delay:nanoseconds:contentions:count',
};

const PROFILE_FORMAT_PPROF = 4;

/** The request of either call: profile_typeID 1, label_selector 2, start 3, end 4 (ms); SelectMergeStacktraces' format 6. */
export function selectRequest(typeId: string, selector: string, window: Window, format?: number): Uint8Array {
  const w = new Writer();
  w.string(1, typeId);
  w.string(2, selector);
  w.uint(3, Math.floor(window.start));
  w.uint(4, Math.ceil(window.end));
  if (format !== undefined) w.uint(6, format);
  return w.done();
}

/** The fields of one message, by number, for the length-delimited ones. */
function fields(buf: Uint8Array): Map<number, Uint8Array> {
  const r = new Reader(buf);
  const out = new Map<number, Uint8Array>();
  while (r.pos < r.end) {
    const key = r.key();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire !== 2) {
      r.skip(wire);
      continue;
    }
    const n = r.length();
    out.set(field, buf.subarray(r.pos, r.pos + n));
    r.pos += n;
  }
  return out;
}

/** SelectMergeStacktraces' answer: the pprof bytes, or undefined when the server answered in another format (older than v2.2). */
export function mergedPprof(buf: Uint8Array): Result<Buffer | undefined> {
  try {
    const pprof = fields(buf).get(5);
    if (pprof === undefined) return ok(undefined);
    return ok(Buffer.from(fields(pprof).get(1) ?? new Uint8Array()));
  } catch (e) {
    if (e instanceof WireError) return err(`Pyroscope's answer is not a SelectMergeStacktracesResponse (${e.message})`);
    throw e;
  }
}

async function call(cfg: ProfilesConfig, method: string, body: Uint8Array, options: GetOptions): Promise<Result<Buffer>> {
  const headers: Record<string, string> = { 'content-type': 'application/proto', 'connect-protocol-version': '1' };
  if (cfg.tenant) headers['x-scope-orgid'] = cfg.tenant;
  const res = await get(new URL(`querier.v1.QuerierService/${method}`, cfg.url.endsWith('/') ? cfg.url : `${cfg.url}/`).toString(), { ...options, post: { body, headers } });
  if (!res.ok) return res;
  const { status, body: answer } = res.value;
  if (status === 404) return err(`${cfg.url} has no Pyroscope query API (404 on ${method})`);
  if (status !== 200) return err(answerError('Pyroscope', status, answer));
  return ok(answer);
}

export const queryPyroscope: Query = async (cfg, name, window, options) => {
  const typeId = pyroscopeTypes[name];
  const merged = await call(cfg, 'SelectMergeStacktraces', selectRequest(typeId, cfg.selector, window, PROFILE_FORMAT_PPROF), options);
  if (!merged.ok) return merged;
  const pprof = mergedPprof(merged.value);
  if (!pprof.ok) return pprof;
  if (pprof.value !== undefined) return pprof.value.length ? ok(pprof.value) : err('Pyroscope answered an empty profile');
  const profile = await call(cfg, 'SelectMergeProfile', selectRequest(typeId, cfg.selector, window), options);
  if (!profile.ok) return profile;
  return profile.value.length ? profile : err('Pyroscope answered an empty profile');
};
