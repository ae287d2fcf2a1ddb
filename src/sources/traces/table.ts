// Span tables as CSV, the shape of the Nezha RCA dataset:
// `TraceID,SpanID,ParentID,PodName,OperationName,StartTimeUnixNano,EndTimeUnixNano,Duration`
// (ParentID `root` for a root, Duration in µs). Columns are found by name.
import { parseCsv, type CsvRecord } from '../cases/csv.js';
import { skipping, Skips } from '../skips.js';
import { fail, finishSpan, idOf } from './facts.js';
import type { Span } from './span.js';

// Kubernetes writes generated name suffixes in this alphabet (no vowels, no 0, 1, 3).
const podSuffix = /-[bcdfghjklmnpqrstvwxz2456789]{6,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/;

/** The Deployment a pod belongs to: `ts-travel-service-64469b5b48-25zj6` → `ts-travel-service`. */
export function serviceOfPod(pod: string): string {
  const stripped = pod.replace(podSuffix, '');
  return stripped === '' ? pod : stripped;
}

export function isSpanTable(text: string): boolean {
  const header = text.slice(0, text.search(/\r?\n|$/)).toLowerCase();
  return header.includes('traceid') && header.includes('spanid');
}

/** The spans of a span table; a row that cannot be read is skipped and counted in `skips`. */
export function parseSpanTable(text: string, skips = new Skips()): Span[] {
  const records = parseCsv(text);
  const header = (records[0]?.fields ?? []).map((h) => h.trim().toLowerCase());
  const col = (...names: string[]) => {
    for (const n of names) {
      const i = header.indexOf(n.toLowerCase());
      if (i >= 0) return i;
    }
    return -1;
  };
  const c = {
    trace: col('TraceID'),
    span: col('SpanID'),
    parent: col('ParentID', 'ParentSpanID'),
    service: col('ServiceName', 'Service'),
    pod: col('PodName', 'Pod'),
    operation: col('OperationName', 'Operation'),
    start: col('StartTimeUnixNano'),
    end: col('EndTimeUnixNano'),
    duration: col('Duration'),
  };
  const missing = [
    c.trace < 0 && 'TraceID',
    c.span < 0 && 'SpanID',
    c.parent < 0 && 'ParentID',
    c.service < 0 && c.pod < 0 && 'PodName',
    c.operation < 0 && 'OperationName',
    c.start < 0 && 'StartTimeUnixNano',
    c.end < 0 && c.duration < 0 && 'EndTimeUnixNano or Duration',
  ].filter(Boolean);
  if (missing.length > 0) fail(`the span table has no ${missing.join(', ')} column`);
  const out: Span[] = [];
  for (const r of records.slice(1)) {
    const span = skipping(skips, () => row(r, header.length, c));
    if (span) out.push(span);
  }
  return out;
}

type Columns = Record<'trace' | 'span' | 'parent' | 'service' | 'pod' | 'operation' | 'start' | 'end' | 'duration', number>;

function row(r: CsvRecord, width: number, c: Columns): Span {
  const f = r.fields;
  const where = `line ${r.line}`;
  if (r.broken) fail(`${where}: a quoted field is never closed`);
  if (f.length !== width) fail(`${where} has ${f.length} fields, the header has ${width}`);
  const start = nanos(f[c.start], `${where}: StartTimeUnixNano`);
  let duration: number;
  if (c.duration >= 0 && /^\d{1,15}$/.test(f[c.duration])) duration = Number(f[c.duration]);
  else {
    const end = c.end >= 0 ? nanos(f[c.end], `${where}: EndTimeUnixNano`) : fail(`${where}: Duration is not a number of microseconds`);
    duration = Math.floor(((end[0] - start[0]) * 1e9 + (end[1] - start[1])) / 1000);
    if (duration < 0) fail(`${where}: the span ends before it starts`);
  }
  const parent = f[c.parent];
  return finishSpan({
    traceId: idOf(f[c.trace], `${where}: TraceID`),
    spanId: idOf(f[c.span], `${where}: SpanID`),
    parentId: parent === '' || parent === 'root' || /^0+$/.test(parent) ? undefined : idOf(parent, `${where}: ParentID`),
    service: c.service >= 0 && f[c.service] !== '' ? f[c.service] : serviceOfPod(f[c.pod]),
    operation: f[c.operation] || 'unknown',
    start: start[0] * 1e6 + Math.floor(start[1] / 1000),
    duration,
    attributes: c.pod >= 0 ? { 'k8s.pod.name': f[c.pod] } : {},
  });
}

function nanos(v: string, what: string): [number, number] {
  if (!/^\d{1,20}$/.test(v)) fail(`${what} is not a nanosecond timestamp`);
  return v.length > 9 ? [Number(v.slice(0, -9)), Number(v.slice(-9))] : [0, Number(v)];
}
