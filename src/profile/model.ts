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

export interface Line {
  func: Func;
  line: number;
}

export interface Location {
  id: number;
  mapping: Mapping | undefined;
  address: number;
  /** Innermost first: lines[0] is the inlined callee, the last one its physical caller. */
  lines: Line[];
}

export type Labels = Record<string, string[]>;
export type NumLabels = Record<string, number[]>;

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
  labels: (Labels | undefined)[];
  numLabels: (NumLabels | undefined)[];
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
  locations: Location[];
  samples: Samples;
}
