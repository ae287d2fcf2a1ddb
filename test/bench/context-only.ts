// Loaded with --import into the ack bench's "context only" bot: an AsyncLocalStorage in use and
// nothing of OpenTelemetry. That is what any tracer's context propagation costs a process on this
// Node (on Node 20 its promise hooks run for every promise), the floor under "tracing on".
import { AsyncLocalStorage } from 'node:async_hooks';

const storage = new AsyncLocalStorage<object>();
storage.enterWith({});
(globalThis as { benchContext?: unknown }).benchContext = storage;
