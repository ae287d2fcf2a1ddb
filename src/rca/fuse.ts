// Fusion: the detectors' findings and the probes' answers become one
// verdict. Independent sources that agree confirm a cause; a lone signal
// goes to a human; when nothing is strong the service looks healthy.

import type { ProbeResult } from '../sources/probes.js';
import type { CaptureError, Evidence, Finding, FindingKind, Verdict } from '../model.js';

/** Findings below this are noise and are not reported. */
const REPORTED = 0.2;
/** A finding at or above this is a cause worth naming. */
const STRONG = 0.5;

/** The profile a capture name stands for: "goroutine-start" and "goroutine-end" are one. */
export function profileOf(source: string): string {
  return source.replace(/-(start|end)$/, '');
}

/** The independent source an evidence line comes from. */
export function sourceOf(e: Evidence): string {
  return profileOf(e.source);
}

export function sourceCount(f: Finding): number {
  return new Set(f.evidence.map(sourceOf)).size;
}

const probeHints: [RegExp, FindingKind][] = [
  [/pool|conn|connection|database|\bdb\b/i, 'pool-exhaustion'],
  [/goroutine/i, 'goroutine-leak'],
  [/mutex|lock/i, 'lock-contention'],
  [/\bgc\b|garbage/i, 'gc-pressure'],
  [/heap|memory|\brss\b/i, 'memory-growth'],
  [/cpu|load/i, 'cpu-hotspot'],
];

/** The finding a failing probe speaks to: as configured, or guessed from its name and answer. */
export function probeKind(p: ProbeResult): FindingKind | undefined {
  if (p.indicates) return p.indicates;
  const text = `${p.name} ${p.url} ${p.body ?? ''}`;
  return probeHints.find(([rx]) => rx.test(text))?.[1];
}

// Stricter than the probe hints: these read log templates, span names and metric
// titles, where "connection" alone means nothing about a pool.
const causeHints: [RegExp, FindingKind][] = [
  [/\bpool\b|waiting for (?:a |an )?(?:idle |free )?conn|too many (?:open )?connections|acquir\w* (?:a )?conn/i, 'pool-exhaustion'],
  [/\bmutex\b|lock (?:wait|contention|timeout)|deadlock/i, 'lock-contention'],
  [/\bgoroutines?\b/i, 'goroutine-leak'],
  [/\bgc\b|garbage collect/i, 'gc-pressure'],
  [/out of memory|\boom\b|\bheap\b|\bmemory\b|\brss\b/i, 'memory-growth'],
  [/\bcpu\b|throttl/i, 'cpu-hotspot'],
];

/** The cause a trace, log or metric finding speaks to, read from its words. */
export function causeOf(f: Finding): FindingKind | undefined {
  const text = [f.title, ...f.evidence.map((e) => e.summary)].join(' ');
  return causeHints.find(([rx]) => rx.test(text))?.[1];
}

/**
 * Folds the findings of traces, logs and metrics into the profile findings
 * they corroborate: the same kind, the same cause by their words, or the same
 * other service (a slow dependency seen in traces and in its metrics). What corroborates
 * nothing stays a finding of its own. Independent agreement raises
 * confidence (noisy-or); the verdict counts sources, not findings.
 */
export function corroborate(findings: Finding[], others: Finding[], target?: string): Finding[] {
  const out = findings.map((f) => ({ ...f, evidence: [...f.evidence] }));
  for (const o of others) {
    const cause = causeOf(o);
    const elsewhere = o.service !== undefined && o.service !== target;
    const match = out.find(
      (f) => f.confidence >= REPORTED && (f.kind === o.kind || (cause !== undefined && f.kind === cause) || (elsewhere && f.service === o.service)),
    );
    if (!match) {
      out.push({ ...o, evidence: [...o.evidence] });
      continue;
    }
    const fresh = o.evidence.some((e) => !match.evidence.some((m) => sourceOf(m) === sourceOf(e)));
    // A profile sees that calls out are slow, not whom they go to: traces and metrics name it.
    if (elsewhere && match.service === undefined && match.kind === 'slow-dependency') {
      match.service = o.service;
      match.title = `${match.title.replace(/\.$/, '')}; the dependency is ${o.service} (${sourceOf(o.evidence[0] ?? { source: 'traces', summary: '' })}).`;
    }
    match.evidence.push(...o.evidence);
    // More of a source already counted (a second log template) is not more agreement.
    if (fresh) match.confidence = Math.round(Math.min(0.95, 1 - (1 - match.confidence) * (1 - o.confidence)) * 100) / 100;
  }
  return out;
}

