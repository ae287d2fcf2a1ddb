// Importer for pprof's protobuf format (profile.proto), gzipped or not.
// Follows github.com/google/pprof/profile as vendored in Go 1.19: the same
// wire decoding, post-decoding, validity checks and frame pruning, so that
// what we compute from a file is what `go tool pprof` computes from it.

import { gunzipSync } from 'node:zlib';
import { Reader, WireError } from './protobuf.js';
import type { Func, Locations, Mapping, Profile, Samples, ValueType } from './model.js';
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
      // A chunk near the expected size saves zlib's chunk copies, half the time on large profiles.
      const chunkSize = Math.min(64 << 20, Math.max(1 << 16, data.length * 8));
      raw = gunzipSync(data, { maxOutputLength: maxBytes, chunkSize });
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

// The hot loops (the top-level scan, locations, samples) read varints with
// this function rather than through Reader: a plain function of (buffer,
// position) that V8 inlines, with the next position in a module variable.
let next = 0;
const slow = new Reader(new Uint8Array(0));

/** The varint at buf[pos] (signed or not); sets `next` to the position after it. */
function varint(buf: Uint8Array, pos: number, end: number, signed: boolean): number {
  let b = buf[pos];
  if (b < 0x80 && pos < end) {
    next = pos + 1;
    return b;
  }
  if (pos + 4 <= end) {
    let v = b & 0x7f;
    b = buf[pos + 1];
    v |= (b & 0x7f) << 7;
    if (b < 0x80) {
      next = pos + 2;
      return v;
    }
    b = buf[pos + 2];
    v |= (b & 0x7f) << 14;
    if (b < 0x80) {
      next = pos + 3;
      return v;
    }
    b = buf[pos + 3];
    v |= (b & 0x7f) << 21;
    if (b < 0x80) {
      next = pos + 4;
      return v;
    }
  }
  const r = slow;
  r.buf = buf;
  r.pos = pos;
  r.end = end;
  const v = signed ? r.int64() : r.uint64();
  next = r.pos;
  return v;
}

/** Position after a field of wire type `wire` starting at pos (its key already read). */
function skipField(buf: Uint8Array, pos: number, end: number, wire: number): number {
  const r = slow;
  r.buf = buf;
  r.pos = pos;
  r.end = end;
  r.skip(wire);
  return r.pos;
}

/**
 * Id → index for ids that are usually 1..n: table[id] (-1 where none); ids
 * past the table are looked up in `sparse`. Callers index the table inline,
 * which keeps the hot loops free of calls.
 */
interface IdIndex {
  table: Int32Array;
  sparse: Map<number, number>;
}

function indexById(ids: ArrayLike<number>): IdIndex {
  const n = ids.length;
  const table = new Int32Array(n + 1).fill(-1);
  const sparse = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    if (id >= 1 && id <= n) table[id] = i;
    else sparse.set(id, i);
  }
  return { table, sparse };
}

function lookup(index: IdIndex, id: number): number {
  return id < index.table.length ? index.table[id] : (index.sparse.get(id) ?? -1);
}

/**
 * Notes where the samples, mappings, locations, functions and strings are
 * (fields 2 to 6, pushed as start/end pairs to lists[field - 1]) until a field
 * of another kind; returns its position. `pending` is a key already read.
 */
