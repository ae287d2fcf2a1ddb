// What a person reads from a trace: goroutines grouped by start function (as
// go tool trace's goroutine page groups them), the latency profiles' totals,
// and durations per region and task type. Plain data for the CLI's text and
// JSON and, later, the detectors.
import { unknownTime, type ExecStats, type Summary } from './summary.js';
import { log } from './event.js';
import type { TraceFacts } from './facts.js';
import { latencyKinds, type LatencyKind, type LatencyProfiles } from './latency.js';

export interface GoroutineGroup {
  /** The start function ("" for goroutines whose stacks never showed one). */
  name: string;
  count: number;
  execNs: number;
  schedWaitNs: number;
  blockNs: Record<string, number>;
  syscallNs: number;
  syscallBlockNs: number;
  unknownNs: number;
  totalNs: number;
}

export interface Durations {
  type: string;
  count: number;
  p50Ns: number;
  p99Ns: number;
  maxNs: number;
  totalNs: number;
}

export interface TraceReport {
  version: number;
  events: number;
  bytes: number;
  durationNs: number;
  goroutines: number;
  groups: GoroutineGroup[];
  latency: Record<LatencyKind, { count: number; delayNs: number }>;
  regions: Durations[];
  tasks: Durations[];
  gc: GcReport;
  /** The slowest task instances, slowest first, with what they logged (runtime/trace.Log). */
  slowestTasks: { type: string; id: number; ns: number; logs: { category: string; message: string }[] }[];
}

export interface GcReport {
  /** Stop-the-world pauses of every reason (GC and others, e.g. ReadMemStats). */
  stw: { count: number; totalNs: number; worstNs: number };
  markPhases: number;
  markNs: number;
  assistNs: number;
  /** The part of assistNs the assisting goroutines were running. */
  assistRunningNs: number;
  /** Mark assists' share of the time goroutines ran (0 when none ran). */
  assistShare: number;
  /** Background mark workers running on Ps the program could have had (dedicated and fractional, not idle). */
  workerRunningNs: number;
  /** The minimum mutator utilization at 1, 10 and 100 ms (go tool trace's MMU page, default view). */
  mmu: { windowMs: number; util: number }[];
}

export const assistShare = (f: TraceFacts) => (f.busyNs > 0 ? Math.min(1, f.gc.assistRunningNs / f.busyNs) : 0);

export function gcReport(f: TraceFacts): GcReport {
  return {
    stw: { count: f.pauses.length, totalNs: f.pauses.reduce((a, p) => a + p.ns, 0), worstNs: f.pauses.reduce((m, p) => Math.max(m, p.ns), 0) },
    markPhases: f.gc.count,
    markNs: f.gc.markNs,
    assistNs: f.gc.assistNs,
    assistRunningNs: f.gc.assistRunningNs,
    assistShare: assistShare(f),
    workerRunningNs: f.gc.workerRunningNs,
    mmu: f.mmu,
  };
}

function group(name: string, members: ExecStats[]): GoroutineGroup {
  const g: GoroutineGroup = { name, count: members.length, execNs: 0, schedWaitNs: 0, blockNs: {}, syscallNs: 0, syscallBlockNs: 0, unknownNs: 0, totalNs: 0 };
  for (const s of members) {
    g.execNs += s.execTime;
    g.schedWaitNs += s.schedWaitTime;
    for (const [reason, ns] of s.blockTimeByReason) if (ns > 0) g.blockNs[reason] = (g.blockNs[reason] ?? 0) + ns;
    g.syscallNs += s.syscallTime;
    g.syscallBlockNs += s.syscallBlockTime;
    g.unknownNs += unknownTime(s);
    g.totalNs += s.totalTime;
  }
  return g;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];

function durations(byType: Map<string, number[]>): Durations[] {
  return [...byType]
    .map(([type, ds]) => {
      ds.sort((a, b) => a - b);
      return { type, count: ds.length, p50Ns: quantile(ds, 0.5), p99Ns: quantile(ds, 0.99), maxNs: ds[ds.length - 1], totalNs: ds.reduce((a, b) => a + b, 0) };
    })
    .sort((a, b) => b.totalNs - a.totalNs);
}

export function traceReport(a: { version: number; events: number; bytes: number; summary: Summary; latency: LatencyProfiles; facts: TraceFacts }): TraceReport {
  const byName = new Map<string, ExecStats[]>();
  for (const g of a.summary.goroutines.values()) {
    const list = byName.get(g.name) ?? [];
    list.push(g.stats);
    byName.set(g.name, list);
  }
  // Most execution time first, as go tool trace lists goroutine groups.
  const groups = [...byName].map(([name, members]) => group(name, members)).sort((x, y) => y.execNs - x.execNs || x.name.localeCompare(y.name));
  const latency = Object.fromEntries(
    latencyKinds.map((k) => {
      const recs = a.latency.records(k, a.summary);
      return [k, { count: recs.reduce((s, r) => s + r.values[0], 0), delayNs: recs.reduce((s, r) => s + r.values[1], 0) }];
    }),
  ) as TraceReport['latency'];
  const regions = new Map<string, number[]>();
  for (const g of a.summary.goroutines.values())
    for (const r of g.regions) if (r.start && r.end) (regions.get(r.name) ?? regions.set(r.name, []).get(r.name)!).push(r.end.time - r.start.time);
  const tasks = new Map<string, number[]>();
  for (const t of a.summary.tasks.values()) if (t.start && t.end) (tasks.get(t.name) ?? tasks.set(t.name, []).get(t.name)!).push(t.end.time - t.start.time);
  const slowestTasks = [...a.summary.tasks.values()]
    .filter((t) => t.start && t.end)
    .sort((x, y) => y.end!.time - y.start!.time - (x.end!.time - x.start!.time))
    .slice(0, 5)
    .map((t) => ({
      type: t.name,
      id: t.id,
      ns: t.end!.time - t.start!.time,
      logs: t.logs.slice(0, 10).map((e) => {
        const l = log(e);
        return { category: l.category, message: l.message };
      }),
    }));
  return {
    slowestTasks,
    version: a.version,
    events: a.events,
    bytes: a.bytes,
    durationNs: a.summary.endTime - a.summary.startTime,
    goroutines: a.summary.goroutines.size,
    groups,
    latency,
    gc: gcReport(a.facts),
    regions: durations(regions),
    tasks: durations(tasks),
  };
}
