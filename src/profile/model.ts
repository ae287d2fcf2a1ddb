// The one profile model. Every importer (today: pprof protobuf) produces it;
// top tables, call trees, diffs and flame graphs read it. Shapes follow
// profile.proto after pprof's own post-decoding, so that our numbers can be
// compared with `go tool pprof` one to one.

export interface ValueType {
  type: string;
  unit: string;
}

export interface Mapping {
  id: number;
  start: number;
  limit: number;
  offset: number;
  file: string;
  buildId: string;
}

export interface Func {
  id: number;
  name: string;
  systemName: string;
  filename: string;
  startLine: number;
}

/**
 * The locations (program counters), column-wise like the samples. Location i
 * has the lines lineFunc/lineNumber[lineStart[i] .. lineEnd[i]), innermost
 * first: the first is the inlined callee, the last its physical caller.
 */
export interface Locations {
  count: number;
  id: Float64Array;
  address: Float64Array;
  /** Index into Profile.mappings, or -1. */
  mapping: Int32Array;
  lineStart: Int32Array;
  lineEnd: Int32Array;
  /** Index into Profile.functions, or -1 when the line names no known function. */
  lineFunc: Int32Array;
  lineNumber: Float64Array;
}

export interface Line {
  func: Func;
  line: number;
}

/** Location i's lines as objects, innermost first (for code off the hot paths). */
export function locationLines(p: Profile, i: number): Line[] {
  const { lineStart, lineEnd, lineFunc, lineNumber } = p.locations;
  const out: Line[] = [];
  for (let j = lineStart[i]; j < lineEnd[i]; j++) out.push({ func: p.functions[lineFunc[j]], line: lineNumber[j] });
  return out;
}

export type Labels = Record<string, string[]>;

/**
 * The samples, stored column-wise: a profile can hold hundreds of thousands
 * of them and one object each costs more in garbage collection than the
 * whole analysis.
 */
export interface Samples {
  count: number;
  /** Value of sample i for sample type t at values[i * sampleTypes.length + t]; signed. */
  values: Float64Array;
  /** Sample i's stack is stack[stackStart[i] .. stackEnd[i]), leaf first, as indexes into Profile.locations. */
  stack: Int32Array;
  stackStart: Int32Array;
  stackEnd: Int32Array;
  /**
   * Labels of sample i are entries labelStart[i] .. labelEnd[i]) of the label
   * columns: key and string value as indexes into `strings` (value 0 for a
   * numeric label, whose number is in labelNum). Read them with sampleLabels().
   */
  labelStart: Int32Array;
  labelEnd: Int32Array;
  labelKey: number[];
  labelStr: number[];
  labelNum: number[];
  strings: string[];
  /** Set for the samples of the base in a diff (pprof's "pprof::base" label). */
  base?: Uint8Array;
}

/** Sample i's string labels, as pprof presents them; undefined when it has none. */
export function sampleLabels(s: Samples, i: number): Labels | undefined {
  let out: Labels | undefined;
  for (let j = s.labelStart[i]; j < s.labelEnd[i]; j++) {
    if (s.labelStr[j] === 0) continue;
    ((out ??= {})[s.strings[s.labelKey[j]]] ??= []).push(s.strings[s.labelStr[j]]);
  }
  return out;
}


export interface Profile {
  sampleTypes: ValueType[];
  /** Name of the default sample type as stored ("" when unset). */
  defaultSampleType: string;
  periodType: ValueType;
  period: number;
  timeNanos: number;
  durationNanos: number;
  dropFrames: string;
  keepFrames: string;
  comments: string[];
  mappings: Mapping[];
  functions: Func[];
  locations: Locations;
  samples: Samples;
}
