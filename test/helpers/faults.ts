// Each fault mode of the Go target (test/go/target) and what the diagnosis should say:
// the kinds of finding that are right at the top, and the function they must name.
// test/diagnose.test.ts asserts on it and `npm run test:go-matrix` marks its table with it.
import type { FindingKind } from '../../src/model.js';

export interface Fault {
  mode: string;
  kinds: FindingKind[];
  function: string;
}

const fault = (mode: string, kinds: FindingKind | FindingKind[], fn: string): Fault => ({ mode, kinds: [kinds].flat(), function: fn });

export const faults: Fault[] = [
  fault('cpu', 'cpu-hotspot', 'main.checksumRecords'),
  // Compiling on every request is CPU and garbage both. Where the collector's share comes to the
  // compiles' own (Go 1.22 on a loaded machine: 0.81 against 0.80), either reading names the code to fix.
  fault('regexp', ['cpu-hotspot', 'gc-pressure'], 'main.validateSKU'),
  fault('lock', 'lock-contention', 'main.updateInventory'),
  fault('rwlock', 'lock-contention', 'main.lookupPrice'),
  fault('pgxpool', 'pool-exhaustion', 'main.loadOrder'),
  fault('sqlpool', 'pool-exhaustion', 'main.loadOrderSQL'),
  fault('grpc', 'slow-dependency', 'main.checkStock'),
  fault('httpdep', 'slow-dependency', 'main.fetchRates'),
  fault('leak', 'goroutine-leak', 'main.notifyLater.func1'),
  fault('bodyleak', 'goroutine-leak', 'main.fetchQuote'),
  fault('memory', 'memory-growth', 'main.rememberResponse'),
  fault('gc', 'gc-pressure', 'main.bufferPages'),
  // Only the execution trace explains these.
  fault('sched', 'scheduler-latency', 'main.rebuildSearchIndex'),
  fault('stw', 'gc-pause', 'main.stackWatchdog'),
  fault('fsync', 'syscall-blocking', 'main.appendJournal'),
  fault('pipeline', 'stage-stall', 'main.handleOrder'),
];

/** The same, keyed by mode, with the leak mode built with Go 1.26's leak profile. */
export const faultByMode: Record<string, Fault> = Object.fromEntries([
  ...faults.map((f) => [f.mode, f]),
  ['leak+leakprofile', fault('leak+leakprofile', 'goroutine-leak', 'main.notifyLater.func1')],
]);
