// Importer for pprof's protobuf format (profile.proto), gzipped or not.
// Follows github.com/google/pprof/profile as vendored in Go 1.19: the same
// wire decoding, post-decoding, validity checks and frame pruning, so that
// what we compute from a file is what `go tool pprof` computes from it.

import { gunzipSync } from 'node:zlib';
import { Reader, WireError } from './protobuf.js';
import type { Func, Location, Mapping, Profile, Samples, ValueType } from './model.js';
import { err, ok, type Result } from '../errors.js';
import { removeUninteresting } from './prune.js';

/** Default cap on the decompressed size: a gzip bomb must not take the process down. */
export const MAX_PROFILE_BYTES = 256 * 1024 * 1024;

export interface ParseOptions {
  /** Cap on the gunzipped size in bytes. */
  maxBytes?: number;
  /** Apply the profile's own drop_frames/keep_frames as pprof does (default true). */
  prune?: boolean;
}

export function isGzip(data: Uint8Array): boolean {
  return data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b;
}

/** Decodes a pprof profile. The error is one line saying what is wrong. */
export function parseProfile(data: Uint8Array, options: ParseOptions = {}): Result<Profile> {
  const maxBytes = options.maxBytes ?? MAX_PROFILE_BYTES;
  if (data.length === 0) return err('empty file');
  let raw = data;
  if (isGzip(data)) {
    try {
      raw = gunzipSync(data, { maxOutputLength: maxBytes });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || /maxOutputLength|Cannot create a Buffer larger/.test(String(e)))
        return err(`gzip data expands past the ${formatSize(maxBytes)} limit`);
      return err(`corrupt gzip data (${code === 'Z_BUF_ERROR' ? 'truncated' : (e as Error).message})`);
    }
    if (raw.length === 0) return err('empty profile after gunzip');
  } else if (raw.length > maxBytes) {
    return err(`profile is larger than the ${formatSize(maxBytes)} limit`);
  }
  let profile: Profile;
  try {
    profile = decode(raw);
  } catch (e) {
    if (e instanceof InvalidError) return err(`malformed profile: ${e.message}`);
    if (e instanceof WireError || e instanceof MalformedError) {
      const legacy = legacyKind(raw);
      if (legacy) return err(`${legacy} is not supported; capture the profile in protobuf format (debug=0)`);
      return err(`not a pprof profile (${e.message})`);
    }
    throw e;
  }
  const invalid = checkValid(profile);
  if (invalid) return err(`malformed profile: ${invalid}`);
  if (options.prune !== false) {
    const pruned = removeUninteresting(profile);
    if (!pruned.ok) return pruned;
  }
  return ok(profile);
}

function formatSize(n: number): string {
  return n >= 1 << 20 ? `${Math.round(n / (1 << 20))} MB` : `${n} bytes`;
}

class MalformedError extends Error {}
/** Decoded, but pprof's validity checks reject it. */
class InvalidError extends Error {}

/** Names the legacy (pre-protobuf) formats pprof still reads, so we can say why we don't. */
function legacyKind(data: Uint8Array): string | undefined {
  const head = Buffer.from(data.subarray(0, 64)).toString('latin1');
  if (/^\s*(heap profile:|heap_v2\/|--- (contention|heapz)|--- threadz|goroutine profile:|threadcreate profile:|--- mutex|--- heap)/.test(head))
    return 'legacy text profile format';
  if (/^\s*(\d+ )?@? ?0x[0-9a-f]+/.test(head) || /^\s*\d+: \d+ \[\d+: \d+\] @/.test(head)) return 'legacy text profile format';
  // Legacy binary CPU profiles start with the header words 0, 3, 0 (32- or 64-bit, either endianness).
  if (data.length >= 24) {
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const w64 = (i: number, le: boolean) => Number(dv.getBigUint64(i * 8, le));
    const w32 = (i: number, le: boolean) => dv.getUint32(i * 4, le);
    for (const le of [true, false]) {
      if (w64(0, le) === 0 && w64(1, le) === 3 && w64(2, le) === 0) return 'legacy binary CPU profile format';
      if (w32(0, le) === 0 && w32(1, le) === 3 && w32(2, le) === 0) return 'legacy binary CPU profile format';
    }
  }
  return undefined;
}

// Field numbers and wire types from profile.proto.
const VARINT = 0;
const LEN = 2;

function expect(wire: number, want: number): void {
  if (wire !== want) throw new MalformedError('type mismatch');
}

function int64(r: Reader, wire: number): number {
  expect(wire, VARINT);
  return r.int64();
}

