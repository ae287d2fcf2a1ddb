// Reading a trace's bytes: a source that is either a whole buffer or a file read
// in chunks (so a large trace never sits in memory whole), uvarints as Go's
// encoding/binary reads them, and the batch framing of go1.22+ traces.
import { closeSync, openSync, readSync } from 'node:fs';
import { Ev, MaxBatchSize } from './spec.js';

/** A broken or unreadable trace: the message is Go's where Go has one. */
export class TraceError extends Error {}

export interface ByteSource {
  /** The next byte, or -1 at the end. */
  readByte(): number;
  /** Up to n bytes; fewer only at the end. The bytes stay valid after later reads. */
  read(n: number): Uint8Array;
  /** Bytes consumed so far. */
  readonly offset: number;
  close(): void;
}

export class BufferSource implements ByteSource {
  private pos: number;
  constructor(
    private buf: Uint8Array,
    start = 0,
  ) {
    this.pos = start;
  }
  get offset() {
    return this.pos;
  }
  readByte() {
    return this.pos < this.buf.length ? this.buf[this.pos++] : -1;
  }
  read(n: number) {
    const out = this.buf.subarray(this.pos, Math.min(this.pos + n, this.buf.length));
    this.pos += out.length;
    return out;
  }
  close() {}
}

/** A file read 1 MiB at a time. */
export class FileSource implements ByteSource {
  private fd: number;
  private buf = Buffer.allocUnsafe(1 << 20);
  private pos = 0;
  private end = 0;
  private consumed = 0;
  private eof = false;
  constructor(path: string) {
    this.fd = openSync(path, 'r');
  }
  get offset() {
    return this.consumed + this.pos;
  }
  private fill(): boolean {
    if (this.eof) return false;
    this.consumed += this.end;
    this.pos = 0;
    this.end = readSync(this.fd, this.buf, 0, this.buf.length, null);
    if (this.end === 0) this.eof = true;
    return this.end > 0;
  }
  readByte() {
    if (this.pos === this.end && !this.fill()) return -1;
    return this.buf[this.pos++];
  }
  read(n: number) {
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      if (this.pos === this.end && !this.fill()) break;
      const k = Math.min(n - got, this.end - this.pos);
      out.set(this.buf.subarray(this.pos, this.pos + k), got);
      this.pos += k;
      got += k;
    }
    return got === n ? out : out.subarray(0, got);
  }
  close() {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

export const EOF = 'EOF';
const UNEXPECTED_EOF = 'unexpected EOF';
const OVERFLOW = 'binary: varint overflows a 64-bit integer';

/**
 * A varint of 8 bytes or more, exactly: the runtime writes "none" (NoThread,
 * NoProc) as ^uint64(0), which Go reads back as int64 -1. Values at or above
 * 2^63 are taken as int64 the same way; below that they are exact up to 2^53,
 * which every count, id and timestamp stays under.
 */
function wide(bytes: number[]): number {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 7n) | BigInt(bytes[i] & 0x7f);
  return Number(BigInt.asIntN(64, v));
}

/** binary.ReadUvarint. Throws TraceError with Go's message. */
export function readUvarint(src: ByteSource): number {
  let x = 0;
  let mul = 1;
  const seen: number[] = [];
  for (let i = 0; i < 10; i++) {
    const b = src.readByte();
    if (b < 0) throw new TraceError(i > 0 ? UNEXPECTED_EOF : EOF);
    seen.push(b);
    if (b < 0x80) {
      if (i === 9 && b > 1) throw new TraceError(OVERFLOW);
      return i >= 7 ? wide(seen) : x + b * mul;
    }
    x += (b & 0x7f) * mul;
    mul *= 128;
  }
  throw new TraceError(OVERFLOW);
}

/**
 * binary.Uvarint on a buffer: the value, with the bytes read left in
 * `uv.len` (0 when the buffer ends first, negative on overflow). No tuple
 * is made: this runs for every argument of every event.
 */
export const uv = { len: 0 };

