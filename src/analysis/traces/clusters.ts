// Spans grouped by signature, with what each group costs: count, errors,
// latency percentiles and self time; against a baseline, how each group moved.
import { callKey, Signer, type Signature } from './signature.js';
import type { SpanTree } from './tree.js';

export interface Cluster extends Signature {
  count: number;
  errors: number;
  /** Latency percentiles, µs. */
  p50: number;
  p95: number;
  p99: number;
  /** Self time (the span minus its children), µs. */
  selfP95: number;
  selfTotal: number;
  /** The same signature in the baseline; absent without a baseline or when new. */
  baseline?: { count: number; errors: number; p50: number; p95: number; selfP95: number };
  /** p95 over the baseline's p95. */
  p95Ratio?: number;
  /** Against a baseline: the signature is not in it. */
  new?: boolean;
}

export interface Clustered {
  signatures: Signature[];
  /** The signature of each cluster as text, comparable between span sets. */
  keys: string[];
  /** The call of each cluster, whatever its outcome (signature.ts callKey), and as a number. */
  callKeys: string[];
  callOf: Int32Array;
  /** Cluster index (into `clusters`) of each span. */
  clusterOf: Int32Array;
  clusters: Cluster[];
}

export function clusterSpans(tree: SpanTree): Clustered {
  const { spans, self } = tree;
  const signer = new Signer();
  const index = new Map<string, number>();
  const signatures: Signature[] = [];
  const members: number[][] = [];
  const clusterOf = new Int32Array(spans.length);
  for (let i = 0; i < spans.length; i++) {
    const key = signer.key(spans[i]);
    let c = index.get(key);
    if (c === undefined) {
      c = signatures.length;
      index.set(key, c);
      signatures.push(signer.signature());
      members.push([]);
    }
    clusterOf[i] = c;
    members[c].push(i);
  }
  const clusters = members.map((m, c): Cluster => {
    const durations = new Float64Array(m.length);
    const selves = new Float64Array(m.length);
    let selfTotal = 0;
    let errors = 0;
    for (let k = 0; k < m.length; k++) {
      durations[k] = spans[m[k]].duration;
      selves[k] = self[m[k]];
      selfTotal += self[m[k]];
      if (spans[m[k]].error) errors++;
    }
    durations.sort();
    selves.sort();
    return { ...signatures[c], count: m.length, errors, p50: quantile(durations, 0.5), p95: quantile(durations, 0.95), p99: quantile(durations, 0.99), selfP95: quantile(selves, 0.95), selfTotal };
  });
  const callKeys = signatures.map(callKey);
  const calls = new Map<string, number>();
  const callOf = Int32Array.from(callKeys, (k) => calls.get(k) ?? (calls.set(k, calls.size), calls.size - 1));
  const keys = signatures.map((g, c) => `${callKeys[c]}\u0000${g.error ? 1 : 0}\u0000${g.status ?? ''}\u0000${g.errorType ?? ''}`);
  return { signatures, keys, callKeys, callOf, clusterOf, clusters };
}

/** Fills each incident cluster's baseline figures, ratio and newness. */
export function compareClusters(incident: Clustered, baseline: Clustered): void {
  const before = new Map<string, Cluster>();
  baseline.keys.forEach((k, c) => before.set(k, baseline.clusters[c]));
  incident.keys.forEach((k, c) => {
    const now = incident.clusters[c];
    const b = before.get(k);
    if (!b) {
      now.new = true;
      return;
    }
    now.baseline = { count: b.count, errors: b.errors, p50: b.p50, p95: b.p95, selfP95: b.selfP95 };
    if (b.p95 > 0) now.p95Ratio = Number((now.p95 / b.p95).toFixed(2));
  });
}

/** Nearest-rank quantile of sorted values; 0 for none. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