function scan(buf: Uint8Array, pos: number, end: number, lists: number[][], pending = -1): number {
  while (pos < end || pending >= 0) {
    let key = pending;
    const at = pos;
    if (key < 0) {
      key = varint(buf, pos, end, false);
      pos = next;
    }
    pending = -1;
    const num = key >>> 3;
    if (num < 2 || num > 6 || (key & 7) !== LEN) return at;
    const n = varint(buf, pos, end, false);
    pos = next;
    if (n > end - pos) throw new WireError('too much data');
    lists[num - 1].push(pos, pos + n);
    pos += n;
  }
  return pos;
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
  const stringSpans: number[] = [];
  const lists = [sampleTypes, samples, mappings, locations, functions, stringSpans];

  r.pos = scan(buf, 0, buf.length, lists);
  while (r.pos < r.end) {
    const key = varint(buf, r.pos, r.end, false);
    r.pos = next;
    const num = Math.floor(key / 8);
    const wire = key & 7;
    if (num >= 2 && num <= 6 && wire === LEN) {
      r.pos = scan(buf, r.pos, r.end, lists, key);
      continue;
    }
    switch (num) {
      case 1: {
        const vt = valueType(wire);
        sampleTypes.push(vt[0], vt[1]);
        break;
      }
      case 2: case 3: case 4: case 5: expect(wire, LEN); break;
      case 6: expect(wire, LEN); break;
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

  decodeStrings(buf, stringSpans, strings);
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
  }

  return outMappings;
}

function decodeFunctions(ctx: Ctx, functions: number[]): Func[] {
  const { r, strings } = ctx;
  const buf = r.buf;
  const outFunctions: Func[] = new Array(functions.length / 2);
  for (let i = 0; i < outFunctions.length; i++) {
    let pos = functions[2 * i];
    const end = functions[2 * i + 1];
    let id = 0, name = 0, systemName = 0, filename = 0, startLine = 0;
    while (pos < end) {
      const key = varint(buf, pos, end, false);
      pos = next;
      const field = key >>> 3;
      if (field < 1 || field > 5) {
        pos = skipField(buf, pos, end, key & 7);
        continue;
      }
      expect(key & 7, VARINT);
      const v = varint(buf, pos, end, field !== 1);
      pos = next;
      if (field === 1) id = v;
      else if (field === 2) name = v;
      else if (field === 3) systemName = v;
      else if (field === 4) filename = v;
      else startLine = v;
    }
    const f: Func = { id, name: str(strings, name), systemName: str(strings, systemName), filename: str(strings, filename), startLine };
    outFunctions[i] = f;
  }

  return outFunctions;
}

function decodeLocations(ctx: Ctx, locations: number[], mappings: Mapping[], functions: Func[]): Locations {
  const buf = ctx.r.buf;
  const mappingAt = indexById(mappings.map((m) => m.id));
  const functionAt = indexById(functions.map((f) => f.id));
  const count = locations.length / 2;
  // A line takes at least two bytes (key and length), which bounds the line columns.
  let bytes = 0;
  for (let i = 0; i < count; i++) bytes += locations[2 * i + 1] - locations[2 * i];
  const out: Locations = {
    count,
    id: new Float64Array(count),
    address: new Float64Array(count),
    mapping: new Int32Array(count),
    lineStart: new Int32Array(count),
    lineEnd: new Int32Array(count),
    lineFunc: new Int32Array(bytes >> 1),
    lineNumber: new Float64Array(bytes >> 1),
  };
  let lines = 0;
  for (let i = 0; i < count; i++) {
    let pos = locations[2 * i];
    const end = locations[2 * i + 1];
    let mappingId = 0;
    out.lineStart[i] = lines;
    while (pos < end) {
      const key = varint(buf, pos, end, false);
      pos = next;
      const field = key >>> 3;
      const wire = key & 7;
      if (field === 4) {
        expect(wire, LEN);
        const n = varint(buf, pos, end, false);
        pos = next;
        const lineEnd = pos + n;
        if (lineEnd > end) throw new WireError('too much data');
        let functionId = 0;
        let line = 0;
        while (pos < lineEnd) {
          const k = varint(buf, pos, lineEnd, false);
          pos = next;
          if (k === 8) functionId = varint(buf, pos, lineEnd, false);
          else if (k === 16) line = varint(buf, pos, lineEnd, true);
          else if (k >>> 3 === 1 || k >>> 3 === 2) throw new MalformedError('type mismatch');
          else {
            pos = skipField(buf, pos, lineEnd, k & 7);
            continue;
          }
          pos = next;
        }
        out.lineFunc[lines] = functionId === 0 ? -1 : lookup(functionAt, functionId);
        out.lineNumber[lines] = line;
        lines++;
      } else if (field >= 1 && field <= 3) {
        expect(wire, VARINT);
        const v = varint(buf, pos, end, false);
        pos = next;
        if (field === 1) out.id[i] = v;
        else if (field === 2) mappingId = v;
        else out.address[i] = v;
      } else if (field === 5) {
        expect(wire, VARINT);
        varint(buf, pos, end, false);
        pos = next;
      } else pos = skipField(buf, pos, end, wire);
    }
    out.lineEnd[i] = lines;
    out.mapping[i] = lookup(mappingAt, mappingId);
  }
  return out;
}

function decodeSamples(ctx: Ctx, samples: number[], nTypes: number, outLocations: Locations): Samples {
  const { r, strings } = ctx;
  const count = samples.length / 2;
  const buf = r.buf;
  const locationAt = indexById(outLocations.id);
  const table = locationAt.table;
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
  const values = out.values;
  let top = 0;
  for (let i = 0; i < count; i++) {
    let pos = samples[2 * i];
    const end = samples[2 * i + 1];
    let nVals = 0;
    out.labelStart[i] = out.labelKey.length;
    out.stackStart[i] = top;
    while (pos < end) {
      const key = varint(buf, pos, end, false);
      pos = next;
      const field = key >>> 3;
      const w = key & 7;
      if (field === 1 || field === 2) {
        // Repeated integers, packed or not (Go writes two or fewer unpacked).
        let stop = end;
        if (w === LEN) {
          const n = varint(buf, pos, end, false);
          pos = next;
          stop = pos + n;
          if (stop > end) throw new WireError('too much data');
        } else expect(w, VARINT);
        const packed = w === LEN;
        for (let first = true; packed ? pos < stop : first; first = false) {
          if (field === 1) {
            const id = varint(buf, pos, stop, false);
            const li = id < table.length ? table[id] : lookup(locationAt, id);
            if (li < 0) throw new InvalidError('sample has nil location');
            stack[top++] = li;
          } else {
            const v = varint(buf, pos, stop, true);
            if (nVals < nTypes) values[i * nTypes + nVals] = v;
            nVals++;
          }
          pos = next;
        }
        continue;
      }
      at(r, pos, end);
      switch (field) {
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
      pos = r.pos;
    }
    if (nVals !== nTypes) {
      throw new InvalidError(`mismatch: sample has ${nVals} values vs. ${nTypes} types`);
    }
    out.stackEnd[i] = top;
    out.labelEnd[i] = out.labelKey.length;
  }

  return out;
}

/**
 * The string table. Go writes it as one run at the end of the file, so when
 * that run is ASCII we decode it once and cut the strings out of it (cheap
 * slices) instead of decoding tens of thousands of small strings.
 */
function decodeStrings(buf: Uint8Array, spans: number[], out: string[]): void {
  if (spans.length === 0) return;
  if (spans[1] !== spans[0]) throw new MalformedError("string_table[0] must be ''");
  const from = spans[0];
  const to = spans[spans.length - 1];
  const nodeBuf = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (isAscii(buf, from, to)) {
    const all = nodeBuf.toString('latin1', from, to);
    for (let i = 0; i < spans.length; i += 2) out.push(all.slice(spans[i] - from, spans[i + 1] - from));
    return;
  }
  const decoder = new TextDecoder('utf-8');
  for (let i = 0; i < spans.length; i += 2) {
    const s = spans[i];
    const e = spans[i + 1];
    out.push(s === e ? '' : isAscii(buf, s, e) ? nodeBuf.toString('latin1', s, e) : decoder.decode(buf.subarray(s, e)));
  }
}

function isAscii(buf: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] > 0x7f) return false;
  return true;
}

