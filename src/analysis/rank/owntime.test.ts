import { describe, expect, it } from 'vitest';
import type { Span } from '../../sources/traces/span.js';
import { callsOf } from './owntime.js';

function span(id: string, parent: string | undefined, service: string, operation: string, start: number, duration: number, trace = 't1'): Span {
  return { traceId: trace, spanId: id, ...(parent ? { parentId: parent } : {}), service, operation, start, duration, error: false, attributes: {} };
}

describe('callsOf', () => {
  it("blames the callee for the caller's wait that its spans do not cover", () => {
    const calls = callsOf([
      span('r', undefined, 'frontend', 'GET /', 0, 1000),
      span('c', 'r', 'frontend', 'Currency/Convert', 10, 900),
      span('s', 'c', 'currency', 'Convert', 800, 100),
      span('i', 's', 'currency', 'GetData', 810, 50),
    ]);
    expect(calls).toEqual([
      { service: 'frontend', operation: 'GET /', start: 0, duration: 1000, own: 100, gap: 0 },
      { service: 'currency', operation: 'Convert', start: 800, duration: 100, own: 900, gap: 800, caller: 'frontend' },
    ]);
  });

  it('counts overlapping children once, and keeps the wait on calls to several services', () => {
    const calls = callsOf([
      span('r', undefined, 'api', 'GET /', 0, 100),
      span('a', 'r', 'api', 'db', 10, 50),
      span('b', 'r', 'api', 'cache', 40, 50),
      span('x', undefined, 'api', 'POST /', 0, 100, 't2'),
      span('y', 'x', 'auth', 'check', 0, 20, 't2'),
      span('z', 'x', 'users', 'get', 30, 20, 't2'),
    ]);
    expect(calls.map((c) => [c.service, c.operation, c.own])).toEqual([
      ['api', 'GET /', 100],
      ['api', 'POST /', 60],
      ['auth', 'check', 20],
      ['users', 'get', 20],
    ]);
  });

  it('treats a span whose parent is missing as an entry', () => {
    const calls = callsOf([span('a', 'gone', 'cart', 'GetCart', 5, 40)]);
    expect(calls).toEqual([{ service: 'cart', operation: 'GetCart', start: 5, duration: 40, own: 40, gap: 0 }]);
  });
});
