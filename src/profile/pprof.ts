// Importer for pprof's protobuf format (profile.proto), gzipped or not.
// Follows github.com/google/pprof/profile as vendored in Go 1.19: the same
// wire decoding, post-decoding, validity checks and frame pruning, so that
// what we compute from a file is what `go tool pprof` computes from it.

import { gunzipSync } from 'node:zlib';
import { Reader, WireError } from './protobuf.js';
import type { Func, Line, Location, Mapping, Profile, Sample, ValueType } from './model.js';
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

interface RawFunction {
  id: number;
  name: number;
  systemName: number;
  filename: number;
  startLine: number;
}

interface RawLocation {
  id: number;
  mappingId: number;
  address: number;
  lines: { functionId: number; line: number }[];
}

interface RawMapping {
  id: number;
  start: number;
  limit: number;
  offset: number;
  filename: number;
  buildId: number;
}

interface RawSample {
  locationIds: number[];
  values: number[];
  labels: { key: number; str: number; num: number; unit: number }[] | undefined;
}

function expect(r: Reader, wire: number, want: number): void {
  if (wire !== want) throw new MalformedError('type mismatch');
}

function readInt64(r: Reader, wire: number): number {
  expect(r, wire, VARINT);
  return r.int64();
}

function readUint64(r: Reader, wire: number): number {
  expect(r, wire, VARINT);
  return r.uint64();
}

/** Repeated integer field, packed or not (Go writes two or fewer elements unpacked). */
function readRepeated(r: Reader, wire: number, into: number[], signed: boolean): void {
  if (wire === LEN) {
    const n = r.length();
    const end = r.pos + n;
    const saved = r.end;
    r.end = end;
    while (r.pos < end) into.push(signed ? r.int64() : r.uint64());
    r.end = saved;
    return;
  }
  expect(r, wire, VARINT);
  into.push(signed ? r.int64() : r.uint64());
}

/** Runs `field` for each field of the length-delimited message at the reader's position. */
function readMessage(r: Reader, wire: number, field: (num: number, wire: number) => boolean): void {
  expect(r, wire, LEN);
  const n = r.length();
  const end = r.pos + n;
  const saved = r.end;
  r.end = end;
  while (r.pos < end) {
    const key = r.key();
    const num = Math.floor(key / 8);
    const w = key & 7;
    if (!field(num, w)) r.skip(w);
  }
  r.end = saved;
}

