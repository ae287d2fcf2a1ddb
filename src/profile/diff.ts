// What changed between a base profile (say the last healthy capture) and the
// current one: pprof's `-diff_base base -normalize`. The current profile is
// scaled so that its total equals the base's, the base is negated, and both
// are read as one profile, so every number is a change in the base's units.

import type { Locations, Profile, Samples } from './model.js';
import { err, ok, type Result } from '../errors.js';
import { top, type TopTable } from './top.js';
import { callTree, type TreeNode } from './tree.js';

/** pprof's compatibility check: same period type and the same sample types in order. */
export function compatible(base: Profile, cur: Profile): Result<true> {
  const same = (a: { type: string; unit: string }, b: { type: string; unit: string }) => a.type === b.type && a.unit === b.unit;
  if (!same(base.periodType, cur.periodType))
    return err(`incompatible period types ${base.periodType.type}/${base.periodType.unit} and ${cur.periodType.type}/${cur.periodType.unit}`);
  const names = (p: Profile) => p.sampleTypes.map((t) => `${t.type}/${t.unit}`).join(', ');
  if (base.sampleTypes.length !== cur.sampleTypes.length || base.sampleTypes.some((t, i) => !same(t, cur.sampleTypes[i])))
    return err(`incompatible sample types [${names(base)}] and [${names(cur)}]`);
  return ok(true);
}

/** Per-type ratio that brings the current profile's total to the base's (pprof's Normalize). */
export function normalization(base: Profile, cur: Profile): number[] {
  const sums = (p: Profile) => {
    const n = p.sampleTypes.length;
    const out = new Array<number>(n).fill(0);
    for (let i = 0; i < p.samples.count; i++) for (let t = 0; t < n; t++) out[t] += p.samples.values[i * n + t];
    return out;
  };
  const b = sums(base);
  const c = sums(cur);
  return b.map((v, t) => (c[t] === 0 ? 0 : v / c[t]));
}

// Go's math.Round: half away from zero.
const goRound = (x: number) => Math.sign(x) * Math.round(Math.abs(x));

/** One profile holding the scaled current samples and the negated base samples labelled pprof::base. */
export function diffProfile(base: Profile, cur: Profile): Result<Profile> {
  const c = compatible(base, cur);
  if (!c.ok) return c;
  const ratios = normalization(base, cur);
  const n = cur.sampleTypes.length;
  const offset = cur.locations.count;
  const bs = base.samples;
  const cs = cur.samples;
  const values: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  const from: [Samples, number][] = [];
  const stack = new Int32Array(cs.stack.length + bs.stack.length);
  stack.set(cs.stack);
  for (let i = 0; i < bs.stack.length; i++) stack[cs.stack.length + i] = bs.stack[i] + offset;
  const allOnes = ratios.every((r) => r === 1);
  for (let i = 0; i < cs.count; i++) {
    const scaled = new Array<number>(n);
    let keep = allOnes;
    for (let t = 0; t < n; t++) {
      const v = cs.values[i * n + t];
      scaled[t] = ratios[t] === 1 ? v : goRound(v * ratios[t]);
      if (ratios[t] !== 1 && scaled[t] !== 0) keep = true;
    }
    // pprof drops samples that scaled to nothing.
    if (!keep) continue;
    values.push(...scaled);
    starts.push(cs.stackStart[i]);
    ends.push(cs.stackEnd[i]);
    from.push([cs, i]);
  }
  for (let i = 0; i < bs.count; i++) {
    for (let t = 0; t < n; t++) values.push(-bs.values[i * n + t]);
    starts.push(bs.stackStart[i] + cs.stack.length);
    ends.push(bs.stackEnd[i] + cs.stack.length);
    from.push([bs, i]);
  }
  return ok({
    ...cur,
    locations: concatLocations(cur, base),
    functions: [...cur.functions, ...base.functions],
    mappings: [...cur.mappings, ...base.mappings],
    samples: {
      count: starts.length,
      values: Float64Array.from(values),
      stack,
      stackStart: Int32Array.from(starts),
      stackEnd: Int32Array.from(ends),
      ...mergeLabels(from),
      base: Uint8Array.from(from, ([s]) => (s === bs ? 1 : 0)),
    },
  });
}

