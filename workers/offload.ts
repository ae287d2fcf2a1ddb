// Decoding, detection and rendering run in a pool of worker threads
// (piscina), so they never hold up the event loop that acknowledges chat
// commands and talks to Redis. The processors stay on the main thread and
// hand the pool plain data, with the trace context of the job. Tests run the
// same tasks in process: the pool needs the compiled files in dist/.
import { Piscina } from 'piscina';
import type { Digest } from '../src/incidents/digest.js';
import type { CompareData } from '../src/queue/pipeline.js';
import type { SourceFindings } from '../src/model.js';
import type { SourcePlan } from '../src/rca/sources.js';
import { carrier } from '../src/telemetry/spans.js';
import type { AnalyseInput, AnalyseResult } from './analyse.js';
import type { CompareResult } from './compare.js';
import { runTask, type TaskInput, type TaskName, type TaskOutput } from './tasks.js';

export interface Offload {
  analyse(input: AnalyseInput): Promise<AnalyseResult>;
  /** Reads and analyses traces, logs and metrics (fetching in the thread too). */
  sources(plan: SourcePlan, now: number): Promise<SourceFindings[]>;
  compare(data: CompareData): Promise<CompareResult>;
  /** The digest chart PNG. */
  digest(d: Digest): Promise<Buffer>;
  close(): Promise<void>;
}

export function inProcess(): Offload {
  return {
    analyse: (input) => runTask('analyse', input),
    sources: (plan, now) => runTask('sources', { plan, now }),
    compare: (data) => runTask('compare', data),
    digest: (d) => runTask('digest', d),
    close: async () => undefined,
  };
}

export function threadPool(maxThreads = 2): Offload {
  const pool = new Piscina({ filename: new URL('./offload-thread.js', import.meta.url).href, maxThreads, idleTimeout: 60_000, concurrentTasksPerWorker: 4 });
  const run = <N extends TaskName>(name: N, input: TaskInput<N>) => pool.run({ input, otel: carrier() }, { name }) as Promise<TaskOutput<N>>;
  return {
    analyse: (input) => run('analyse', input),
    sources: (plan, now) => run('sources', { plan, now }),
    compare: (data) => run('compare', data),
    // A Buffer crosses the thread boundary as a plain Uint8Array.
    digest: async (d) => Buffer.from(await run('digest', d)),
    close: () => pool.destroy(),
  };
}