function decode(buf: Uint8Array): Profile {
  const r = new Reader(buf);
  const strings: string[] = [];
  const sampleTypes: { type: number; unit: number }[] = [];
  const samples: RawSample[] = [];
  const mappings: RawMapping[] = [];
  const locations: RawLocation[] = [];
  const functions: RawFunction[] = [];
  const comments: number[] = [];
  let periodType: { type: number; unit: number } | undefined;
  let dropFrames = 0;
  let keepFrames = 0;
  let timeNanos = 0;
  let durationNanos = 0;
  let period = 0;
  let defaultSampleType = 0;
  const decoder = new TextDecoder('utf-8');
  const nodeBuf = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);

  const valueType = (wire: number) => {
    const vt = { type: 0, unit: 0 };
    readMessage(r, wire, (num, w) => {
      if (num === 1) vt.type = readInt64(r, w);
      else if (num === 2) vt.unit = readInt64(r, w);
      else return false;
      return true;
    });
    return vt;
  };

  while (r.pos < r.end) {
    const key = r.key();
    const num = Math.floor(key / 8);
    const wire = key & 7;
    switch (num) {
      case 1:
        sampleTypes.push(valueType(wire));
        break;
      case 2: {
        const s: RawSample = { locationIds: [], values: [], labels: undefined };
        readMessage(r, wire, (n, w) => {
          if (n === 1) readRepeated(r, w, s.locationIds, false);
          else if (n === 2) readRepeated(r, w, s.values, true);
          else if (n === 3) {
            const l = { key: 0, str: 0, num: 0, unit: 0 };
            readMessage(r, w, (ln, lw) => {
              if (ln === 1) l.key = readInt64(r, lw);
              else if (ln === 2) l.str = readInt64(r, lw);
              else if (ln === 3) l.num = readInt64(r, lw);
              else if (ln === 4) l.unit = readInt64(r, lw);
              else return false;
              return true;
            });
            (s.labels ??= []).push(l);
          } else return false;
          return true;
        });
        samples.push(s);
        break;
      }
      case 3: {
        const m: RawMapping = { id: 0, start: 0, limit: 0, offset: 0, filename: 0, buildId: 0 };
        readMessage(r, wire, (n, w) => {
          switch (n) {
            case 1: m.id = readUint64(r, w); break;
            case 2: m.start = readUint64(r, w); break;
            case 3: m.limit = readUint64(r, w); break;
            case 4: m.offset = readUint64(r, w); break;
            case 5: m.filename = readInt64(r, w); break;
            case 6: m.buildId = readInt64(r, w); break;
            case 7: case 8: case 9: case 10: readUint64(r, w); break;
            default: return false;
          }
          return true;
        });
        mappings.push(m);
        break;
      }
      case 4: {
        const l: RawLocation = { id: 0, mappingId: 0, address: 0, lines: [] };
        readMessage(r, wire, (n, w) => {
          switch (n) {
            case 1: l.id = readUint64(r, w); break;
            case 2: l.mappingId = readUint64(r, w); break;
            case 3: l.address = readUint64(r, w); break;
            case 4: {
              const line = { functionId: 0, line: 0 };
              readMessage(r, w, (ln, lw) => {
                if (ln === 1) line.functionId = readUint64(r, lw);
                else if (ln === 2) line.line = readInt64(r, lw);
                else return false;
                return true;
              });
              l.lines.push(line);
              break;
            }
            case 5: readUint64(r, w); break;
            default: return false;
          }
          return true;
        });
        locations.push(l);
        break;
      }
      case 5: {
        const f: RawFunction = { id: 0, name: 0, systemName: 0, filename: 0, startLine: 0 };
        readMessage(r, wire, (n, w) => {
          switch (n) {
            case 1: f.id = readUint64(r, w); break;
            case 2: f.name = readInt64(r, w); break;
            case 3: f.systemName = readInt64(r, w); break;
            case 4: f.filename = readInt64(r, w); break;
            case 5: f.startLine = readInt64(r, w); break;
            default: return false;
          }
          return true;
        });
        functions.push(f);
        break;
      }
      case 6: {
        expect(r, wire, LEN);
        const n = r.length();
        strings.push(n === 0 ? '' : n < 64 && isAscii(buf, r.pos, r.pos + n) ? nodeBuf.toString('latin1', r.pos, r.pos + n) : decoder.decode(buf.subarray(r.pos, r.pos + n)));
        r.pos += n;
        if (strings[0] !== '') throw new MalformedError("string_table[0] must be ''");
        break;
      }
      case 7: dropFrames = readInt64(r, wire); break;
      case 8: keepFrames = readInt64(r, wire); break;
      case 9:
        // pprof treats a second time_nanos as concatenated profiles and stops there.
        if (timeNanos !== 0) throw new MalformedError('concatenated profiles detected');
        timeNanos = readInt64(r, wire);
        break;
      case 10: durationNanos = readInt64(r, wire); break;
      case 11: periodType = valueType(wire); break;
      case 12: period = readInt64(r, wire); break;
      case 13: readRepeated(r, wire, comments, true); break;
      case 14: defaultSampleType = readInt64(r, wire); break;
      default:
        r.skip(wire);
    }
  }

  const str = (i: number): string => {
    if (i < 0 || i >= strings.length || !Number.isInteger(i)) throw new MalformedError('string index out of range');
    return strings[i];
  };

  const mappingById = new Map<number, Mapping>();
  const outMappings = mappings.map((m) => {
    const mm: Mapping = { id: m.id, start: m.start, limit: m.limit, offset: m.offset, file: str(m.filename), buildId: str(m.buildId) };
    mappingById.set(m.id, mm);
    return mm;
  });
  const functionById = new Map<number, Func>();
  const outFunctions = functions.map((f) => {
    const ff: Func = { id: f.id, name: str(f.name), systemName: str(f.systemName), filename: str(f.filename), startLine: f.startLine };
    functionById.set(f.id, ff);
    return ff;
  });
  const locationById = new Map<number, Location>();
  const outLocations = locations.map((l) => {
    const lines: Line[] = new Array(l.lines.length);
    for (let i = 0; i < l.lines.length; i++) {
      const fn = l.lines[i].functionId === 0 ? undefined : functionById.get(l.lines[i].functionId);
      lines[i] = { func: fn as Func, line: l.lines[i].line };
    }
    const loc: Location = { id: l.id, mapping: mappingById.get(l.mappingId), address: l.address, lines };
    locationById.set(l.id, loc);
    return loc;
  });
  const outSampleTypes: ValueType[] = sampleTypes.map((t) => ({ type: str(t.type), unit: str(t.unit) }));
  const outSamples: Sample[] = new Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i];
    let labels: Record<string, string[]> | undefined;
    let numLabels: Record<string, number[]> | undefined;
    if (s.labels) {
      for (const l of s.labels) {
        const k = str(l.key);
        if (l.str !== 0) ((labels ??= {})[k] ??= []).push(str(l.str));
        else if (l.num !== 0 || l.unit !== 0) {
          if (l.unit !== 0) str(l.unit);
          ((numLabels ??= {})[k] ??= []).push(l.num);
        }
      }
    }
    const locs: Location[] = new Array(s.locationIds.length);
    for (let j = 0; j < locs.length; j++) locs[j] = locationById.get(s.locationIds[j]) as Location;
    outSamples[i] = { locations: locs, values: s.values, labels, numLabels };
  }
  const pt = periodType ?? { type: 0, unit: 0 };
  return {
    sampleTypes: outSampleTypes,
    defaultSampleType: str(defaultSampleType),
    periodType: { type: str(pt.type), unit: str(pt.unit) },
    period,
    timeNanos,
    durationNanos,
    dropFrames: str(dropFrames),
    keepFrames: str(keepFrames),
    comments: comments.map(str),
    mappings: outMappings,
    functions: outFunctions,
    locations: outLocations,
    samples: outSamples,
  };
}

function isAscii(buf: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] > 0x7f) return false;
  return true;
}

/** pprof's Profile.CheckValid: the message for the first problem, or undefined. */
export function checkValid(p: Profile): string | undefined {
  const n = p.sampleTypes.length;
  if (n === 0 && p.samples.length !== 0) return 'missing sample type information';
  for (const s of p.samples) {
    if (s.values.length !== n) return `mismatch: sample has ${s.values.length} values vs. ${n} types`;
    for (const l of s.locations) if (l === undefined) return 'sample has nil location';
  }
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
