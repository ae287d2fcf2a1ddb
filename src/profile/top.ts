// Flat and cum per function, as `go tool pprof -top` computes them at its
// default granularity (functions, inlined frames counted as their own).

import type { Profile } from './model.js';
import { err, ok, type Result } from '../errors.js';

export interface TopRow {
  name: string;
  flat: number;
  cum: number;
  /** "inline" when the function only ever ran inlined into its callers, "partial-inline" when sometimes. */
  inline?: 'inline' | 'partial-inline';
}

export interface TopTable {
  sampleType: string;
  unit: string;
  /** Sum of the absolute sample values, the total pprof prints and divides by. */
  total: number;
  rows: TopRow[];
}

export interface TopOptions {
  sampleIndex?: number;
  cum?: boolean;
}

/** pprof's SampleIndexByName: a type name, an index, or "" for the default (the last when unset). */
export function resolveSampleIndex(p: Profile, wanted: string | undefined): Result<number> {
  const types = p.sampleTypes;
  if (types.length === 0) return err('the profile has no sample types');
  if (wanted === undefined || wanted === '') {
    if (p.defaultSampleType !== '') {
      const i = types.findIndex((t) => t.type === p.defaultSampleType);
      if (i >= 0) return ok(i);
    }
    return ok(types.length - 1);
  }
  if (/^[+-]?\d+$/.test(wanted)) {
    const i = Number(wanted);
    if (i < 0 || i >= types.length) return err(`sample index ${wanted} is outside the range [0..${types.length - 1}]`);
    return ok(i);
  }
  const noInuse = wanted.startsWith('inuse_') ? wanted.slice('inuse_'.length) : wanted;
  const i = types.findIndex((t) => t.type === wanted || t.type === noInuse);
  if (i >= 0) return ok(i);
  return err(`sample type "${wanted}" is not in the profile; it has ${types.map((t) => t.type).join(', ')}`);
}

/** Total as pprof's computeTotal: absolute values, or only the base's when the profile is a diff. */
export function profileTotal(p: Profile, index: number): number {
  let total = 0;
  let baseTotal = 0;
  const { values, base, count } = p.samples;
  const n = p.sampleTypes.length;
  for (let i = 0; i < count; i++) {
    const v = Math.abs(values[i * n + index]);
    total += v;
    if (base?.[i]) baseTotal += v;
  }
  return baseTotal > 0 ? baseTotal : total;
}

/** The function nodes of a profile: one per function name (or per binary for unsymbolized frames). */
export interface FunctionNodes {
  names: string[];
  /**
   * The nodes of location i (by index in Profile.locations), innermost first:
   * locationNodes[locationStart[i] .. locationStart[i + 1]).
   */
  locationStart: Int32Array;
  locationNodes: Int32Array;
  /** fmt.Sprint of pprof's NodeInfo for a node, its last tie-breaker. */
  infoKey(id: number): string;
}