function uint64(r: Reader, wire: number): number {
  expect(wire, VARINT);
  return r.uint64();
}

/** Enters the length-delimited message at the reader's position; returns the end to restore. */
function enter(r: Reader, wire: number): number {
  expect(wire, LEN);
  const n = r.length();
  const saved = r.end;
  r.end = r.pos + n;
  return saved;
}

/** Appends a repeated integer field, packed or not (Go writes two or fewer elements unpacked). */
function repeated(r: Reader, wire: number, into: number[], count: number, signed: boolean): number {
  if (wire === LEN) {
    const saved = enter(r, wire);
    while (r.pos < r.end) into[count++] = signed ? r.int64() : r.uint64();
    r.end = saved;
    return count;
  }
  expect(wire, VARINT);
  into[count++] = signed ? r.int64() : r.uint64();
  return count;
}

/** Ids are usually 1..n; look them up in an array then, in a map otherwise (as pprof does). */
class ById<T> {
  private dense: (T | undefined)[];
  private sparse = new Map<number, T>();
  constructor(n: number) {
    this.dense = new Array(n + 1);
  }
  set(id: number, v: T): void {
    if (id < this.dense.length) this.dense[id] = v;
    else this.sparse.set(id, v);
  }
  get(id: number): T | undefined {
    return id < this.dense.length ? this.dense[id] : this.sparse.get(id);
  }
}

interface Ctx {
  r: Reader;
  strings: string[];
}

function str(strings: string[], i: number): string {
  if (i < 0 || i >= strings.length || !Number.isInteger(i)) throw new MalformedError('string index out of range');
  return strings[i];
}

function at(r: Reader, start: number, end: number): void {
  r.pos = start;
  r.end = end;
}

function decode(buf: Uint8Array): Profile {
  const r = new Reader(buf);
  const strings: string[] = [];
  const sampleTypes: number[] = [];
  const comments: number[] = [];
  // Messages are decoded after the string table and the location table are known.
  const samples: number[] = [];
  const mappings: number[] = [];
  const locations: number[] = [];
  const functions: number[] = [];
  let periodType: number[] = [0, 0];
  let dropFrames = 0;
  let keepFrames = 0;
  let timeNanos = 0;
  let durationNanos = 0;
  let period = 0;
  let defaultSampleType = 0;
  const decoder = new TextDecoder('utf-8');
  const nodeBuf = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);

  const valueType = (wire: number): number[] => {
    const vt = [0, 0];
    const saved = enter(r, wire);
    while (r.pos < r.end) {
      const key = r.key();
      const num = Math.floor(key / 8);
      if (num === 1 || num === 2) vt[num - 1] = int64(r, key & 7);
      else r.skip(key & 7);
    }
    r.end = saved;
    return vt;
  };
  const remember = (list: number[], wire: number) => {
    expect(wire, LEN);
    const n = r.length();
    list.push(r.pos, r.pos + n);
    r.pos += n;
  };

  while (r.pos < r.end) {
    const key = r.key();
    const num = Math.floor(key / 8);
    const wire = key & 7;
    switch (num) {
      case 1: {
        const vt = valueType(wire);
        sampleTypes.push(vt[0], vt[1]);
        break;
      }
      case 2: remember(samples, wire); break;
      case 3: remember(mappings, wire); break;
      case 4: remember(locations, wire); break;
      case 5: remember(functions, wire); break;
      case 6: {
        expect(wire, LEN);
        const n = r.length();
        const s = r.pos;
        strings.push(n === 0 ? '' : n < 64 && isAscii(buf, s, s + n) ? nodeBuf.toString('latin1', s, s + n) : decoder.decode(buf.subarray(s, s + n)));
        r.pos += n;
        if (strings[0] !== '') throw new MalformedError("string_table[0] must be ''");
        break;
      }
      case 7: dropFrames = int64(r, wire); break;
      case 8: keepFrames = int64(r, wire); break;
      case 9:
        // pprof treats a second time_nanos as concatenated profiles and stops there.
        if (timeNanos !== 0) throw new MalformedError('concatenated profiles detected');
        timeNanos = int64(r, wire);
        break;
      case 10: durationNanos = int64(r, wire); break;
      case 11: periodType = valueType(wire); break;
      case 12: period = int64(r, wire); break;
      case 13: repeated(r, wire, comments, comments.length, true); break;
      case 14: defaultSampleType = int64(r, wire); break;
      default:
        r.skip(wire);
    }
  }

  const r2 = { r, strings };
  const outMappings = decodeMappings(r2, mappings);
  const outFunctions = decodeFunctions(r2, functions);
  const outLocations = decodeLocations(r2, locations, outMappings, outFunctions);
  const outSampleTypes: ValueType[] = [];
  for (let i = 0; i < sampleTypes.length; i += 2) outSampleTypes.push({ type: str(strings, sampleTypes[i]), unit: str(strings, sampleTypes[i + 1]) });
  const out = decodeSamples(r2, samples, outSampleTypes.length, outLocations);

  return {
    sampleTypes: outSampleTypes,
    defaultSampleType: str(strings, defaultSampleType),
    periodType: { type: str(strings, periodType[0]), unit: str(strings, periodType[1]) },
    period,
    timeNanos,
    durationNanos,
    dropFrames: str(strings, dropFrames),
    keepFrames: str(strings, keepFrames),
    comments: comments.map((c) => str(strings, c)),
    mappings: outMappings,
    functions: outFunctions,
    locations: outLocations,
    samples: out,
  };
}

