// The stages of annotated requests (runtime/trace tasks and the regions in
// them): each task's time per stage, and a small summary of them that a
// healthy capture leaves behind for later ones to be compared with.
import type { Summary } from './summary.js';

export interface TaskStages {
  type: string;
  ns: number;
  /** Time per stage (region name) inside the task. */
  stages: Map<string, number>;
}

/** Per task type: how many, their mean duration, and each stage's mean time per task. */
export type StageBaseline = Record<string, { tasks: number; meanNs: number; stages: Record<string, number> }>;

/**
 * Each finished task with the time of its stages. A region that encloses
 * another of its goroutine is a frame around the stages (a "handle" region),
 * not a stage: only the innermost count.
 */
export function taskStages(summary: Summary): TaskStages[] {
  const regionsOf = new Map<number, { g: number; name: string; start: number; end: number }[]>();
  for (const g of summary.goroutines.values())
    for (const r of g.regions)
      if (r.start && r.end) (regionsOf.get(r.taskId) ?? regionsOf.set(r.taskId, []).get(r.taskId)!).push({ g: g.id, name: r.name, start: r.start.time, end: r.end.time });
  const out: TaskStages[] = [];
  for (const t of summary.tasks.values()) {
    if (!t.start || !t.end) continue;
    const all = regionsOf.get(t.id) ?? [];
    const stages = new Map<string, number>();
    for (const r of all) {
      const encloses = all.some((o) => o !== r && o.g === r.g && o.start >= r.start && o.end <= r.end && (o.start > r.start || o.end < r.end));
      if (!encloses) stages.set(r.name, (stages.get(r.name) ?? 0) + r.end - r.start);
    }
    out.push({ type: t.name, ns: t.end.time - t.start.time, stages });
  }
  return out;
}

export function stageBaseline(tasks: TaskStages[]): StageBaseline {
  // Maps while summing: a task type or region may be called "constructor" or "__proto__".
  const sums = new Map<string, { tasks: number; ns: number; stages: Map<string, number> }>();
  for (const t of tasks) {
    let b = sums.get(t.type);
    if (!b) sums.set(t.type, (b = { tasks: 0, ns: 0, stages: new Map() }));
    b.tasks++;
    b.ns += t.ns;
    for (const [name, ns] of t.stages) b.stages.set(name, (b.stages.get(name) ?? 0) + ns);
  }
  // Object.fromEntries defines own properties, whatever the names.
  return Object.fromEntries(
    [...sums].map(([type, b]) => [type, { tasks: b.tasks, meanNs: Math.round(b.ns / b.tasks), stages: Object.fromEntries([...b.stages].map(([name, ns]) => [name, Math.round(ns / b.tasks)])) }]),
  );
}
