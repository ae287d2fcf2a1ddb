// A continuous profiler's window in a diagnosis: its profiles decoded, the detectors run on them,
// and the window against the same window a baseline earlier (what grew).
//
// How it counts: a profile read from the profiler is the same source as the profile captured live
// (the same runtime's sampling of the same process, at another time). A finding both see is one
// finding with both lines of evidence, counted once; a finding only one sees stands on its own.
// Agreement between live and past is not independent evidence, so it never raises a verdict.

import { runDetectors } from '../analysis/detectors/index.js';
import type { Inputs } from '../analysis/inputs.js';
import { confidence, cpuSampleType, stackSamples, strength, total } from '../analysis/stacks.js';
import { formatSpan, formatValue } from '../profile/units.js';
import { profileOf } from './fuse.js';
import { parseProfile } from '../profile/pprof.js';
import type { Profile } from '../profile/model.js';
import { profilerName, type PastCapture } from '../sources/profiles/index.js';
import type { Capture } from '../sources/pprof.js';
import type { CaptureError, Comparison, Finding, PastWindow } from '../model.js';
import { compareProfiles } from './compare.js';

export interface PastRead {
  summary: PastWindow;
  /** The window's profiles, as captures named like the live ones ("cpu", "block", "mutex"). */
  captures: Capture[];
  /** The baseline window's. */
  base: Capture[];
  errors: CaptureError[];
  findings: Finding[];
}

const hm = (iso: string) => iso.slice(11, 16);

/** "Parca, 13:58–14:08 UTC": where and when, the prefix of the past evidence; with the date when it is not today's. */
export function pastLabel(p: Pick<PastWindow, 'profiler' | 'start' | 'end'>, now = new Date()): string {
  const today = now.toISOString().slice(0, 10);
  const day = (iso: string) => (iso.slice(0, 10) === today ? '' : `${iso.slice(0, 10)} `);
  return `${profilerName[p.profiler]}, ${day(p.start)}${hm(p.start)}–${p.end.slice(0, 10) === p.start.slice(0, 10) ? '' : day(p.end)}${hm(p.end)} UTC`;
}

function decode(p: PastCapture, side: 'current' | 'base', errors: CaptureError[]): Capture[] {
  const who = profilerName[p.profiler];
  const w = side === 'current' ? p.window : p.baseline;
  const when = `${w.start.slice(0, 16).replace('T', ' ')} to ${hm(w.end)} UTC`;
  const out: Capture[] = [];
  for (const r of p[side]) {
    const source = `${p.profiler}:${r.name}${side === 'base' ? ' (baseline)' : ''}`;
    if (r.error) {
      errors.push({ source, error: r.error.startsWith(who) ? r.error : `${who} at ${p.url}: ${r.error}` });
      continue;
    }
    const bytes = Buffer.from(r.data ?? '', 'base64');
    const parsed = parseProfile(bytes);
    if (!parsed.ok) {
      errors.push({ source, error: `${who}'s ${r.name} profile of ${p.selector}: ${parsed.error} (${bytes.length} bytes)` });
      continue;
    }
    if (parsed.value.samples.count === 0) {
      errors.push({ source, error: `${who} has no ${r.name} samples of ${p.selector} from ${when}: is the selector right, and was it profiling then?` });
      continue;
    }
    out.push({ name: r.name, path: `${who} ${r.name} ${p.selector}`, profile: parsed.value, bytes, ms: 0 });
  }
  return out;
}

/** The detectors on the profiler's window, each evidence line saying where and when it comes from. */
function detect(captures: Capture[], seconds: number, label: string, errors: CaptureError[]): Finding[] {
  if (captures.length === 0) return [];
  const inputs: Inputs = { seconds, probes: [] };
  for (const c of captures) (inputs as unknown as Record<string, Profile | undefined>)[c.name] = c.profile;
  const { found, failed } = runDetectors(inputs);
  for (const f of failed) errors.push({ source: `detector ${f.kind}`, error: `our ${f.kind} detector failed on the profiler's window: ${f.message}` });
  return found.map((f) => ({ ...f, evidence: f.evidence.map((e) => ({ ...e, summary: `${label}: ${e.summary}` })) }));
}

/** The value of the samples with `fn` on their stack, and of all, in one sample type. */
function under(p: Profile, type: string, fn: string): { value: number; all: number } {
  const samples = stackSamples(p, type);
  return { value: samples.filter((s) => s.frames.some((f) => f.name === fn)).reduce((a, s) => a + s.value, 0), all: total(samples) };
}

const sampleTypeOf = (c: Capture) => (c.name === 'cpu' ? cpuSampleType(c.profile as Profile) : 'delay');

