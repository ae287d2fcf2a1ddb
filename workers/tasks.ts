// The CPU work handed to the analysis threads, by name, each in its own span.
// The same table runs in process (tests) and in the threads (offload-thread.ts).
import { threadId } from 'node:worker_threads';
import type { Digest } from '../src/incidents/digest.js';
import type { CompareData } from '../src/queue/pipeline.js';
import type { SourceFindings } from '../src/model.js';
import { collectSources, type SourcePlan } from '../src/rca/sources.js';
import { renderDigestPng } from '../src/render/charts.js';
import { inSpan } from '../src/telemetry/spans.js';
import { analyseCaptures, type AnalyseInput, type AnalyseResult } from './analyse.js';
import { compareCaptures, type CompareResult } from './compare.js';

export const tasks = {
  analyse: (input: AnalyseInput): AnalyseResult | Promise<AnalyseResult> => analyseCaptures(input),
  sources: ({ plan, now }: { plan: SourcePlan; now: number }): Promise<SourceFindings[]> => collectSources(plan, new Date(now)),
  compare: (data: CompareData): CompareResult | Promise<CompareResult> => compareCaptures(data),
  digest: (d: Digest): Promise<Buffer> => renderDigestPng(d),
};

export type TaskName = keyof typeof tasks;
export type TaskInput<N extends TaskName> = Parameters<(typeof tasks)[N]>[0];
export type TaskOutput<N extends TaskName> = Awaited<ReturnType<(typeof tasks)[N]>>;

/** Runs a task in a span `rca.<name>`, in the thread that took it. */
export function runTask<N extends TaskName>(name: N, input: TaskInput<N>): Promise<TaskOutput<N>> {
  const fn = tasks[name] as (i: TaskInput<N>) => TaskOutput<N> | Promise<TaskOutput<N>>;
  return inSpan(`rca.${name}`, { 'thread.id': threadId }, () => fn(input));
}
