// The text form of an event, exactly as x/exp/trace's Event.String() prints it,
// so our reader's dump can be compared with Go's line for line.
import {
  Kind,
  NoTask,
  experimental,
  frames,
  goStateNames,
  kindNames,
  kindOf,
  log,
  metric,
  procStateNames,
  range,
  region,
  stackId,
  task,
  transition,
  type TraceEvent,
} from './event.js';
import type { EvTable } from './generation.js';
import { Ev } from './spec.js';
import { escapedByte } from './text.js';

const isPrint = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');

/** strconv.Quote, invalid bytes (see text.ts) included. */
export function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const raw = escapedByte(ch);
    if (raw >= 0) out += '\\x' + hex(raw, 2);
    else if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (c < 0x80 ? c >= 0x20 && c < 0x7f : isPrint.test(ch)) out += ch;
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c === 11) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + hex(c, 2);
    else if (c < 0x10000) out += '\\u' + hex(c, 4);
    else out += '\\U' + hex(c, 8);
  }
  return out + '"';
}

/** A TaskID as Go's %d prints a uint64. */
const taskId = (t: number) => (t === NoTask ? '18446744073709551615' : String(t));
const uint64Value = (v: number | bigint) => `Value{Uint64(${v})}`;

function printStack(out: string[], prefix: string, table: EvTable | null, id: number) {
  for (const f of frames(table, id)) out.push(`${prefix}${f.func} @ 0x${f.pc.toString(16)}\n${prefix}\t${f.file}:${f.line}\n`);
}

/** time.Unix(sec, nsec).Format(time.RFC3339Nano) in UTC. */
export function rfc3339Nano(sec: number, nsec: number): string {
  const total = BigInt(sec) * 1_000_000_000n + BigInt(nsec);
  let s = total / 1_000_000_000n;
  let ns = total % 1_000_000_000n;
  if (ns < 0n) {
    ns += 1_000_000_000n;
    s -= 1n;
  }
  const d = new Date(Number(s) * 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const frac = ns === 0n ? '' : '.' + String(ns).padStart(9, '0').replace(/0+$/, '');
  return `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}${frac}Z`;
}

/** Event.String(). */
export function eventString(e: TraceEvent): string {
  const out: string[] = [`M=${e.m} P=${e.p} G=${e.g} ${kindNames[kindOf(e)]} Time=${e.time}`];
  switch (kindOf(e)) {
    case Kind.Metric: {
      const m = metric(e);
      out.push(` Name=${quote(m.name)} Value=${uint64Value(e.table?.exact.get(e) ?? m.value)}`);
      break;
    }
    case Kind.Label:
      out.push(` Label=${quote(e.table?.string(e.a0) ?? '')} Resource=Goroutine(${e.g})`);
      break;
    case Kind.RangeBegin:
    case Kind.RangeActive:
    case Kind.RangeEnd: {
      const r = range(e);
      const scope = r.scope === 'none' ? 'None' : `${r.scope === 'proc' ? 'Proc' : 'Goroutine'}(${r.id})`;
      out.push(` Name=${quote(r.name)} Scope=${scope}`);
      if (kindOf(e) === Kind.RangeEnd) {
        const attrs = e.typ === Ev.GCSweepEnd ? `"bytes swept"=${uint64Value(e.a0)} "bytes reclaimed"=${uint64Value(e.a1)}` : '';
        out.push(` Attributes=[${attrs}]`);
      }
      break;
    }
    case Kind.TaskBegin:
    case Kind.TaskEnd: {
      const t = task(e);
      out.push(` ID=${taskId(t.id)} Parent=${taskId(t.parent)} Type=${quote(t.type)}`);
      break;
    }
    case Kind.RegionBegin:
    case Kind.RegionEnd: {
      const r = region(e);
      out.push(` Task=${taskId(r.task)} Type=${quote(r.type)}`);
      break;
    }
    case Kind.Log: {
      const l = log(e);
      out.push(` Task=${taskId(l.task)} Category=${quote(l.category)} Message=${quote(l.message)}`);
      break;
    }
    case Kind.StateTransition: {
      const s = transition(e);
      const names = s.resource === 'goroutine' ? goStateNames : procStateNames;
      out.push(` ${s.resource === 'goroutine' ? 'GoID' : 'ProcID'}=${s.id} ${names[s.from] ?? 'Bad'}->${names[s.to] ?? 'Bad'}`);
      out.push(` Reason=${quote(s.reason)}`);
      if (s.stack !== null) {
        out.push('\nTransitionStack=\n');
        printStack(out, '\t', e.table, s.stack);
      }
      break;
    }
    case Kind.Experimental: {
      const x = experimental(e);
      out.push(` Name=${x.name} Args=[${x.args.map((a, i) => `${a}=${uint64Value(x.values[i])}`).join(', ')}]`);
      break;
    }
    case Kind.Sync: {
      out.push(` N=${e.a0}`);
      const t = e.table;
      if (t?.hasClockSnapshot) out.push(` Trace=${t.mul(t.snapTime)} Mono=${t.snapMono} Wall=${rfc3339Nano(t.snapWallSec, t.snapWallNsec)}`);
      break;
    }
  }
  const stk = stackId(e);
  if (stk !== 0) {
    out.push('\nStack=\n');
    printStack(out, '\t', e.table, stk);
  }
  return out.join('');
}
