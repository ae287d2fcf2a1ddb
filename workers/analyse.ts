// The analyse job: decode what the captures brought, detect, fuse into a
// Report, and draw the flame graphs worth posting.
import type { AnalyseData } from '../src/queue/pipeline.js';
import type { CaptureResult } from './capture.js';
import { parseProfile } from '../src/profile/pprof.js';
import { analyse, stagesOf } from '../src/rca/diagnose.js';
import type { StageBaseline } from '../src/trace/stages.js';
import type { SourceFindings } from '../src/model.js';
import type { Report } from '../src/model.js';
import { renderDiffFlamePng, renderFlamePng } from '../src/render/index.js';
import { renderTimelinePng } from '../src/render/timeline.js';
import { renderTimelineHtml } from '../src/render/timelineHtml.js';
import { flamePage, flameViews, traceRead, type FlamePage, type FlameView } from '../src/reports/flames.js';
import { readTrace, type Capture } from '../src/sources/pprof.js';
import type { ProbeResult } from '../src/sources/probes.js';
import { inSpan, inSpanSync } from '../src/telemetry/spans.js';
import { agoWords, pastLabel, readPastCapture, type PastRead } from '../src/rca/past.js';
import { diffTree } from '../src/profile/diff.js';
import { kindLabel, profileKind } from '../src/profile/kind.js';

export interface Image {
  name: string;
  filename: string;
  title: string;
  /** The PNG, base64: it travels to the publish job in this job's return value. */
  png: string;
}

export interface AnalyseResult {
  report: Report;
  images: Image[];
  /** The raw profiles (base64), the one the report is about first: kept for comparisons. */
  profiles: { name: string; data: string }[];
  /** The interactive flame graphs of the report page; saved by the analyse worker, not passed on. */
  flames?: FlamePage[];
  /** The report page, once saved. */
  reportId?: string;
  /** The task stages of a healthy capture's trace, kept for later captures to be compared with. */
  stages?: StageBaseline;
}


export interface AnalyseInput {
  data: AnalyseData;
  /** When the job was asked for, ms since the epoch. */
  timestamp: number;
  /** What the capture children returned. */
  values: CaptureResult[];
  /** The task stages of the service's last healthy capture. */
  stageBaseline?: { baseline: StageBaseline; at: string };
}

/** The flame graph PNGs: the same profiles as the report page's interactive ones. */
function flameImages(service: string, views: FlameView[]): Promise<Image[]> {
  return Promise.all(views.map(async (v) => ({ name: v.name, png: (await renderFlamePng(v.tree, { title: v.heading })).toString('base64'), filename: `${service}-${v.name}.png`, title: v.title })));
}

// Findings only the execution trace shows are shown by its timeline.
const timelineKinds = new Set(['scheduler-latency', 'gc-pause', 'syscall-blocking', 'stage-stall']);

async function timelineImage(service: string, report: Report, captures: Capture[]): Promise<Image[]> {
  const top = report.findings[0];
  if (!top || top.confidence < 0.5 || !timelineKinds.has(top.kind)) return [];
  const read = traceRead(report, captures);
  if (!read) return [];
  const { trace, flight } = read;
  const title = `${service}: execution trace${flight ? ' (flight recorder, before the alert)' : ''}, ${(trace.facts.durationNs / 1e9).toFixed(1)} s, GOMAXPROCS=${trace.facts.gomaxprocs || '?'}`;
  return [{ name: 'timeline', png: (await renderTimelinePng(trace.timeline, title)).toString('base64'), filename: `${service}-timeline.png`, title: `${service}: execution trace timeline` }];
}

/** The report page's interactive timeline of the execution trace the findings read. */
function timelinePage(service: string, report: Report, captures: Capture[]): FlamePage[] {
  const read = traceRead(report, captures);
  if (!read) return [];
  const { trace, flight } = read;
  const title = `${service}: execution trace${flight ? ' (flight recorder, before the alert)' : ''}`;
  const { html, height } = renderTimelineHtml(trace.timeline, title);
  // The page sizes the frame from a row count (report-page.ts: 140 px and 18 px a row).
  return [{ name: 'timeline', title, html, depth: Math.ceil((height - 140) / 18) }];
}

/** The profiler's window drawn as the live captures are, named and titled for where and when it comes from. */
function pastFlameViews(report: Report, past: PastRead): FlameView[] {
  if (!report.past) return [];
  const label = pastLabel(report.past);
  return flameViews(report, past.captures).map((v) => ({ ...v, name: `past-${v.name}`, title: `${v.title} (${label})` }));
}