function decodeMappings(ctx: Ctx, mappings: number[]): Mapping[] {
  const { r, strings } = ctx;
  const outMappings: Mapping[] = new Array(mappings.length / 2);
  const mappingById = new ById<Mapping>(outMappings.length);
  for (let i = 0; i < outMappings.length; i++) {
    at(r, mappings[2 * i], mappings[2 * i + 1]);
    const m: Mapping = { id: 0, start: 0, limit: 0, offset: 0, file: '', buildId: '' };
    let file = 0;
    let buildId = 0;
    while (r.pos < r.end) {
      const key = r.key();
      const w = key & 7;
      switch (Math.floor(key / 8)) {
        case 1: m.id = uint64(r, w); break;
        case 2: m.start = uint64(r, w); break;
        case 3: m.limit = uint64(r, w); break;
        case 4: m.offset = uint64(r, w); break;
        case 5: file = int64(r, w); break;
        case 6: buildId = int64(r, w); break;
        case 7: case 8: case 9: case 10: uint64(r, w); break;
        default: r.skip(w);
      }
    }
    m.file = str(strings, file);
    m.buildId = str(strings, buildId);
    outMappings[i] = m;
    mappingById.set(m.id, m);
  }

  return outMappings;
}

function decodeFunctions(ctx: Ctx, functions: number[]): Func[] {
  const { r, strings } = ctx;
  const outFunctions: Func[] = new Array(functions.length / 2);
  const functionById = new ById<Func>(outFunctions.length);
  for (let i = 0; i < outFunctions.length; i++) {
    at(r, functions[2 * i], functions[2 * i + 1]);
    let id = 0, name = 0, systemName = 0, filename = 0, startLine = 0;
    while (r.pos < r.end) {
      const key = r.key();
      const w = key & 7;
      switch (Math.floor(key / 8)) {
        case 1: id = uint64(r, w); break;
        case 2: name = int64(r, w); break;
        case 3: systemName = int64(r, w); break;
        case 4: filename = int64(r, w); break;
        case 5: startLine = int64(r, w); break;
        default: r.skip(w);
      }
    }
    const f: Func = { id, name: str(strings, name), systemName: str(strings, systemName), filename: str(strings, filename), startLine };
    outFunctions[i] = f;
    functionById.set(id, f);
  }

  return outFunctions;
}

function decodeLocations(ctx: Ctx, locations: number[], mappings: Mapping[], functions: Func[]): Location[] {
  const { r, strings } = ctx;
  const mappingById = new ById<Mapping>(mappings.length);
  for (const m of mappings) mappingById.set(m.id, m);
  const functionById = new ById<Func>(functions.length);
  for (const f of functions) functionById.set(f.id, f);
  const outLocations: Location[] = new Array(locations.length / 2);
  const locationById = new ById<Location>(outLocations.length);
  for (let i = 0; i < outLocations.length; i++) {
    at(r, locations[2 * i], locations[2 * i + 1]);
    const loc: Location = { id: 0, mapping: undefined, address: 0, lines: [] };
    let mappingId = 0;
    while (r.pos < r.end) {
      const key = r.key();
      const w = key & 7;
      switch (Math.floor(key / 8)) {
        case 1: loc.id = uint64(r, w); break;
        case 2: mappingId = uint64(r, w); break;
        case 3: loc.address = uint64(r, w); break;
        case 4: {
          const saved = enter(r, w);
          let functionId = 0;
          let line = 0;
          while (r.pos < r.end) {
            const k = r.key();
            const n = Math.floor(k / 8);
            if (n === 1) functionId = uint64(r, k & 7);
            else if (n === 2) line = int64(r, k & 7);
            else r.skip(k & 7);
          }
          r.end = saved;
          loc.lines.push({ func: (functionId === 0 ? undefined : functionById.get(functionId)) as Func, line });
          break;
        }
        case 5: uint64(r, w); break;
        default: r.skip(w);
      }
    }
    loc.mapping = mappingById.get(mappingId);
    outLocations[i] = loc;
    locationById.set(loc.id, loc);
  }

  return outLocations;
}

