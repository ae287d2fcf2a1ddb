// The domain model the whole project shares: what a diagnosis found, and
// why. Plain data, no behaviour. Captures and analysis produce it; the chat,
// console, HTML and CLI renderers read it.

export type FindingKind =
  | 'cpu-hotspot'
  | 'lock-contention'
  | 'pool-exhaustion'
  | 'goroutine-leak'
  | 'memory-growth'
  | 'gc-pressure'
  | 'error-burst'
  | 'slow-dependency'
  | 'retry-storm'
  | 'latency-regression'
  | 'saturation'
  | 'scheduler-latency'
  | 'gc-pause'
  | 'syscall-blocking'
  | 'stage-stall';

/**
 * confirmed: three or more independent sources support the top finding;
 * likely: two; needs-review: one; healthy: no finding is strong;
 * inconclusive: the captures that matter failed.
 */
export type Verdict = 'confirmed' | 'likely' | 'needs-review' | 'healthy' | 'inconclusive';

export interface Evidence {
  /** Where it comes from: "cpu", "block", "mutex", "goroutine", "heap", "allocs", "trace" (the execution trace), "probe:<name>", "traces", "logs", "metrics". */
  source: string;
  /** One line with the numbers. */
  summary: string;
}

export interface CodeLocation {
  function: string;
  file: string;
  line: number;
}

export interface Finding {
  kind: FindingKind;
  /** One plain sentence. */
  title: string;
  /** 0..1. */
  confidence: number;
  /** The first application frame on the path that explains the finding. */
  location?: CodeLocation;
  /** The service the finding is about, when it may not be the one diagnosed (a slow dependency). */
  service?: string;
  evidence: Evidence[];
}

/** Something produced alongside the report: a flame graph, a raw profile, the summary. */
export interface Artifact {
  name: string;
  kind: 'flame-png' | 'flame-html' | 'profile' | 'summary';
  mediaType: string;
  /** Which capture it shows, for flame graphs and profiles. */
  source?: string;
  /** Where it was written, when it was. */
  path?: string;
}

export interface CaptureError {
  source: string;
  error: string;
}

/** A profile the target does not offer (404) or that is empty because its profiling is off. Not a failure. */
export interface NotCaptured {
  source: string;
  reason: string;
}

export interface Report {
  service: string;
  /** The base URL that was captured. */
  target: string;
  window: { start: string; seconds: number };
  verdict: Verdict;
  findings: Finding[];
  artifacts: Artifact[];
  errors: CaptureError[];
  /** Listed once each; they do not weaken the verdict. Absent in reports saved before it existed. */
  notCaptured?: NotCaptured[];
  /** Milliseconds per step: capture, analysis, render. */
  timings: Record<string, number>;
  /**
   * The Go execution trace the findings read: the flight recorder's snapshot of the seconds before
   * the alert, or the one taken in the window. Wall-clock times where the trace carries them (Go 1.25+).
   */
  executionTrace?: { source: 'flight-recorder' | 'window'; seconds: number; start?: string; end?: string };
  /** The OpenTelemetry trace of the diagnosis that made this report, when the bot exports traces. */
  traceId?: string;
  /** The slowest and the failing traces of the service, each with its own log lines (joined by trace id). */
  traceLogs?: TraceLogs[];
  /** The continuous profiler's window the findings also read (an alert's minutes before, or `--at`). */
  past?: PastWindow;
  /** Only the past was read (`--at`, `--since`): no live capture. */
  pastOnly?: boolean;
}

/** A window of a continuous profiler's profiles, and the same window a baseline earlier. */
export interface PastWindow {
  profiler: 'parca' | 'pyroscope';
  url: string;
  /** The service's labels in the profiler. */
  selector: string;
  start: string;
  end: string;
  baseline: { start: string; end: string };
  /** The window's CPU (or first profile) against the baseline window's: what grew. */
  comparison?: Comparison;
}

/** The log lines of one trace, quoted in a report beside it. */
export interface TraceLogs {
  traceId: string;
  /** The slowest of the window; the slowest of those with log lines when that one has none; one with an error span. */
  why: 'slowest' | 'slow' | 'failing';
  /** The trace's root: who answered the request, and how long it took. */
  service: string;
  operation: string;
  micros: number;
  /** Its errors and warnings, then its first lines, in time order, each with the span it was written in when known. */
  lines: { time?: number; service?: string; span?: string; line: string }[];
  /** Lines of the trace not quoted. */
  more: number;
}


/** What changed in one profile since the last healthy capture of the same service. */
export interface Comparison {
  service: string;
  /** The capture compared: "cpu", "block", "heap-end"… */
  profile: string;
  sampleType: string;
  unit: string;
  base: { job: string; at: string; total: number };
  current: { job: string; at: string; total: number };
  /**
   * Functions whose own (flat) value changed most, the current profile scaled
   * to the base's total first (pprof -diff_base -normalize), so these are
   * shifts in where the time goes, not in how much there is.
   */
  changes: { function: string; change: number }[];
}

/** What one of the other sources (traces, logs, metrics) found, or why it could not. */
export interface SourceFindings {
  source: 'traces' | 'logs' | 'metrics';
  findings: Finding[];
  /** One line; the other sources still count. */
  error?: string;
  /** Traces only: the slowest and the failing traces, each with its own log lines. */
  traceLogs?: TraceLogs[];
}