/** The profiler's window against its baseline window, as Compare draws a capture against the last healthy one. */
async function pastDiffImage(service: string, report: Report, past: PastRead | undefined): Promise<Image[]> {
  const c = report.past?.comparison;
  if (!past || !c || !report.past) return [];
  const cur = past.captures.find((x) => x.name === c.profile)?.profile;
  const base = past.base.find((x) => x.name === c.profile)?.profile;
  if (!cur || !base) return [];
  const tree = diffTree(base, cur, cur.sampleTypes.findIndex((t) => t.type === c.sampleType));
  if (!tree.ok) return [];
  const title = { kind: `${kindLabel[profileKind(cur)]}, ${pastLabel(report.past)} against ${agoWords(report.past)} before`, sampleType: c.sampleType, unit: tree.value.unit, total: tree.value.root.total, baseTotal: tree.value.root.baseTotal, durationNanos: cur.durationNanos };
  return [{ name: 'past-diff', png: (await renderDiffFlamePng(tree.value, { title })).toString('base64'), filename: `${service}-${c.profile}-vs-baseline.png`, title: `${service}: ${c.profile} against the same window before (${pastLabel(report.past)})` }];
}

/** Decode, detect, fuse and draw: CPU work, run in the analysis threads (offload.ts). */
export async function analyseCaptures(input: AnalyseInput): Promise<AnalyseResult> {
  const captures: Capture[] = [];
  let probes: ProbeResult[] = [];
  let others: SourceFindings[] = [];
  let past: PastRead | undefined;
  inSpanSync('rca.decode', {}, (span) => {
    for (const v of input.values) {
      if (v.source === 'past') {
        if (v.past) past = readPastCapture(input.data.service, v.past);
        continue;
      }
      if (v.source === 'sources') others = v.results;
      else {
        // A result of a worker from before the probes joined the capture job has none; the old probes job has no captures.
        probes.push(...(v.probes ?? []));
        for (const c of v.captures ?? []) {
          const bytes = c.data ? Buffer.from(c.data, 'base64') : undefined;
          if (c.name === 'trace' || c.name === 'flight') {
            const read = bytes ? readTrace(bytes) : undefined;
            const error = c.error ?? (read && !read.ok ? `${read.error} (${bytes?.length} bytes)` : undefined);
            captures.push({ name: c.name, path: c.path, ms: c.ms, error, absent: c.absent, bytes, trace: read?.ok ? read.value : undefined });
            continue;
          }
          const parsed = bytes ? parseProfile(bytes) : undefined;
          const error = c.error ?? (parsed && !parsed.ok ? `${parsed.error} (${bytes?.length} bytes)` : undefined);
          captures.push({ name: c.name, path: c.path, ms: c.ms, error, absent: c.absent, rate: c.rate, bytes, profile: parsed?.ok ? parsed.value : undefined });
        }
      }
    }
    span.setAttribute('rca.profiles', captures.filter((c) => c.profile).length);
  });
  const job = { data: input.data, timestamp: input.timestamp };
  const { service, target, seconds } = job.data;
  const only = job.data.past?.only ?? false;
  // A past window only: the report is about that window.
  const window = only && job.data.past ? { start: job.data.past.start, seconds: Math.round((job.data.past.end - job.data.past.start) / 1000) } : { start: job.timestamp, seconds };
  const report = inSpanSync('rca.detect', { 'rca.service': service }, (span) => {
    const r = analyse({ service, pprof: target, probes: [] }, window.seconds, new Date(window.start), captures, probes, Math.max(...captures.map((c) => c.ms), 0), others, input.stageBaseline, past ? { ...past, only } : undefined);
    span.setAttributes({ 'rca.verdict': r.verdict, 'rca.findings': r.findings.length, ...(r.findings[0] ? { 'rca.cause': r.findings[0].kind } : {}) });
    return r;
  });
  const t0 = performance.now();
  const { views, images } = await inSpan('rca.render', {}, async () => {
    const views = flameViews(report, captures);
    const pastViews = past ? pastFlameViews(report, past) : [];
    const drawn = await Promise.all([timelineImage(service, report, captures), flameImages(service, [...pastViews, ...views]), pastDiffImage(service, report, past)]);
    return { views: [...pastViews, ...views], images: drawn.flat() };
  });
  report.timings.render = Math.round(performance.now() - t0);
  const first = (c: Capture) => {
    const i = views.findIndex((v) => v.name === c.name);
    return i < 0 ? views.length : i;
  };
  const profiles = captures
    .filter((c) => c.bytes && c.profile)
    .sort((a, b) => first(a) - first(b))
    .map((c) => ({ name: c.name, data: (c.bytes as Buffer).toString('base64') }));
  // Only a healthy capture becomes the baseline: the others need not summarise their stages.
  const stages = report.verdict === 'healthy' ? stagesOf(captures) : undefined;
  return { report, images, profiles, ...(stages ? { stages } : {}), flames: [...timelinePage(service, report, captures), ...views.map(flamePage)] };
}