/** The rest of pprof's Profile.CheckValid (sample checks happen while decoding). */
export function checkValid(p: Profile): string | undefined {
  const dupMapping = firstDuplicate(p.mappings.map((m) => m.id));
  if (dupMapping !== undefined) return dupMapping === 0 ? 'found mapping with reserved ID=0' : `multiple mappings with same id: ${dupMapping}`;
  const dupFunc = firstDuplicate(p.functions.map((f) => f.id));
  if (dupFunc !== undefined) return dupFunc === 0 ? 'found function with reserved ID=0' : `multiple functions with same id: ${dupFunc}`;
  const locs = p.locations;
  const dupLoc = firstDuplicate(locs.id);
  if (dupLoc !== undefined) return dupLoc === 0 ? 'found location with reserved id=0' : `multiple locations with same id: ${dupLoc}`;
  for (let i = 0; i < locs.count; i++)
    for (let j = locs.lineStart[i]; j < locs.lineEnd[i]; j++) if (locs.lineFunc[j] < 0) return `location id: ${locs.id[i]} has a line with nil function`;
  return undefined;
}

/** The first id that is 0 or seen twice, in order; undefined when all are fine. */
function firstDuplicate(ids: ArrayLike<number>): number | undefined {
  const n = ids.length;
  const dense = new Uint8Array(n + 1);
  const sparse = new Set<number>();
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    if (id === 0) return 0;
    if (id <= n) {
      if (dense[id]) return id;
      dense[id] = 1;
    } else {
      if (sparse.has(id)) return id;
      sparse.add(id);
    }
  }
  return undefined;
}