// A finding that is the effect of another at the same code: folded into it as one more source.
// Goroutines waiting for a P where the CPU goes is the CPU hot path (or the collector) seen from the trace;
// the collector taking the Ps, with assists paid where the profiles see the allocating, is gc-pressure seen from it.
const effectOf: Partial<Record<FindingKind, FindingKind[]>> = {
  'scheduler-latency': ['cpu-hotspot', 'gc-pressure'],
  'gc-pause': ['gc-pressure'],
};

// A stop-the-world pause asked for by other code (ReadMemStats, runtime.Stack) is its own cause even where the
// code also allocates: only the collector's own pauses and marking are gc-pressure seen from the trace.
const notAnEffect = (f: Finding) => f.kind === 'gc-pause' && /^Stop-the-world/.test(f.title) && !/ for GC /.test(f.title);

function foldEffects(findings: Finding[]): Finding[] {
  const out = [...findings];
  for (const effect of [...out]) {
    if (notAnEffect(effect)) continue;
    const causes = effectOf[effect.kind];
    const fn = effect.location?.function;
    // A signal too weak to report on its own is no source for another finding either.
    if (!causes || !fn || effect.confidence < REPORTED) continue;
    const cause = out
      .filter((f) => causes.includes(f.kind) && f.location?.function === fn && f.confidence >= REPORTED)
      .sort((a, b) => b.confidence - a.confidence)[0];
    if (!cause) continue;
    const fresh = effect.evidence.some((e) => !cause.evidence.some((c) => sourceOf(c) === sourceOf(e)));
    cause.evidence.push(...effect.evidence);
    if (fresh) cause.confidence = Math.round(Math.min(0.95, 1 - (1 - cause.confidence) * (1 - effect.confidence)) * 100) / 100;
    out.splice(out.indexOf(effect), 1);
  }
  return out;
}

export interface Fused {
  verdict: Verdict;
  findings: Finding[];
  errors: CaptureError[];
}

/**
 * @param captured how many profile captures succeeded
 * @param essentialFailed whether a capture needed to call the service healthy failed
 * @param others findings of traces, logs and metrics
 * @param target the service diagnosed
 */
export function fuse(
  found: Finding[],
  probes: ProbeResult[],
  errors: CaptureError[],
  captured: number,
  essentialFailed: boolean,
  others: Finding[] = [],
  target?: string,
): Fused {
  const findings = corroborate(foldEffects(found.map((f) => ({ ...f, evidence: [...f.evidence] }))), others, target);
  const outErrors = [...errors];
  for (const p of probes) {
    if (p.ok) continue;
    const source = `probe:${p.name}`;
    if (p.status === undefined) {
      outErrors.push({ source, error: p.reason ?? 'no answer' });
      continue;
    }
    const quote = `${p.url} answered HTTP ${p.status}: ${p.body ?? ''} (${p.reason})`;
    const kind = probeKind(p);
    const match = kind && findings.find((f) => f.kind === kind && f.confidence >= REPORTED);
    if (match) match.evidence.push({ source, summary: quote });
    else if (kind) findings.push({ kind, title: `Probe ${p.name} reports a problem.`, confidence: 0.4, evidence: [{ source, summary: quote }] });
    else outErrors.push({ source, error: quote });
  }
  const reported = findings
    .filter((f) => f.confidence >= REPORTED)
    .sort((a, b) => b.confidence - a.confidence || sourceCount(b) - sourceCount(a));
  const top = reported[0];
  let verdict: Verdict;
  if (captured === 0) verdict = 'inconclusive';
  else if (!top || top.confidence < STRONG) verdict = essentialFailed ? 'inconclusive' : 'healthy';
  else {
    const n = sourceCount(top);
    verdict = n >= 3 ? 'confirmed' : n === 2 ? 'likely' : 'needs-review';
  }
  return { verdict, findings: reported, errors: outErrors };
}
