// The flame graphs of a diagnosis: which profiles are drawn (the one that
// shows the top finding best, then CPU), as call trees with their headings,
// and as interactive HTML pages for the report page. Pure, so the analysis
// threads can run it; the PNGs the chats get should be drawn from the same
// flameViews() so the page and the chat never show different profiles.
import { cpuSampleType } from '../analysis/stacks.js';
import { kindLabel, profileKind } from '../profile/kind.js';
import { resolveSampleIndex } from '../profile/top.js';
import { callTree, type CallTree, type TreeNode } from '../profile/tree.js';
import type { FindingKind, Report } from '../model.js';
import { renderFlameHtml } from '../render/index.js';
import type { FlameTitle } from '../render/title.js';
import type { Capture } from '../sources/pprof.js';
import type { TraceView } from '../trace/view.js';

/** One interactive flame graph: a whole self-contained HTML document. */
export interface FlamePage {
  /** The capture it shows: "cpu", "block"… */
  name: string;
  /** "order-api: cpu flame graph" */
  title: string;
  html: string;
  /** Rows of frames below the root, so the page can size the graph's frame before it draws. */
  depth?: number;
}

/** A profile chosen to be drawn, ready for renderFlamePng or renderFlameHtml. */
export interface FlameView {
  /** The capture it shows ("cpu", "block"), or "trace-sched" for a latency profile of the execution trace. */
  name: string;
  /** "order-api: cpu flame graph" */
  title: string;
  tree: CallTree;
  /** The heading drawn on the graph. */
  heading: FlameTitle;
}

/** The execution trace the report's findings read: the flight recorder's when the alert brought one. */
export function traceRead(report: Report, captures: Capture[]): { trace: TraceView; flight: boolean } | undefined {
  const flight = report.executionTrace?.source === 'flight-recorder';
  const trace = captures.find((c) => c.name === (flight ? 'flight' : 'trace'))?.trace;
  return trace ? { trace, flight } : undefined;
}

/** The profile that shows each kind of finding best, and the sample type to draw. */
export const shownBy: Partial<Record<FindingKind, [Capture['name'], string]>> = {
  'cpu-hotspot': ['cpu', 'cpu'],
  'gc-pressure': ['allocs', 'alloc_space'],
  'lock-contention': ['block', 'delay'],
  'pool-exhaustion': ['block', 'delay'],
  'goroutine-leak': ['goroutine-end', 'goroutine'],
  'memory-growth': ['heap-end', 'inuse_space'],
  // The execution trace's latency profiles: the capture is the trace, the "type" the profile.
  'scheduler-latency': ['trace', 'sched'],
  'syscall-blocking': ['trace', 'syscall'],
};

const latencyTitle: Record<string, string> = { sched: 'scheduler latency', syscall: 'syscall', sync: 'sync blocking', net: 'network blocking' };

/**
 * The profiles worth drawing for `report`: the one that shows a strong top
 * finding best, then CPU. Captures that failed or hold no samples are left out.
 */
export function flameViews(report: Report, captures: Capture[]): FlameView[] {
  const wanted: [Capture['name'], string][] = [['cpu', 'cpu']];
  const top = report.findings[0];
  const shown = top && top.confidence >= 0.5 ? shownBy[top.kind] : undefined;
  if (shown && shown[0] !== 'cpu') wanted.unshift(shown);
  const views: FlameView[] = [];
  for (const [name, wantedType] of wanted) {
    const latency = name === 'trace' ? traceRead(report, captures)?.trace.latency[wantedType as 'sched'] : undefined;
    const profile = latency ?? captures.find((c) => c.name === name)?.profile;
    if (!profile || profile.samples.count === 0) continue;
    const type = latency ? 'delay' : name === 'cpu' ? (cpuSampleType(profile) ?? wantedType) : wantedType;
    const index = resolveSampleIndex(profile, type);
    if (!index.ok) continue;
    const tree = callTree(profile, index.value, { withoutProfiler: true });
    views.push({
      name: latency ? `trace-${wantedType}` : name,
      title: latency ? `${report.service}: ${latencyTitle[wantedType]} flame graph (execution trace)` : `${report.service}: ${name} flame graph`,
      tree,
      heading: { kind: latency ? `${latencyTitle[wantedType]} (execution trace)` : kindLabel[profileKind(profile)], sampleType: type, unit: tree.unit, total: tree.root.total, durationNanos: profile.durationNanos },
    });
  }
  return views;
}

export function flamePage(view: FlameView): FlamePage {
  return { name: view.name, title: view.title, html: renderFlameHtml(view.tree, { title: view.heading }), depth: depthOf(view.tree.root) };
}

function depthOf(root: TreeNode): number {
  let deepest = 0;
  // Iterative: a deep recursive profile must not overflow the stack.
  const stack: [TreeNode, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [node, d] = stack.pop() as [TreeNode, number];
    if (d > deepest) deepest = d;
    for (const c of node.children) stack.push([c, d + 1]);
  }
  return deepest;
}

/** The interactive flame graphs of a diagnosis, for the same profiles its PNGs show. */
export function flamePages(report: Report, captures: Capture[]): FlamePage[] {
  return flameViews(report, captures).map(flamePage);
}
