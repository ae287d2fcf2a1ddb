// Parca's query API through its HTTP gateway: one window of one profile type, merged, as pprof.
// GET /api/profiles/query?mode=MODE_MERGE&reportType=REPORT_TYPE_PPROF&merge.query=<type><selector>&merge.start=…&merge.end=…
// answers {"pprof": "<base64 of gzipped pprof>"}; a refusal is {"code": n, "message": "…"}.

import { err, ok, type Result } from '../../errors.js';
import type { PastProfileName } from '../../config/registry.js';
import { get } from '../http.js';
import { answerError, type Query } from './query.js';

// The ids Parca gives the profiles it scrapes from a Go service's /debug/pprof (its default scrape config).
export const parcaTypes: Record<PastProfileName, string> = {
  cpu: 'parca_agent_cpu:samples:count:cpu:nanoseconds:delta',
  block: 'block:contentions:count:contentions:count:delta',
  mutex: 'mutex:contentions:count:contentions:count:delta',
};

export const queryParca: Query = async (cfg, name, window, options) => {
  const url = new URL('/api/profiles/query', cfg.url);
  url.search = new URLSearchParams({
    mode: 'MODE_MERGE',
    reportType: 'REPORT_TYPE_PPROF',
    'merge.query': `${parcaTypes[name]}${cfg.selector}`,
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