export function uvarintAt(buf: Uint8Array, pos: number): number {
  let b = buf[pos];
  if (b < 0x80 && pos < buf.length) {
    uv.len = 1;
    return b;
  }
  let x = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= buf.length) {
      uv.len = 0;
      return 0;
    }
    b = buf[pos + i];
    if (b < 0x80) {
      if (i === 9 && b > 1) {
        uv.len = -(i + 1);
        return 0;
      }
      uv.len = i + 1;
      return i >= 7 ? wide(Array.from(buf.subarray(pos, pos + i + 1))) : x + b * mul;
    }
    x += (b & 0x7f) * mul;
    mul *= 128;
  }
  uv.len = -11;
  return 0;
}

/** The exact uint64 of a valid uvarint at buf[pos], for the few values past 2^53 that are printed. */
export function uvarintBigAt(buf: Uint8Array, pos: number): bigint {
  let v = 0n;
  let shift = 0n;
  for (let i = pos; i < buf.length; i++, shift += 7n) {
    v |= BigInt(buf[i] & 0x7f) << shift;
    if (buf[i] < 0x80) break;
  }
  return BigInt.asUintN(64, v);
}

export interface Batch {
  m: number;
  /** The batch's base timestamp, in ticks. */
  time: number;
  data: Uint8Array;
  /** 0 for none. */
  exp: number;
}

const NoThread = -1;

function wrapped(prefix: string, f: () => number): number {
  try {
    return f();
  } catch (e) {
    throw new TraceError(`${prefix}: ${(e as Error).message}`);
  }
}

/**
 * readBatch: the next batch and its generation, or null where the stream ends
 * cleanly before a batch (io.EOF in Go).
 */
export function readBatch(src: ByteSource): { batch: Batch; gen: number } | null {
  const b = src.readByte();
  if (b < 0) return null;
  if (b === Ev.EndOfGeneration) return { batch: { m: NoThread, time: 0, exp: 0, data: Uint8Array.of(b) }, gen: 0 };
  if (b !== Ev.EventBatch && b !== Ev.ExperimentalBatch) throw new TraceError(`expected batch event, got event ${b}`);
  let exp = 0;
  if (b === Ev.ExperimentalBatch) {
    exp = src.readByte();
    // Go's readBatch returns the bare io.EOF here, which ends the trace cleanly.
    if (exp < 0) return null;
  }
  const gen = wrapped('error reading batch gen', () => readUvarint(src));
  const m = wrapped('error reading batch M ID', () => readUvarint(src));
  const time = wrapped('error reading batch timestamp', () => readUvarint(src));
  const size = wrapped('error reading batch size', () => readUvarint(src));
  if (size > MaxBatchSize) throw new TraceError(`invalid batch size ${size}, maximum is ${MaxBatchSize}`);
  const data = src.read(size);
  if (data.length !== size) throw new TraceError(`failed to read full batch: read ${data.length} but wanted ${size}`);
  return { batch: { m, time, data, exp }, gen };
}

const isKind = (b: Batch, ev: number) => b.exp === 0 && b.data.length > 0 && b.data[0] === ev;
export const isStringsBatch = (b: Batch) => isKind(b, Ev.Strings);
export const isStacksBatch = (b: Batch) => isKind(b, Ev.Stacks);
export const isCPUSamplesBatch = (b: Batch) => isKind(b, Ev.CPUSamples);
export const isEndOfGeneration = (b: Batch) => isKind(b, Ev.EndOfGeneration);
export const isSyncBatch = (b: Batch, v: number) => (v < 25 ? isKind(b, Ev.Frequency) : isKind(b, Ev.Sync));

/** A cursor over a batch's bytes for the table batches (strings, stacks, samples, sync). */
export class BatchReader {
  pos = 0;
  constructor(readonly data: Uint8Array) {}
  get left() {
    return this.data.length - this.pos;
  }
  byte(): number {
    if (this.pos >= this.data.length) throw new TraceError(EOF);
    return this.data[this.pos++];
  }
  uvarint(): number {
    const v = uvarintAt(this.data, this.pos);
    const n = uv.len;
    if (n === 0) throw new TraceError(this.pos >= this.data.length ? EOF : UNEXPECTED_EOF);
    if (n < 0) throw new TraceError(OVERFLOW);
    this.pos += n;
    return v;
  }
  bytes(n: number): Uint8Array {
    const out = this.data.subarray(this.pos, this.pos + n);
    this.pos += out.length;
    return out;
  }
}