/**
 * What the baseline window adds to a finding: how much more its function took than in the same window
 * before. A window of many minutes averages a fault of one over all of them; the growth against the
 * service's own usual is what shows it. The same source, so the confidence is the stronger of the two.
 */
function againstBaseline(f: Finding, captures: Capture[], base: Capture[], label: string, ago: string): Finding {
  const fn = f.location?.function;
  const name = f.evidence[0] ? profileOf(f.evidence[0].source) : undefined;
  const cur = captures.find((c) => c.name === name);
  const before = base.find((c) => c.name === name);
  if (!fn || !cur?.profile || !before?.profile) return f;
  const type = sampleTypeOf(cur);
  if (!type) return f;
  const now = under(cur.profile, type, fn);
  const then = under(before.profile, type, fn);
  // A function absent before grew from (near) nothing: counted as a hundredfold.
  const growth = now.value / Math.max(then.value, now.value / 100, 1);
  if (!(growth >= 1.5) || now.all === 0) return f;
  const unit = cur.profile.sampleTypes.find((t) => t.type === type)?.unit ?? '';
  const summary = `${label}: ${fn} and what it calls took ${formatValue(now.value, unit)}, against ${formatValue(then.value, unit)} in the same window ${ago} earlier (${growth >= 100 ? 'new' : `${growth.toFixed(1)}×`})`;
  const grown = confidence(strength(growth - 1, 1), now.value / now.all);
  return { ...f, confidence: Math.max(f.confidence, grown), evidence: [...f.evidence, { source: name as string, summary }] };
}

/** "a day", "6 h", "40 s": how far back the baseline window is. */
export function agoWords(p: Pick<PastWindow, 'start' | 'baseline'>): string {
  const s = Math.round((Date.parse(p.start) - Date.parse(p.baseline.start)) / 1000);
  return s === 86400 ? 'a day' : formatSpan(s);
}

/** The CPU of the window against the baseline window's, as Compare shows a capture against the last healthy one. */
function comparison(service: string, p: PastCapture, captures: Capture[], base: Capture[]): Comparison | string | undefined {
  const cur = captures.find((c) => c.name === 'cpu') ?? captures[0];
  if (!cur?.profile) return undefined;
  const b = base.find((c) => c.name === cur.name);
  if (!b?.profile) return undefined;
  const type = cur.name === 'cpu' ? cpuSampleType(cur.profile) : undefined;
  const sampleType = type ?? cur.profile.sampleTypes.at(-1)?.type ?? '';
  const who = profilerName[p.profiler];
  const r = compareProfiles(service, cur.name, sampleType, { job: `${who} baseline`, at: p.baseline.start, profile: b.profile }, { job: who, at: p.window.start, profile: cur.profile });
  return r.ok ? r.value : r.error;
}

export function readPastCapture(service: string, p: PastCapture): PastRead {
  const errors: CaptureError[] = [];
  const captures = decode(p, 'current', errors);
  // A baseline window that failed as the window did would say the same again.
  const failedNow = new Set(errors.map((e) => e.source));
  const baseErrors: CaptureError[] = [];
  const base = decode(p, 'base', baseErrors);
  errors.push(...baseErrors.filter((e) => !failedNow.has(e.source.replace(' (baseline)', ''))));
  const seconds = Math.max(1, Math.round((Date.parse(p.window.end) - Date.parse(p.window.start)) / 1000));
  const summary: PastWindow = { profiler: p.profiler, url: p.url, selector: p.selector, start: p.window.start, end: p.window.end, baseline: p.baseline };
  const label = pastLabel(summary);
  const findings = detect(captures, seconds, label, errors).map((f) => againstBaseline(f, captures, base, label, agoWords(summary)));
  const c = comparison(service, p, captures, base);
  if (typeof c === 'string') errors.push({ source: `${p.profiler}:diff`, error: c });
  else if (c) summary.comparison = c;
  return { summary, captures, base, errors, findings };
}

/**
 * Live and past findings as one list: a past finding of the same kind at the same function as a
 * live one becomes more evidence of it (one source, so its confidence is the stronger of the two);
 * the others are kept as they are.
 */
export function mergePast(live: Finding[], past: Finding[]): Finding[] {
  const out = live.map((f) => ({ ...f, evidence: [...f.evidence] }));
  for (const p of past) {
    const same = out.find((f) => f.kind === p.kind && f.location?.function === p.location?.function);
    if (!same) {
      out.push({ ...p, evidence: [...p.evidence] });
      continue;
    }
    same.evidence.push(...p.evidence);
    same.confidence = Math.max(same.confidence, p.confidence);
  }
  return out.sort((a, b) => b.confidence - a.confidence);
}
