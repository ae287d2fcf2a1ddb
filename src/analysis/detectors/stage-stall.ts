// One stage of an annotated request pipeline (runtime/trace tasks and
// regions) takes most of the slow requests' time or, against the service's
// last healthy capture, grew. With a baseline, only growth counts: a stage
// that always took most of the time (a database call, say) is how the service
// works, not a stall.
import type { Finding } from '../../model.js';
import { frames } from '../../trace/event.js';
import { taskStages, type StageBaseline, type TaskStages } from '../../trace/stages.js';
import type { TraceView } from '../../trace/view.js';
import type { Detector } from '../inputs.js';
import { confidence, firstAppFrame, pct, strength } from '../stacks.js';
import { ms, quantile, traceFrames } from '../trace.js';

/** Slow tasks of a few milliseconds, or growth by a few, are not where an incident is. */
const MATTERS = 5e6;

export const stageStall: Detector = {
  kind: 'stage-stall',
  detect({ trace, stageBaseline }) {
    if (!trace) return [];
    const byType = new Map<string, TaskStages[]>();
    for (const t of taskStages(trace.summary)) (byType.get(t.type) ?? byType.set(t.type, []).get(t.type)!).push(t);
    const out: Finding[] = [];
    for (const [type, instances] of byType) {
      if (instances.length < 10) continue;
      const base = stageBaseline && Object.hasOwn(stageBaseline.baseline, type) ? stageBaseline.baseline[type] : undefined;
      const f = base && base.tasks >= 10 ? grown(trace, type, instances, base, stageBaseline!.at) : dominant(trace, type, instances);
      if (f) out.push(f);
    }
    return out;
  },
};

function dominant(trace: TraceView, type: string, instances: TaskStages[]): Finding | undefined {
  const sorted = [...instances].sort((a, b) => a.ns - b.ns);
  const p90 = quantile(
    sorted.map((i) => i.ns),
    0.9,
  );
  const slow = sorted.filter((i) => i.ns >= p90);
  const slowNs = slow.reduce((a, i) => a + i.ns, 0);
  const stages = new Map<string, number>();
  for (const i of slow) for (const [name, ns] of i.stages) stages.set(name, (stages.get(name) ?? 0) + ns);
  if (stages.size < 2 || slowNs <= 0 || p90 < MATTERS) return undefined;
  const [stage, top] = [...stages].sort((a, b) => b[1] - a[1])[0];
  const share = top / slowNs;
  if (share < 0.5) return undefined;
  const location = stageLocation(trace, stage);
  return {
    kind: 'stage-stall',
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
  };
}

function grown(trace: TraceView, type: string, instances: TaskStages[], base: StageBaseline[string], at: string): Finding | undefined {
  const mean = instances.reduce((a, i) => a + i.ns, 0) / instances.length;
  const growth = mean - base.meanNs;
  if (mean < 1.5 * base.meanNs || growth < MATTERS) return undefined;
  const now = new Map<string, number>();
  for (const i of instances) for (const [name, ns] of i.stages) now.set(name, (now.get(name) ?? 0) + ns / instances.length);
  const before = new Map(Object.entries(base.stages));
  const changes = [...new Set([...now.keys(), ...before.keys()])].map((name) => ({ name, before: before.get(name) ?? 0, after: now.get(name) ?? 0 }));
  const top = changes.sort((a, b) => b.after - b.before - (a.after - a.before))[0];
  // Tasks without regions (trace.NewTask alone) have no stage to name.
  if (!top || top.after <= top.before) return undefined;
  const share = Math.min(1, (top.after - top.before) / growth);
  if (share < 0.5) return undefined;
  const location = stageLocation(trace, top.name);
  return {
    kind: 'stage-stall',
    title: `The ${top.name} stage of ${type} requests grew from ${ms(top.before)} to ${ms(top.after)} against the last healthy capture; the requests from ${ms(base.meanNs)} to ${ms(mean)}.`,
    confidence: confidence(strength(mean / base.meanNs - 1, 1), share),
    ...(location ? { location } : {}),
    evidence: [
      {
        source: 'trace',
        summary: `${instances.length} ${type} tasks, ${ms(mean)} on average against ${ms(base.meanNs)} in the last healthy capture (${at}, ${base.tasks} tasks); per task: ${changes
          .map((c) => `${c.name} ${ms(c.before)} → ${ms(c.after)}`)
          .join(', ')}`,
      },
    ],
  };
}

/** Where the stage is entered: UserRegionBegin's stack (its third argument). */
function stageLocation(trace: TraceView, stage: string) {
  const region = [...trace.summary.tasks.values()].flatMap((t) => t.regions).find((r) => r.name === stage && r.start);
  return region?.start ? firstAppFrame(traceFrames(frames(region.start.table, region.start.a2))) : undefined;
}