function goBase(path: string): string {
  if (path === '') return '.';
  let p = path;
  while (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  if (p === '/') return '/';
  return p.slice(p.lastIndexOf('/') + 1);
}

export function functionNodes(p: Profile): FunctionNodes {
  const names: string[] = [];
  // For unnamed frames: [objfile, startLine] of each node; named ones need only the name.
  const unnamed = new Map<number, [string, number]>();
  const index = new Map<string, number>();
  const node = (name: string, objfile: string, startLine: number): number => {
    const key = name !== '' ? name : `\u0000${objfile}\u0000${startLine}`;
    let id = index.get(key);
    if (id === undefined) {
      id = names.length;
      index.set(key, id);
      names.push(name !== '' ? name : objfile !== '' ? `[${goBase(objfile)}]` : '<unknown>');
      if (name === '') unnamed.set(id, [objfile, startLine]);
    }
    return id;
  };
  // Named functions map to one node whatever the location; look each up once.
  const byFunc = new Int32Array(p.functions.length);
  p.functions.forEach((f, i) => (byFunc[i] = f.name !== '' ? node(f.name, '', 0) : -1));
  const locs = p.locations;
  const locationStart = new Int32Array(locs.count + 1);
  let total = 0;
  for (let i = 0; i < locs.count; i++) {
    locationStart[i] = total;
    total += Math.max(1, locs.lineEnd[i] - locs.lineStart[i]);
  }
  locationStart[locs.count] = total;
  const locationNodes = new Int32Array(total);
  const objfile = (i: number) => (locs.mapping[i] >= 0 ? p.mappings[locs.mapping[i]].file : '');
  for (let i = 0; i < locs.count; i++) {
    const at = locationStart[i];
    const first = locs.lineStart[i];
    if (locs.lineEnd[i] === first) {
      locationNodes[at] = node('', objfile(i), 0);
      continue;
    }
    for (let j = first; j < locs.lineEnd[i]; j++) {
      const fn = p.functions[locs.lineFunc[j]];
      locationNodes[at + j - first] = byFunc[locs.lineFunc[j]] >= 0 ? byFunc[locs.lineFunc[j]] : node('', objfile(i), fn.startLine);
    }
  }
  const infoKey = (id: number) => {
    const u = unnamed.get(id);
    return u ? `{  0  ${u[1]} 0 ${u[0]}}` : `{${names[id]}  0  0 0 }`;
  };
  return { names, locationStart, locationNodes, infoKey };
}

/** Flat and cum per function node for one sample type (pprof's graph.newGraph). */
export function nodeValues(p: Profile, nodes: FunctionNodes, index: number) {
  const n = nodes.names.length;
  const flat = new Float64Array(n);
  const cum = new Float64Array(n);
  const seen = new Int32Array(n).fill(-1);
  const inlineIn = new Uint8Array(n);
  const callIn = new Uint8Array(n);
  const { values, stack, stackStart, stackEnd, count } = p.samples;
  const { locationStart, locationNodes } = nodes;
  const nTypes = p.sampleTypes.length;
  for (let si = 0; si < count; si++) {
    const w = values[si * nTypes + index];
    if (w === 0) continue;
    let parent = -1;
    for (let i = stackEnd[si] - 1; i >= stackStart[si]; i--) {
      const first = locationStart[stack[i]];
      const last = locationStart[stack[i] + 1] - 1;
      for (let ni = last; ni >= first; ni--) {
        const id = locationNodes[ni];
        if (seen[id] !== si) {
          seen[id] = si;
          cum[id] += w;
        }
        if (parent >= 0 && id !== parent) {
          if (ni !== last) inlineIn[id] = 1;
          else callIn[id] = 1;
        }
        parent = id;
      }
    }
    if (parent >= 0) flat[parent] += w;
  }
  return { flat, cum, inlineIn, callIn };
}

/** The top table for one sample type: every function, sorted by flat (or cum), no pruning. */
export function top(p: Profile, options: TopOptions = {}): TopTable {
  const index = options.sampleIndex ?? (resolveSampleIndex(p, undefined) as { ok: true; value: number }).value;
  const st = p.sampleTypes[index];
  const nodes = functionNodes(p);
  const { flat, cum, inlineIn, callIn } = nodeValues(p, nodes, index);
  const ids: number[] = [];
  for (let i = 0; i < nodes.names.length; i++) if (flat[i] !== 0 || cum[i] !== 0) ids.push(i);
  const names = nodes.names;
  const byName = (a: number, b: number) => (names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : 0);
  const byKey = (a: number, b: number) => {
    const ka = nodes.infoKey(a);
    const kb = nodes.infoKey(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
  const first = (options.cum ? cum : flat).map(Math.abs);
  const second = (options.cum ? flat : cum).map(Math.abs);
  // pprof's FlatNameOrder (flat, name, cum) and CumNameOrder (cum, name, flat).
  ids.sort((a, b) => first[b] - first[a] || byName(a, b) || second[b] - second[a] || byKey(a, b));
  const rows: TopRow[] = ids.map((id) => {
    const row: TopRow = { name: names[id], flat: flat[id], cum: cum[id] };
    if (inlineIn[id]) row.inline = callIn[id] ? 'partial-inline' : 'inline';
    return row;
  });
  return { sampleType: st.type, unit: st.unit, total: profileTotal(p, index), rows };
}
