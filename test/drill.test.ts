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

/** Block Kit: a section's text, or a context block's elements joined. */
type Block = { text?: { text?: string }; elements?: { text?: string }[] };
const texts = (blocks: Block[]) => blocks.map((b) => b.text?.text ?? b.elements?.map((e) => e.text ?? '').join(' ') ?? '');

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

  it('each verdict lands within the capture window plus 3 s of its alert', () => {
    for (const p of [drill.pool, drill.downstream]) {
      expect(p.timings.alertToVerdict, p.service).toBeGreaterThan(0);
      expect(p.timings.alertToVerdict, p.service).toBeLessThanOrEqual((WINDOW_SECONDS + 3) * 1000);
    }
  });

  it('the second fault, a slow gRPC dependency: slow-dependency naming the inventory service, and no pool of ours blamed', () => {
    const text = drill.downstream.report.body.text ?? '';
    expect(text).toMatch(/^\S+ checkout-api: (confirmed|likely): /);
    expect(text).toMatch(/inventory/);
    expect(text).not.toMatch(/bounded resource|pool/i);
    expect(drill.downstream.resolved.body.text).toMatch(/^✅ Resolved after \d+ s: CheckoutSlow/);
  });

  it('a bad day (Jaeger down, Prometheus answering 503, the log file rotated): one line each under What failed, and the verdict stands on what is left', () => {
    const blocks = JSON.parse(drill.badDay.report.body.blocks ?? '[]') as Block[];
    const section = texts(blocks).find((t) => t.startsWith('*What failed*')) ?? '';
    const failed = section.split('\n').slice(1);
    expect(failed).toEqual([
      expect.stringMatching(/^• traces: jaeger http:\/\/127\.0\.0\.1:\d+: connection refused by /),
      expect.stringMatching(/^• logs: \S+order-api\.log starts at .* no \S+order-api\.log\.1 is beside it/),
      expect.stringMatching(/^• metrics: .*(503|timed out)/),
    ]);
    // The block and goroutine profiles, the execution trace and the probe still count. Traces and metrics do not,
    // nor the logs: the rotated file does not reach back to the baseline window, so its templates are not compared.
    const text = drill.badDay.report.body.text ?? '';
    expect(text).toMatch(/^🔴 order-api: confirmed: 4 independent sources agree: Requests queue for a bounded resource/);
    expect(failed[1]).toMatch(/; baseline: the lines read from \S+order-api\.log do not reach back to .*, so its templates are not compared$/);
    const evidence = texts(blocks).find((t) => t.startsWith('*block*')) ?? '';
    expect([...evidence.matchAll(/\*([\w:-]+)\*: /g)].map((m) => m[1]).sort()).toEqual(['block', 'goroutine', 'probe:db-pool', 'trace']);
  });

  it('on a good day metrics join too: every source of the pool verdict, none failed', () => {
    const blocks = JSON.parse(drill.pool.report.body.blocks ?? '[]') as Block[];
    expect(texts(blocks).some((t) => t.startsWith('*What failed*'))).toBe(false);
    const evidence = texts(blocks).find((t) => t.startsWith('*block*')) ?? '';
    expect(new Set([...evidence.matchAll(/\*([\w:-]+)\*: /g)].map((m) => m[1]))).toEqual(new Set(['block', 'goroutine', 'trace', 'logs', 'probe:db-pool', 'metrics']));
  });

  it('the fault stops, Alertmanager sends resolved, and the incident is resolved in place with its time to resolve; the digest shows it', () => {
    expect(drill.resolved.body.text).toMatch(/^✅ Resolved after \d+/);
    // The drill's incident is in this week's count and its MTTR (other runs on this Redis have their own prefix).
    expect(drill.digest.body.text).toMatch(/^📈 MTTR digest, last 7 days\n\*\*Incidents [^*]*: 3\*\*/);
    expect(drill.digest.body.text).toMatch(/MTTR median \*\*\d+/);
    expect(drill.calls.some((c) => c.method === 'files.getUploadURLExternal' && c.body.filename === 'mttr-7d.png')).toBe(true);
  });
});
