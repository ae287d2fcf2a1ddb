// Decoding, detection and rendering run in a pool of worker threads
// (piscina), so they never hold up the event loop that acknowledges chat
// commands and talks to Redis. The processors stay on the main thread and
// hand the pool plain data. Tests run the same functions in process: the
// pool needs the compiled files in dist/.
import { Piscina } from 'piscina';
import type { Digest } from '../src/incidents/digest.js';
import type { CompareData } from '../src/queue/pipeline.js';
import { renderDigestPng } from '../src/render/charts.js';
import type { SourceFindings } from '../src/rca/diagnose.js';
import { collectSources, type SourcePlan } from '../src/rca/sources.js';
import { analyseCaptures, type AnalyseInput, type AnalyseResult } from './analyse.js';
import { compareCaptures, type CompareResult } from './compare.js';

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
    analyse: async (input) => analyseCaptures(input),
    sources: (plan, now) => collectSources(plan, new Date(now)),
    compare: async (data) => compareCaptures(data),
    digest: (d) => renderDigestPng(d),
    close: async () => undefined,
  };
}

export function threadPool(maxThreads = 2): Offload {
  const pool = new Piscina({ filename: new URL('./offload-thread.js', import.meta.url).href, maxThreads, idleTimeout: 60_000, concurrentTasksPerWorker: 4 });
  return {
    analyse: (input) => pool.run(input, { name: 'analyse' }) as Promise<AnalyseResult>,
    sources: (plan, now) => pool.run({ plan, now }, { name: 'sources' }) as Promise<SourceFindings[]>,
    compare: (data) => pool.run(data, { name: 'compare' }) as Promise<CompareResult>,
    // A Buffer crosses the thread boundary as a plain Uint8Array.
    digest: async (d) => Buffer.from((await pool.run(d, { name: 'digest' })) as Uint8Array),
    close: () => pool.destroy(),
  };
}
