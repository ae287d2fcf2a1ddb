// A minimal protobuf wire reader, just what profile.proto needs. We decode
// pprof ourselves instead of with pprof-format because the CLI must stay well
// under `go tool pprof`'s time on multi-megabyte profiles: pprof-format takes
// about 370 ms to decode a 2.7 MB profile.
// pprof-format stays the reference in tests.

export class WireError extends Error {}

export class Reader {
  pos: number;
  constructor(
    public buf: Uint8Array,
    pos = 0,
    public end = buf.length,
  ) {
    this.pos = pos;
  }

  /** A varint as an unsigned 64-bit value, exact up to 2^53. */
  uint64(): number {
    return this.varint(false);
  }

  /** A varint as a two's-complement signed 64-bit value, exact up to ±2^53. */
  int64(): number {
    return this.varint(true);
  }

  private varint(signed: boolean): number {
    const buf = this.buf;
    let pos = this.pos;
    let b = buf[pos++];
    let lo = b & 0x7f;
    // Values below 2^28 (nearly all ids, indexes and counts) stay small integers,
    // which keeps V8 from falling back to boxed doubles in the hot loops.
    if (b < 0x80) return this.small(pos, lo);
    b = buf[pos++];
    lo |= (b & 0x7f) << 7;
    if (b < 0x80) return this.small(pos, lo);
    b = buf[pos++];
    lo |= (b & 0x7f) << 14;
    if (b < 0x80) return this.small(pos, lo);
    b = buf[pos++];
    lo |= (b & 0x7f) << 21;
    if (b < 0x80) return this.small(pos, lo);
    b = buf[pos++];
    lo = (lo | ((b & 0x0f) << 28)) >>> 0;
    let hi = (b & 0x7f) >> 4;
    let done = b < 0x80;
    for (let shift = 3; !done && shift < 32; shift += 7) {
      b = buf[pos++];
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) done = true;
    }
    if (!done || pos > this.end) throw new WireError('bad varint');
    this.pos = pos;
    return (signed ? hi | 0 : hi >>> 0) * 4294967296 + lo;
  }

  private small(pos: number, value: number): number {
    if (pos > this.end) throw new WireError('bad varint');
    this.pos = pos;
    return value;
  }

  /** Reads a field key; returns field number and wire type packed as [field, type]. */
  key(): number {
    return this.uint64();
  }

  /** Length of a length-delimited field; checks it fits. */
  length(): number {
    const n = this.uint64();
    if (n > this.end - this.pos) throw new WireError('too much data');
    return n;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.uint64();
        return;
      case 1:
        this.advance(8);
        return;
      case 2:
        this.advance(this.length());
        return;
      case 5:
        this.advance(4);
        return;
      default:
        throw new WireError(`unknown wire type: ${wireType}`);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw new WireError('not enough data');
    this.pos += n;
  }
}
