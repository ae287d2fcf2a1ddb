// Mining a large log on two cores: masking (most of the work) runs in a
// worker thread for some blocks of lines while this thread masks the others
// and runs the miner over every block in order. The miner sees the same
// masked messages in the same order as mineLines gives it, so the templates
// and ids are the same; only the time differs.
//
// This thread hands the worker a few blocks at a time; when the next block
// for the miner is still with the worker, it masks the next unassigned block
// itself instead of waiting, so the share of each thread follows their
// speeds. It waits synchronously (Atomics.wait), so use it where blocking
// the event loop is fine (the command line), not in the bot. A worker that
// fails or stops answering is dropped and its blocks are masked here.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Drain } from './drain.js';
import type { LineFormat } from './format.js';
import { maskBlock, mineLines, type MaskedBlock, type MinedLines } from './mine.js';

/** What the worker answers for one block. */
export interface ThreadAnswer {
  block: number;
  result?: MaskedBlock;
  error?: string;
}

/** A thread that masks blocks of lines. */
export interface MaskThread {
  /** Hands it a block of lines. */
  send(block: number, lines: readonly string[]): void;
  /** Its next answer, waiting up to `ms` for one; undefined when none came. */
  receive(ms: number): ThreadAnswer | undefined;
  close(): void;
}

export interface ThreadedOptions {
  /** Lines a block. */
  blockLines: number;
  /** Blocks the worker holds at a time. */
  depth: number;
  /** How long to wait for the worker, with nothing else to do, before masking its block here. */
  patienceMs: number;
}

export const defaultThreadedOptions: ThreadedOptions = { blockLines: 4096, depth: 3, patienceMs: 2000 };

/**
 * Fewer lines than this are mined on one thread: below it, starting a worker
 * (and its compiler warming up) cost about what it saves, measured on two cores.
 */
export const THREADED_MIN_LINES = 250_000;

/**
 * A worker that masks blocks with the given format, or undefined when there is
 * none to start (running from the TypeScript sources, as the tests do: the
 * worker is the compiled mask-thread.js).
 */
export function startMaskThread(format?: LineFormat): MaskThread | undefined {
  const file = new URL('./mask-thread.js', import.meta.url);
  if (file.protocol !== 'file:' || !existsSync(fileURLToPath(file))) return undefined;
  // Loaded here, not on every start of the command: only large logs use it.
  const { MessageChannel, receiveMessageOnPort, Worker } = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  let worker: InstanceType<typeof Worker>;
  try {
    worker = new Worker(file, { workerData: { port: port2, signal, format: format?.source }, transferList: [port2] });
  } catch {
    return undefined;
  }
  worker.unref();
  // A worker that dies is noticed by its silence (see patienceMs); its error must not end the process.
  worker.on('error', () => undefined);
  return {
    send: (block, lines) => port1.postMessage({ block, lines }),
    receive(ms) {
      const until = performance.now() + ms;
      for (;;) {
        const count = Atomics.load(signal, 0);
        const m = receiveMessageOnPort(port1);
        if (m) return m.message as ThreadAnswer;
        const left = until - performance.now();
        if (left <= 0) return undefined;
        Atomics.wait(signal, 0, count, left);
      }
    },
    close() {
      port1.close();
      void worker.terminate();
    },
  };
}

/** mineLines with the masking shared with `thread`; the same result. */
export function mineLinesThreaded(drain: Drain, lines: readonly string[], format: LineFormat | undefined, thread: MaskThread, options: Partial<ThreadedOptions> = {}): MinedLines {
  const { blockLines, depth, patienceMs } = { ...defaultThreadedOptions, ...options };
  const n = lines.length;
  const blocks = Math.ceil(n / blockLines);
  const ids = new Array<number>(n);
  const levels = new Array<string | undefined>(n);
  let unmatched = 0;
  const slice = (b: number) => lines.slice(b * blockLines, Math.min(n, (b + 1) * blockLines));

  const ready = new Map<number, MaskedBlock>(); // masked, not mined yet
  const withWorker = new Set<number>(); // sent, not answered
  let assigned = 0; // blocks below this one are with the worker or masked
  let alive = true;
  const take = (a: ThreadAnswer) => {
    if (a.error !== undefined || !a.result) alive = false;
    else if (withWorker.delete(a.block)) ready.set(a.block, a.result);
  };

  for (let next = 0; next < blocks; ) {
    while (alive && withWorker.size < depth && assigned < blocks) {
      thread.send(assigned, slice(assigned));
      withWorker.add(assigned++);
    }
    for (let a = thread.receive(0); a; a = thread.receive(0)) take(a);
    let block = ready.get(next);
    if (block) ready.delete(next);
    else {
      if (alive && withWorker.has(next)) {
        if (assigned < blocks) {
          // Work ahead rather than wait.
          ready.set(assigned, maskBlock(slice(assigned), format));
          assigned++;
          continue;
        }
        const a = thread.receive(patienceMs);
        if (a) {
          take(a);
          continue;
        }
        alive = false;
      }
      withWorker.delete(next);
      block = maskBlock(slice(next), format);
      if (assigned === next) assigned++;
    }
    const base = next * blockLines;
    const { masked } = block;
    for (let i = 0; i < masked.length; i++) ids[base + i] = drain.addMasked(masked[i]).id;
    if (block.levels) for (let i = 0; i < masked.length; i++) levels[base + i] = block.levels[i];
    unmatched += block.unmatched.length;
    next++;
  }
  return { ids, levels, unmatched };
}

/** mineLines, on two threads when the log is large, there are two cores and a worker can start. */
export function mineLinesFast(drain: Drain, lines: readonly string[], format?: LineFormat, threads = true): MinedLines {
  if (!threads || lines.length < THREADED_MIN_LINES || availableParallelism() < 2) return mineLines(drain, lines, format);
  const thread = startMaskThread(format);
  if (!thread) return mineLines(drain, lines, format);
  try {
    return mineLinesThreaded(drain, lines, format, thread);
  } finally {
    thread.close();
  }
}
