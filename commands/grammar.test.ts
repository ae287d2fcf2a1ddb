import { describe, expect, it } from 'vitest';
import { parseRegistry } from '../src/config/registry.js';
import { checkService, commandText, parseCommand } from './grammar.js';

const ok = (text: string) => {
  const r = parseCommand(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};
const fail = (text: string) => {
  const r = parseCommand(text);
  if (r.ok) throw new Error(`expected an error for ${text}`);
  return r.error;
};

describe('the /rca grammar', () => {
  it('reads a diagnosis with a window and profiles, in any order', () => {
    expect(ok('order-api')).toEqual({ kind: 'diagnose', service: 'order-api' });
    expect(ok('/rca order-api 30s cpu,heap')).toEqual({ kind: 'diagnose', service: 'order-api', seconds: 30, profiles: ['cpu', 'heap'] });
    expect(ok('order-api block 2m')).toEqual({ kind: 'diagnose', service: 'order-api', seconds: 120, profiles: ['block'] });
    expect(ok('Order-API 15')).toEqual({ kind: 'diagnose', service: 'order-api', seconds: 15 });
  });

  it('reads the other commands', () => {
    expect(ok('')).toEqual({ kind: 'help' });
    expect(ok('help')).toEqual({ kind: 'help' });
    expect(ok('services')).toEqual({ kind: 'services' });
    expect(ok('status')).toEqual({ kind: 'status' });
    expect(ok('status job-42')).toEqual({ kind: 'status', job: 'job-42' });
  });

  it('Feishu mentions and the /rca prefix go through the same parser', () => {
    expect(commandText('@_user_1 /rca order-api  10s')).toBe('order-api 10s');
    expect(ok('@_user_1 /rca order-api')).toEqual({ kind: 'diagnose', service: 'order-api' });
  });

  it('says what is wrong and what would work', () => {
    expect(fail('order-api 90x')).toBe('"90x" is not a duration; use seconds like 30s (1 to 300)');
    expect(fail('order-api 0s')).toBe('0s is out of range; use 1s to 300s');
    expect(fail('order-api 10m')).toBe('10m is out of range; use 1s to 300s');
    expect(fail('order-api cpu,heep')).toBe('unknown profile "heep"; choose from cpu, heap, block, mutex, goroutine');
    expect(fail('order-api 10s 20s')).toBe('give one duration');
    expect(fail('order-api please')).toMatch(/^did not understand "please"; usage:/);
    expect(fail('ord$er')).toBe('"ord$er" is not a service name; try `/rca services`');
  });

  it('an unknown service lists the close names, or all of them', () => {
    const reg = parseRegistry('services:\n  order-api: {pprof: "http://a:1"}\n  orders-db: {pprof: "http://b:1"}\n  billing: {pprof: "http://c:1"}\n', 'x');
    if (!reg.ok) throw new Error(reg.error);
    expect(checkService(ok('order'), reg.value)).toEqual({ ok: false, error: 'unknown service "order"; did you mean `order-api`, `orders-db`?' });
    expect(checkService(ok('inventory'), reg.value)).toEqual({ ok: false, error: 'unknown service "inventory"; known services: `order-api`, `orders-db`, `billing`' });
    expect(checkService(ok('billing'), reg.value).ok).toBe(true);
  });
});

describe('--at and --since: a past window from the continuous profiler', () => {
  const now = new Date('2026-12-06T14:30:00Z');
  const at = (text: string) => parseCommand(text, now);
  const win = (start: string, end: string) => ({ start: Date.parse(start), end: Date.parse(end) });

  it('reads a time of day (UTC unless it says), a date and time, or a duration up to now', () => {
    expect(at('order-api --at 14:05')).toEqual({ ok: true, value: { kind: 'diagnose', service: 'order-api', past: win('2026-12-06T14:00:00Z', '2026-12-06T14:10:00Z') } });
    // The ten minutes around it; near now, the ten minutes up to now.
    expect(at('order-api --at 14:28')).toEqual({ ok: true, value: { kind: 'diagnose', service: 'order-api', past: win('2026-12-06T14:20:00Z', '2026-12-06T14:30:00Z') } });
    expect(at('order-api --at 22:05+08:00 2m')).toEqual({ ok: true, value: { kind: 'diagnose', service: 'order-api', past: win('2026-12-06T14:04:00Z', '2026-12-06T14:06:00Z') } });
    expect(at('order-api --at=2026-12-05T09:00:30Z 30s')).toEqual({ ok: true, value: { kind: 'diagnose', service: 'order-api', past: win('2026-12-05T09:00:15Z', '2026-12-05T09:00:45Z') } });
    // A minute ahead (a fast clock) is now; near now the window is its whole width up to now.
    expect(at('order-api --at 14:31 10s')).toEqual({ ok: true, value: { kind: 'diagnose', service: 'order-api', past: win('2026-12-06T14:29:50Z', '2026-12-06T14:30:00Z') } });
    // A clock time still to come today is yesterday's.
    expect(at('order-api --at 23:50')).toEqual({ ok: true, value: { kind: 'diagnose', service: 'order-api', past: win('2026-12-05T23:45:00Z', '2026-12-05T23:55:00Z') } });
    expect(at('order-api --since 30m')).toEqual({ ok: true, value: { kind: 'diagnose', service: 'order-api', past: win('2026-12-06T14:00:00Z', '2026-12-06T14:30:00Z') } });
    // A phone's keyboard makes -- a dash.
    expect(at('order-api —since 1h')).toEqual({ ok: true, value: { kind: 'diagnose', service: 'order-api', past: win('2026-12-06T13:30:00Z', '2026-12-06T14:30:00Z') } });
  });

  it('says what is wrong in one line', () => {
    const error = (text: string) => {
      const r = at(text);
      return r.ok ? 'parsed' : r.error;
    };
    expect(error('order-api --at')).toBe('--at needs a value: --at 14:05');
    expect(error('order-api --at 25:00')).toBe('"25:00" is not a time of day; use 14:05 (UTC), 14:05+08:00 or 2026-12-06T14:05Z');
    expect(error('order-api --at noon')).toBe('"noon" is not a time; use 14:05 (UTC), 14:05+08:00 or 2026-12-06T14:05Z');
    expect(error('order-api --at 2026-12-07T10:00Z')).toBe('2026-12-07T10:00Z is still to come; --at reads the past');
    expect(error('order-api --at 2026-11-01T10:00Z')).toBe('2026-11-01T10:00Z is more than 7 days ago');
    expect(error('order-api --at 14:05 5s')).toBe('5s is no window to read around --at; use 10s to 6h');
    expect(error('order-api --since 30s')).toBe('--since 30s is out of range; use 1m to 7d');
    expect(error('order-api --since 30m --at 14:00')).toBe('give one of --at and --since, once');
    expect(error('order-api --since 30m 10s')).toBe("--at and --since read the profiler's window: give no capture duration or profile list with them (--at takes a width: --at 14:05 2m)");
    expect(error('order-api --until 14:00')).toBe('unknown option "--until"; the options are --at <time> and --since <duration>');
    expect(error('order-api --at 14:05+25:00')).toBe('"14:05+25:00" is not a time; use 14:05 (UTC), 14:05+08:00 or 2026-12-06T14:05Z');
  });

  it('needs a continuous profiler in the registry, and says what to add', () => {
    const reg = parseRegistry('services:\n  order-api: {pprof: "http://a:1"}\n  billing:\n    pprof: "http://b:1"\n    profiles: {type: parca, url: "http://parca:7070", selector: "{job=\\"billing\\"}"}\n', 'x');
    if (!reg.ok) throw new Error(reg.error);
    const cmd = (text: string) => {
      const r = at(text);
      if (!r.ok) throw new Error(r.error);
      return r.value;
    };
    expect(checkService(cmd('billing --since 1h'), reg.value).ok).toBe(true);
    expect(checkService(cmd('order-api --since 1h'), reg.value)).toEqual({
      ok: false,
      error: 'order-api has no continuous profiler in the registry: --at and --since read its past from one (add `profiles: {type: parca, url: …, selector: \'{job="order-api"}\'}` or Pyroscope)',
    });
  });
});
