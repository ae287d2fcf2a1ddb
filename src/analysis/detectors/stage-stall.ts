// One stage of an annotated request pipeline (runtime/trace tasks and
// regions) takes most of the slow requests' time.
import type { Detector } from '../inputs.js';
import { confidence, firstAppFrame, pct, strength } from '../stacks.js';
import { ms, quantile, traceFrames } from '../trace.js';
import { frames } from '../../trace/event.js';

export const stageStall: Detector = {
  kind: 'stage-stall',
  detect({ trace }) {
    if (!trace) return [];
    const out = [];
    const byType = new Map<string, { ns: number; regions: Map<string, number> }[]>();
    // Each task's regions with their goroutine; a region that encloses another of its goroutine is a
    // frame around the stages (a "handle" region), not a stage: only the innermost count.
    const regionsOf = new Map<number, { g: number; name: string; start: number; end: number }[]>();
    for (const g of trace.summary.goroutines.values())
      for (const r of g.regions)
        if (r.start && r.end) (regionsOf.get(r.taskId) ?? regionsOf.set(r.taskId, []).get(r.taskId)!).push({ g: g.id, name: r.name, start: r.start.time, end: r.end.time });
    for (const t of trace.summary.tasks.values()) {
      if (!t.start || !t.end) continue;
      const all = regionsOf.get(t.id) ?? [];
      const regions = new Map<string, number>();
      for (const r of all) {
        const encloses = all.some((o) => o !== r && o.g === r.g && o.start >= r.start && o.end <= r.end && (o.start > r.start || o.end < r.end));
        if (!encloses) regions.set(r.name, (regions.get(r.name) ?? 0) + r.end - r.start);
      }
      const list = byType.get(t.name) ?? [];
      list.push({ ns: t.end.time - t.start.time, regions });
      byType.set(t.name, list);
    }
    for (const [type, instances] of byType) {
      if (instances.length < 10) continue;
      const sorted = [...instances].sort((a, b) => a.ns - b.ns);
      const p90 = quantile(sorted.map((i) => i.ns), 0.9);
      const slow = sorted.filter((i) => i.ns >= p90);
      const slowNs = slow.reduce((a, i) => a + i.ns, 0);
      const stages = new Map<string, number>();
      for (const i of slow) for (const [name, ns] of i.regions) stages.set(name, (stages.get(name) ?? 0) + ns);
      // Slow tasks of a few milliseconds are not where an incident is.
      if (stages.size < 2 || slowNs <= 0 || p90 < 5e6) continue;
      const [stage, top] = [...stages].sort((a, b) => b[1] - a[1])[0];
      const share = top / slowNs;
      if (share < 0.5) continue;
      const region = [...trace.summary.tasks.values()].flatMap((t) => t.regions).find((r) => r.name === stage && r.start);
      // UserRegionBegin's stack is its third argument: where the stage was entered.
      const location = region?.start ? firstAppFrame(traceFrames(frames(region.start.table, region.start.a2))) : undefined;
      out.push({
        kind: 'stage-stall' as const,
        title: `The ${stage} stage takes ${pct(share)} of the slowest ${type} requests' time (p90 ${ms(p90)}).`,
        confidence: confidence(strength(share, 0.5), share),
        ...(location ? { location } : {}),
        evidence: [
          {
            source: 'trace',
            summary: `${instances.length} ${type} tasks, p90 ${ms(p90)}; in the ${slow.length} slowest, region ${stage} took ${ms(top / slow.length)} on average, ${pct(share)} of their time (other stages: ${[...stages]
              .filter(([n]) => n !== stage)
              .map(([n, ns]) => `${n} ${ms(ns / slow.length)}`)
              .join(', ')})`,
          },
        ],
      });
    }
    return out;
  },
};
