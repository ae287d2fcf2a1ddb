// How long the MTTR digest takes for 500 incidents over 90 days: the stats,
// and the Vega-Lite charts as a PNG. The target is well under a second.
import { digest } from '../../src/incidents/digest.js';
import type { Incident, IncidentEvent } from '../../src/incidents/model.js';
import type { FindingKind } from '../../src/model.js';
import { renderDigestPng } from '../../src/render/charts.js';

/** mulberry32: a small seeded PRNG, so the incidents are the same every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KINDS: FindingKind[] = ['cpu-hotspot', 'lock-contention', 'pool-exhaustion', 'goroutine-leak', 'memory-growth', 'gc-pressure', 'error-burst', 'slow-dependency', 'retry-storm', 'latency-regression', 'saturation'];

/**
 * `n` incidents detected over `days` days from `start`, on 40 services (a few
 * busy ones, some long names), MTTR log-normal around 40 min with a tail of
 * days, 5% unresolved and 15% undiagnosed.
 */
export function syntheticIncidents(n: number, days: number, seed = 1, start = Date.UTC(2025, 0, 6)): Incident[] {
  const rand = prng(seed);
  const services = Array.from({ length: 40 }, (_, i) =>
    i % 9 === 4 ? `payments-reconciliation-settlement-batch-worker-${i}` : ['order-api', 'checkout', 'inventory', 'search', 'auth', 'billing', 'notifications', 'gateway'][i % 8] + (i < 8 ? '' : `-${i}`),
  );
  const out: Incident[] = [];
  for (let k = 0; k < n; k++) {
    // Zipf-like: the first services get most incidents.
    const service = services[Math.min(services.length - 1, Math.floor(services.length * rand() ** 2.5))];
    const detected = start + Math.floor(rand() * days * 86_400_000);
    const at = (s: number) => new Date(detected + s * 1000).toISOString();
    const gauss = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const mttr = Math.round(2400 * Math.exp(1.3 * gauss));
    const timeline: IncidentEvent[] = [{ type: 'detected', at: at(0), by: 'alertmanager' }, { type: 'acknowledged', at: at(Math.min(120, mttr / 4)), by: 'oncall' }];
    if (rand() > 0.15) {
      const cause = KINDS[Math.floor(KINDS.length * rand() ** 1.6)];
      timeline.push({ type: 'diagnosed', at: at(Math.min(300, mttr / 2)), verdict: 'likely', cause, job: `job-${k}` });
    }
    if (rand() > 0.05) timeline.push({ type: 'resolved', at: at(mttr), by: 'oncall' });
    out.push({ id: `inc-${k + 1}`, service, title: `${service}: p99 latency above SLO`, channel: { platform: 'slack', channel: 'C-INCIDENTS' }, timeline });
  }
  return out.sort((a, b) => a.timeline[0].at.localeCompare(b.timeline[0].at));
}

export async function benchDigest(): Promise<void> {
  const runs = 7;
  const start = new Date(Date.UTC(2025, 0, 6));
  const end = new Date(start.getTime() + 90 * 86_400_000);
  const incidents = syntheticIncidents(500, 90, 1, start.getTime());
  const previous = syntheticIncidents(450, 90, 2, start.getTime() - 90 * 86_400_000);
  const stats: number[] = [];
  const render: number[] = [];
  let bytes = 0;
  // The first run is a warm-up (module loading, JIT) and is not counted.
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    const d = digest(incidents, { start, end }, previous);
    const t1 = performance.now();
    const png = await renderDigestPng(d);
    const t2 = performance.now();
    bytes = png.length;
    if (i === 0) {
      console.log(`\nMTTR digest, 500 incidents over 90 days (${runs} runs, median):\n  cold: stats ${(t1 - t0).toFixed(1)} ms, PNG ${(t2 - t1).toFixed(0)} ms`);
      continue;
    }
    stats.push(t1 - t0);
    render.push(t2 - t1);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`  warm: stats ${median(stats).toFixed(1)} ms, charts PNG ${median(render).toFixed(0)} ms (${(bytes / 1024).toFixed(0)} KB)`);
}