function decodeSamples(ctx: Ctx, samples: number[], nTypes: number, outLocations: Location[]): Samples {
  const { r, strings } = ctx;
  const count = samples.length / 2;
  const locationIndex = new ById<number>(outLocations.length);
  for (let i = 0; i < outLocations.length; i++) locationIndex.set(outLocations[i].id, i);
  // A location id takes at least one byte on the wire, so this bounds the stack table.
  let idBytes = 0;
  for (let i = 0; i < count; i++) idBytes += samples[2 * i + 1] - samples[2 * i];
  const stack = new Int32Array(idBytes);
  const out: Samples = {
    count,
    values: new Float64Array(count * nTypes),
    stack,
    stackStart: new Int32Array(count),
    stackEnd: new Int32Array(count),
    labelStart: new Int32Array(count),
    labelEnd: new Int32Array(count),
    labelKey: [],
    labelStr: [],
    labelNum: [],
    strings,
  };
  if (nTypes === 0 && count > 0) throw new InvalidError('missing sample type information');
  const ids: number[] = [];
  const vals: number[] = [];
  let top = 0;
  for (let i = 0; i < count; i++) {
    at(r, samples[2 * i], samples[2 * i + 1]);
    let nIds = 0;
    let nVals = 0;
    out.labelStart[i] = out.labelKey.length;
    while (r.pos < r.end) {
      const key = r.key();
      const w = key & 7;
      switch (Math.floor(key / 8)) {
        case 1: nIds = repeated(r, w, ids, nIds, false); break;
        case 2: nVals = repeated(r, w, vals, nVals, true); break;
        case 3: {
          const saved = enter(r, w);
          let k = 0, s = 0, num = 0, unit = 0;
          while (r.pos < r.end) {
            const lk = r.key();
            const lw = lk & 7;
            switch (Math.floor(lk / 8)) {
              case 1: k = int64(r, lw); break;
              case 2: s = int64(r, lw); break;
              case 3: num = int64(r, lw); break;
              case 4: unit = int64(r, lw); break;
              default: r.skip(lw);
            }
          }
          r.end = saved;
          str(strings, k);
          str(strings, unit);
          // pprof keeps a label with a string, or else with a number or unit.
          if (s !== 0 || num !== 0 || unit !== 0) {
            str(strings, s);
            out.labelKey.push(k);
            out.labelStr.push(s);
            out.labelNum.push(num);
          }
          break;
        }
        default: r.skip(w);
      }
    }
    if (nVals !== nTypes) {
      throw new InvalidError(`mismatch: sample has ${nVals} values vs. ${nTypes} types`);
    }
    for (let t = 0; t < nTypes; t++) out.values[i * nTypes + t] = vals[t];
    out.stackStart[i] = top;
    for (let j = 0; j < nIds; j++) {
      const li = locationIndex.get(ids[j]);
      if (li === undefined) throw new InvalidError('sample has nil location');
      stack[top++] = li;
    }
    out.stackEnd[i] = top;
    out.labelEnd[i] = out.labelKey.length;
  }

  return out;
}

function isAscii(buf: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] > 0x7f) return false;
  return true;
}

/** The rest of pprof's Profile.CheckValid (sample checks happen while decoding). */
export function checkValid(p: Profile): string | undefined {
  const seen = new Set<number>();
  for (const m of p.mappings) {
    if (m.id === 0) return 'found mapping with reserved ID=0';
    if (seen.has(m.id)) return `multiple mappings with same id: ${m.id}`;
    seen.add(m.id);
  }
  seen.clear();
  for (const f of p.functions) {
    if (f.id === 0) return 'found function with reserved ID=0';
    if (seen.has(f.id)) return `multiple functions with same id: ${f.id}`;
    seen.add(f.id);
  }
  seen.clear();
  for (const l of p.locations) {
    if (l.id === 0) return 'found location with reserved id=0';
    if (seen.has(l.id)) return `multiple locations with same id: ${l.id}`;
    seen.add(l.id);
    for (const ln of l.lines) if (ln.func === undefined) return `location id: ${l.id} has a line with nil function`;
  }
  return undefined;
}
