// What runs in the analysis threads: the pure, CPU-heavy steps (tasks.ts).
// A thread starts its own OpenTelemetry SDK (when tracing is on) and runs each
// task in the trace context the main thread sent with it.
import { withCarrier } from '../src/telemetry/spans.js';
import { startTracing } from '../src/telemetry/tracing.js';
import { runTask, type TaskInput, type TaskName } from './tasks.js';

const tracing = await startTracing({ hook: false });

export interface Envelope<N extends TaskName> {
  input: TaskInput<N>;
  /** W3C trace context of the job that asked. */
  otel?: Record<string, string>;
}

const thread =
  <N extends TaskName>(name: N) =>
  async ({ input, otel }: Envelope<N>) => {
    try {
      return await withCarrier(otel, () => runTask(name, input));
    } finally {
      // A thread can be ended when idle: its spans go out with each task, holding up its result a
      // quarter of a second at most (a collector that is down would otherwise add its timeout to every task).
      await tracing?.flush(250);
    }
  };

export const analyse = thread('analyse');
export const sources = thread('sources');
export const compare = thread('compare');
export const digest = thread('digest');
