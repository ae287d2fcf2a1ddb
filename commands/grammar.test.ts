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
