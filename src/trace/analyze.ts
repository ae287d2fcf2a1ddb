// One pass over a trace for everything the bot reads from it: the goroutine,
// region and task summary, the four latency profiles and the facts the
// detectors read.
import { err, ok, type Result } from '../errors.js';
import { FactsCollector, type TraceFacts } from './facts.js';
import { LatencyProfiles } from './latency.js';
import { TimelineCollector, type Timeline } from './timeline.js';
import { TraceReader } from './reader.js';
import { Summarizer, type Summary } from './summary.js';
import { TraceError } from './wire.js';

export interface TraceAnalysis {
  version: number;
  events: number;
  bytes: number;
  summary: Summary;
  latency: LatencyProfiles;
  facts: TraceFacts;
  timeline: Timeline;
}

/** Reads and analyses a trace; a broken one is an error value of one line. */
export function analyzeTrace(input: Uint8Array | string): Result<TraceAnalysis> {
  let r: TraceReader;
  try {
    r = new TraceReader(input);
  } catch (e) {
    if (e instanceof TraceError) return err(e.message);
    throw e;
  }
  const summarizer = new Summarizer();
  const latency = new LatencyProfiles();
  const facts = new FactsCollector();
  const timeline = new TimelineCollector();
  let events = 0;
  try {
    for (let e = r.next(); e; e = r.next()) {
      events++;
      summarizer.event(e);
      latency.event(e);
      facts.event(e);
      timeline.event(e);
    }
  } catch (e) {
    if (e instanceof TraceError) return err(`${e.message} (after ${events} events, at byte ${r.offset})`);
    throw e;
  } finally {
    r.close();
  }
  return ok({ version: r.version, events, bytes: r.offset, summary: summarizer.finish(), latency, facts: facts.finish(), timeline: timeline.finish() });
}
