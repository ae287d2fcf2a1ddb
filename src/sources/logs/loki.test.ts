import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture, sharedFixtures } from '../../../test/helpers/shared.js';
import { Skips } from '../skips.js';
import { parseLokiResponse, spanSeconds } from './loki.js';

const streams = (result: unknown) => JSON.stringify({ status: 'success', data: { resultType: 'streams', result } });

describe('parseLokiResponse', () => {
  it('merges the streams oldest first and keeps their labels', () => {
    const r = parseLokiResponse(streams([
      { stream: { app: 'a' }, values: [['1645030247027735040', 'three'], ['1645030244091700992', 'one']] },
      { stream: { app: 'b' }, values: [['1645030246277587968', 'two', {}]] },
    ]));
    expect(r).toEqual({
      ok: true,
      value: [
        { ts: '1645030244091700992', line: 'one', labels: { app: 'a' } },
        { ts: '1645030246277587968', line: 'two', labels: { app: 'b' } },
        { ts: '1645030247027735040', line: 'three', labels: { app: 'a' } },
      ],
    });
    if (r.ok) expect(spanSeconds(r.value)).toBeCloseTo(2.936, 3);
  });

  it.each([
    ['not json', /not JSON/],
    ['[1,2]', /not a JSON object/],
    ['{"status":"error","errorType":"bad_data","error":"parse error at line 1, col 5"}', /Loki answered status "error": bad_data: parse error at line 1, col 5/],
    ['{"status":"success"}', /no "data" object/],
    ['{"status":"success","data":{"resultType":"matrix","result":[]}}', /"matrix" result, not "streams"/],
    ['{"status":"success","data":{"resultType":"streams"}}', /no "data.result" list/],
    [streams([{ stream: {} }]), /data.result\[0\] has no "values" list/],
    [streams([{ stream: {}, values: [[2, 'bad']] }]), /^data.result\[0\].values\[0\] is not a \["<nanoseconds>", "<line>"\] pair$/],
    [streams([{ stream: {}, values: [['1.5e18', 'x']] }]), /values\[0\] is not a/],
    [streams([{ stream: {}, values: [['1']] }]), /values\[0\] is not a/],
  ])('a malformed answer is one clear line: %s', (body, want) => {
    const r = parseLokiResponse(body);
    expect(r).toMatchObject({ ok: false, error: expect.stringMatching(want) });
    if (!r.ok) expect(r.error).not.toMatch(/\n/);
  });
});

describe.skipIf(!sharedFixtures)('parseLokiResponse on real answers', () => {
  it.each(['grafana_streams_simple.json', 'grafana_streams_structured_metadata.json'])('%s', (name) => {
    const r = parseLokiResponse(readFileSync(fixture('metrics', 'loki', name)));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toHaveLength(6);
    expect(r.value[0]).toEqual({ ts: '1645030244091700992', line: 'log line info 4', labels: { code: '",two', location: 'moon🌙' } });
    expect(r.value.map((e) => e.ts)).toEqual([...r.value.map((e) => e.ts)].sort());
  });

  it('an entry that is not a pair is skipped and counted; the others are read', () => {
    const skips = new Skips();
    const r = parseLokiResponse(streams([{ stream: { app: 'a' }, values: [['1', 'ok'], [2, 'bad'], ['3', 'fine']] }, { stream: {} }]), skips);
    expect(r.ok && r.value.map((e) => e.line)).toEqual(['ok', 'fine']);
    expect(skips.summary('entries')).toBe('2 entries skipped: 1 not a ["<nanoseconds>", "<line>"] pair; 1 a stream without a "values" list');
    // The same tally for a second answer (the baseline window): an empty answer is empty, not the first one's error.
    expect(parseLokiResponse(streams([]), skips)).toEqual({ ok: true, value: [] });
  });
});
