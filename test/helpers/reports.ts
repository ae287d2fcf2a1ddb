// Reports for the renderer tests, shaped like real diagnoses of the Go test target.
import type { Report } from '../../src/model.js';

export const poolReport: Report = {
  service: 'order-api',
  target: 'http://127.0.0.1:6060',
  window: { start: '2026-11-25T17:41:47.655Z', seconds: 10 },
  verdict: 'confirmed',
  findings: [
    {
      kind: 'pool-exhaustion',
      title: 'Requests queue for a bounded resource in database/sql.(*DB).conn: 13.6 wait at any time.',
      confidence: 0.95,
      location: { function: 'main.loadOrder', file: '/src/order-api/db.go', line: 76 },
      evidence: [
        { source: 'block', summary: 'requests waited 41 s on a channel, semaphore or condition at database/sql.(*DB).conn in 3 s (13.6 waiting at any time), 100% of request-path blocking' },
        { source: 'goroutine', summary: '24 of 32 request goroutines were waiting at database/sql.(*DB).conn at the end of the window' },
        { source: 'probe:db-pool', summary: 'http://127.0.0.1:8080/health answered HTTP 200: {"activeConnections":8,"maxPoolSize":8,"status":"CRITICAL"} (expected {"status":"OK"})' },
      ],
    },
    { kind: 'cpu-hotspot', title: 'main.loadOrder takes 14% of the service\'s CPU.', confidence: 0.02, evidence: [{ source: 'cpu', summary: 'tiny' }] },
  ],
  artifacts: [],
  errors: [{ source: 'heap-end', error: 'GET /debug/pprof/heap?gc=1: no complete answer within 10 s' }],
  notCaptured: [{ source: 'mutex', reason: 'no samples: mutex profiling is not enabled in the target (runtime.SetMutexProfileFraction)' }],
  timings: { capture: 10200, decode: 40, analysis: 12 },
};

export const healthyReport: Report = {
  ...poolReport,
  verdict: 'healthy',
  findings: [{ kind: 'cpu-hotspot', title: 'main.checksumRecords takes 31% of the service\'s CPU.', confidence: 0.07, evidence: [{ source: 'cpu', summary: 'x' }] }],
  errors: [],
  notCaptured: [],
};
