// The worker of threads.ts: masks the blocks of lines it is handed, with the
// format it was started with, and says so on a shared counter so that the
// miner's thread can wait for it without its event loop.
import { workerData, type MessagePort } from 'node:worker_threads';
import { parseFormat } from './format.js';
import { maskBlock } from './mine.js';
import type { ThreadAnswer } from './threads.js';

const { port, signal, format } = workerData as { port: MessagePort; signal: Int32Array; format?: string };
const parsed = format === undefined ? undefined : parseFormat(format);

port.on('message', ({ block, lines }: { block: number; lines: string[] }) => {
  let answer: ThreadAnswer;
  try {
    if (parsed && !parsed.ok) throw new Error(parsed.error);
    answer = { block, result: maskBlock(lines, parsed?.value) };
  } catch (e) {
    answer = { block, error: (e as Error).message ?? String(e) };
  }
  port.postMessage(answer);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
});
