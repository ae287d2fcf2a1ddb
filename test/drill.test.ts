// The incident drill (test/drill/drill.ts) against the real programs: the alert
// arrives with a confirmed cause attached, and the incident resolves in place.
import { describe, expect, it } from 'vitest';
import { runDrill, WINDOW_SECONDS, type DrillResult } from './drill/drill.js';
import { hasGo } from './helpers/go.js';
import { jaegerBinary, jaegerVersion } from './helpers/jaeger.js';
import { alertmanagerBinary, prometheusBinary } from './helpers/prom-stack.js';
import { hasRedis } from './helpers/redis.js';

const missing = [!hasGo && 'go', !hasRedis && 'redis', !jaegerBinary && `jaeger ${jaegerVersion}`, !prometheusBinary && 'prometheus', !alertmanagerBinary && 'prometheus-alertmanager'].filter(Boolean);
if (missing.length) console.warn(`skipping the incident drill: no ${missing.join(', ')} (.ci/run installs them)`);

describe.skipIf(missing.length > 0)('the incident drill', () => {
  let drill: DrillResult;

  it('Prometheus fires, Alertmanager posts, and the thread gets a confirmed pool exhaustion from three or more sources', async () => {
    drill = await runDrill((line) => console.log(`drill: ${line}`));
    const text = drill.report.body.text ?? '';
    expect(text).toMatch(/^🔴 order-api: confirmed: [3-9] independent sources agree: Requests queue for a bounded resource/);
    const blocks = drill.report.body.blocks ?? '';
    // The slow trace's own log lines are quoted beside it.
    expect(blocks).toMatch(/The slowest trace [0-9a-f]{32} \(order-api GET \/work/);
    expect(blocks).toContain('waiting for a free connection from the pool');
  }, 300_000);

  it('the verdict lands within the capture window plus 3 s of the alert', () => {
    expect(drill.timings.alertToVerdict).toBeGreaterThan(0);
    expect(drill.timings.alertToVerdict).toBeLessThanOrEqual((WINDOW_SECONDS + 3) * 1000);
  });

  it('the fault stops, Alertmanager sends resolved, and the incident is resolved in place with its time to resolve; the digest shows it', () => {
    expect(drill.resolved.body.text).toMatch(/^✅ Resolved after \d+/);
    // The drill's incident is in this week's count and its MTTR (other runs on this Redis have their own prefix).
    expect(drill.digest.body.text).toMatch(/^📈 MTTR digest, last 7 days\n\*\*Incidents [^*]*: 1\*\*/);
    expect(drill.digest.body.text).toMatch(/MTTR median \*\*\d+/);
    expect(drill.calls.some((c) => c.method === 'files.getUploadURLExternal' && c.body.filename === 'mttr-7d.png')).toBe(true);
  });
});
