// Parca's query API through its HTTP gateway: one window of one profile type, merged, as pprof.
// GET /api/profiles/query?mode=MODE_MERGE&reportType=REPORT_TYPE_PPROF&merge.query=<type><selector>&merge.start=…&merge.end=…
// answers {"pprof": "<base64 of gzipped pprof>"}; a refusal is {"code": n, "message": "…"}.

import { err, ok, type Result } from '../../errors.js';
import type { PastProfileName } from '../../config/registry.js';
import { get } from '../http.js';
import { answerError, type Query } from './query.js';

// The ids Parca gives the profiles it scrapes from a Go service's /debug/pprof (its default scrape config,
// as /api/profiles/types lists them). Only CPU is a delta there: block and mutex are kept as the running
// totals Go serves, which a merge over a window would add up, so the registry refuses them for Parca.
export const parcaTypes: Partial<Record<PastProfileName, string>> = {
  cpu: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds:delta',
};

export const queryParca: Query = async (cfg, name, window, options) => {
  const type = parcaTypes[name];
  if (!type) return err(`Parca keeps ${name} as a running total, not per window: only cpu is read from it`);
  // Relative to the configured URL, so that a profiler behind a gateway path keeps it.
  const url = new URL('api/profiles/query', cfg.url.endsWith('/') ? cfg.url : `${cfg.url}/`);
  url.search = new URLSearchParams({
    mode: 'MODE_MERGE',
    reportType: 'REPORT_TYPE_PPROF',
    'merge.query': `${type}${cfg.selector}`,
    'merge.start': new Date(window.start).toISOString(),
    'merge.end': new Date(window.end).toISOString(),
  }).toString();
  const res = await get(url.toString(), options);
  if (!res.ok) return res;
  const { status, body } = res.value;
  if (status !== 200) return err(answerError('Parca', status, body));
  let pprof: unknown;
  try {
    pprof = (JSON.parse(body.toString('utf8')) as { pprof?: unknown }).pprof;
  } catch {
    return err(`Parca's answer is not JSON (${body.length} bytes): is ${cfg.url} Parca's HTTP address?`);
  }
  if (typeof pprof !== 'string' || pprof === '') return err('Parca answered without a pprof report');
  return ok(Buffer.from(pprof, 'base64'));
};
