// Writing a profile.proto, gzipped as Go's profile.Write does: for profiles we
// derive ourselves (the execution trace's latency profiles), so that
// `go tool pprof`, our own top and flame graphs all read the same file.
import { gzipSync } from 'node:zlib';

export interface ProfileFrame {
  address: number;
  func: string;
  file: string;
  line: number;
}

export interface ProfileRecord {
  /** Leaf first. */
  stack: ProfileFrame[];
  values: number[];
}

export interface ProfileSpec {
  sampleTypes: [type: string, unit: string][];
  periodType: [type: string, unit: string];
  period: number;
  records: ProfileRecord[];
}

/** A protobuf writer: what profile.proto needs, and the query requests of the profilers. */
export class Writer {
  private parts: number[] = [];
  varint(v: number) {
    // Negative int64 values are written as their two's complement (ten bytes).
    let n = v < 0 ? BigInt.asUintN(64, BigInt(v)) : BigInt(v);
    while (n >= 0x80n) {
      this.parts.push(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    this.parts.push(Number(n));
  }
  key(field: number, wire: number) {
    this.varint((field << 3) | wire);
  }
  uint(field: number, v: number) {
    if (v === 0) return;
    this.key(field, 0);
    this.varint(v);
  }
  string(field: number, s: string) {
    if (s !== '') this.bytes(field, Buffer.from(s, 'utf8'));
  }
  bytes(field: number, b: Uint8Array) {
    this.key(field, 2);
    this.varint(b.length);
    for (const x of b) this.parts.push(x);
  }
  message(field: number, build: (w: Writer) => void) {
    const w = new Writer();
    build(w);
    this.bytes(field, w.done());
  }
  packed(field: number, values: number[]) {
    if (values.length === 0) return;
    const w = new Writer();
    for (const v of values) w.varint(v);
    this.bytes(field, w.done());
  }
  done(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** The profile as gzipped profile.proto bytes. Functions are keyed by file and name, locations by address, as traceviewer.BuildProfile does. */
export function encodeProfile(spec: ProfileSpec): Buffer {
  const strings = [''];
  const index = new Map<string, number>([['', 0]]);
  const str = (s: string) => {
    let i = index.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      index.set(s, i);
    }
    return i;
  };
  const funcs = new Map<string, { id: number; name: string; file: string }>();
  const locs = new Map<number, { id: number; fn: number; line: number; address: number }>();
  const samples: { locs: number[]; values: number[] }[] = [];
  for (const rec of spec.records) {
    const ids: number[] = [];
    for (const f of rec.stack) {
      let loc = locs.get(f.address);
      if (!loc) {
        const key = f.file + f.func;
        let fn = funcs.get(key);
        if (!fn) funcs.set(key, (fn = { id: funcs.size + 1, name: f.func, file: f.file }));
        locs.set(f.address, (loc = { id: locs.size + 1, fn: fn.id, line: f.line, address: f.address }));
      }
      ids.push(loc.id);
    }
    samples.push({ locs: ids, values: rec.values });
  }
  const w = new Writer();
  for (const [type, unit] of spec.sampleTypes)
    w.message(1, (m) => {
      m.uint(1, str(type));
      m.uint(2, str(unit));
    });
  for (const s of samples)
    w.message(2, (m) => {
      m.packed(1, s.locs);
      m.packed(2, s.values);
    });
  for (const loc of locs.values())
    w.message(4, (m) => {
      m.uint(1, loc.id);
      m.uint(3, loc.address);
      m.message(4, (l) => {
        l.uint(1, loc.fn);
        l.uint(2, loc.line);
      });
    });
  for (const fn of funcs.values())
    w.message(5, (m) => {
      m.uint(1, fn.id);
      m.uint(2, str(fn.name));
      m.uint(3, str(fn.name));
      m.uint(4, str(fn.file));
    });
  const periodType = spec.periodType;
  const pt = [str(periodType[0]), str(periodType[1])];
  for (const s of strings) w.bytes(6, Buffer.from(s, 'utf8'));
  w.message(11, (m) => {
    m.uint(1, pt[0]);
    m.uint(2, pt[1]);
  });
  w.uint(12, spec.period);
  return gzipSync(w.done());
}