/** Per-function change, in the base's units, sorted by |flat| (or |cum|); total is the base's. */
export function diffTop(base: Profile, cur: Profile, options: { sampleIndex: number; cum?: boolean }): Result<TopTable> {
  const merged = diffProfile(base, cur);
  if (!merged.ok) return merged;
  return ok(top(merged.value, options));
}

export interface DiffNode extends TreeNode {
  /** The base's total through this frame; `total` is the current one scaled to the base. */
  baseTotal: number;
  baseSelf: number;
  children: DiffNode[];
}

/** Call trees of both profiles merged by path, the current one scaled to the base's total. */
export function diffTree(base: Profile, cur: Profile, index: number): Result<{ root: DiffNode; sampleType: string; unit: string }> {
  const c = compatible(base, cur);
  if (!c.ok) return c;
  const ratio = normalization(base, cur)[index];
  const b = callTree(base, index);
  const t = callTree(cur, index);
  const merge = (cn: TreeNode | undefined, bn: TreeNode | undefined): DiffNode => {
    const proto = (cn ?? bn) as TreeNode;
    const out: DiffNode = {
      name: proto.name,
      file: proto.file,
      kind: proto.kind,
      self: (cn?.self ?? 0) * ratio,
      total: (cn?.total ?? 0) * ratio,
      baseSelf: bn?.self ?? 0,
      baseTotal: bn?.total ?? 0,
      children: [],
    };
    const baseKids = new Map((bn?.children ?? []).map((k) => [k.name, k]));
    for (const k of cn?.children ?? []) {
      out.children.push(merge(k, baseKids.get(k.name)));
      baseKids.delete(k.name);
    }
    for (const k of baseKids.values()) out.children.push(merge(undefined, k));
    return out;
  };
  return ok({ root: merge(t.root, b.root), sampleType: t.sampleType, unit: t.unit });
}

/** The label columns of samples taken from several profiles, in order. */
function mergeLabels(from: [Samples, number][]) {
  const strings = [''];
  const index = new Map<string, number>([['', 0]]);
  const intern = (s: string) => {
    let i = index.get(s);
    if (i === undefined) index.set(s, (i = strings.push(s) - 1));
    return i;
  };
  const labelStart = new Int32Array(from.length);
  const labelEnd = new Int32Array(from.length);
  const labelKey: number[] = [];
  const labelStr: number[] = [];
  const labelNum: number[] = [];
  from.forEach(([s, i], k) => {
    labelStart[k] = labelKey.length;
    for (let j = s.labelStart[i]; j < s.labelEnd[i]; j++) {
      labelKey.push(intern(s.strings[s.labelKey[j]]));
      labelStr.push(s.labelStr[j] === 0 ? 0 : intern(s.strings[s.labelStr[j]]));
      labelNum.push(s.labelNum[j]);
    }
    labelEnd[k] = labelKey.length;
  });
  return { labelStart, labelEnd, labelKey, labelStr, labelNum, strings };
}

/** The locations of two profiles as one table, b's after a's, with b's function and mapping indexes shifted. */
function concatLocations(a: Profile, b: Profile): Locations {
  const la = a.locations;
  const lb = b.locations;
  const lines = la.lineFunc.length;
  const cat = <T extends Float64Array | Int32Array>(x: T, y: T, shift = 0, keepNegative = false): T => {
    const out = new (x.constructor as { new (n: number): T })(x.length + y.length);
    out.set(x);
    for (let i = 0; i < y.length; i++) out[x.length + i] = keepNegative && y[i] < 0 ? y[i] : y[i] + shift;
    return out;
  };
  return {
    count: la.count + lb.count,
    id: cat(la.id, lb.id),
    address: cat(la.address, lb.address),
    mapping: cat(la.mapping, lb.mapping, a.mappings.length, true),
    lineStart: cat(la.lineStart, lb.lineStart, lines),
    lineEnd: cat(la.lineEnd, lb.lineEnd, lines),
    lineFunc: cat(la.lineFunc, lb.lineFunc, a.functions.length, true),
    lineNumber: cat(la.lineNumber, lb.lineNumber),
  };
}
