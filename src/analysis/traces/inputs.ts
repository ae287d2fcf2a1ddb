// What the trace detectors read: the spans of the incident (and of a
// baseline) as trees, clusters, and per trace its root group, duration and
// critical path (when asked for).
import type { Finding, FindingKind } from '../../model.js';
import type { Span } from '../../sources/traces/span.js';
import { clusterSpans, type Clustered } from './clusters.js';
import { blame, type Signature } from './signature.js';
import { buildTree, criticalPath, type PathSection, type SpanTree } from './tree.js';

export interface TraceFacts {
  /** Root service and operation: traces of one group answer the same kind of request. */
  group: string;
  /** Microseconds, of the root span. */
  duration: number;
}

export interface TraceSet extends Clustered {
  tree: SpanTree;
  facts: TraceFacts[];
  /** Critical paths, computed when first asked for (pathOf). */
  paths: (PathSection[] | undefined)[];
}

export interface TraceInputs {
  incident: TraceSet;
  baseline?: TraceSet;
}

export interface TraceDetector {
  kind: FindingKind;
  detect(inputs: TraceInputs): Finding[];
}

export const groupOf = (g: Signature) => `${g.service} ${g.operation}`;

export function prepare(spans: readonly Span[]): TraceSet {
  const tree = buildTree(spans);
  const clustered = clusterSpans(tree);
  const facts = tree.traces.map((t): TraceFacts => ({
    group: groupOf(clustered.signatures[clustered.clusterOf[t.root]]),
    duration: spans[t.root].duration,
  }));
  return { ...clustered, tree, facts, paths: new Array(facts.length) };
}

/**
 * Who a span's own time is charged to: the callee for a call out (its peer; or,
 * for a client span or one of unknown kind, the one other service all its
 * children belong to: the time before the callee answered), else its service.
 */
export function chargedTo(set: TraceSet, span: number): string {
  const sig = set.signatures[set.clusterOf[span]];
  const who = blame(sig);
  if (who !== sig.service || (sig.kind !== undefined && sig.kind !== 'client' && sig.kind !== 'producer')) return who;
  const { spans, childList, childStart } = set.tree;
  let callee: string | undefined;
  for (let k = childStart[span]; k < childStart[span + 1]; k++) {
    const s = spans[childList[k]].service;
    if (s === sig.service || (callee !== undefined && s !== callee)) return who;
    callee = s;
  }
  return callee ?? who;
}

export function pathOf(set: TraceSet, t: number): PathSection[] {
  return (set.paths[t] ??= criticalPath(set.tree, set.tree.traces[t].root));
}

/** Trace indices by group. */
export function byGroup(set: TraceSet): Map<string, number[]> {
  const out = new Map<string, number[]>();
  set.facts.forEach((f, t) => {
    const list = out.get(f.group);
    if (list) list.push(t);
    else out.set(f.group, [t]);
  });
  return out;
}

export function micros(us: number): string {
  if (us >= 10_000_000) return `${(us / 1e6).toFixed(0)} s`;
  if (us >= 1_000_000) return `${(us / 1e6).toFixed(2)} s`;
  if (us >= 10_000) return `${(us / 1e3).toFixed(0)} ms`;
  if (us >= 1_000) return `${(us / 1e3).toFixed(1)} ms`;
  return `${Math.round(us)} µs`;
}

/** "service operation", with the statement or route and what it calls when they add something. */
export function callLabel(g: Signature): string {
  let s = `${g.service} ${g.operation}`;
  if (g.detail) s += ` (${g.detail.length > 80 ? `${g.detail.slice(0, 79)}…` : g.detail})`;
  const callee = g.peer ?? g.system;
  if (callee && callee !== g.service) s += ` → ${callee}`;
  return s;
}
