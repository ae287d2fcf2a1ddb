import { describe, expect, it } from 'vitest';
import { isCounter, parseExposition, pick } from './exposition.js';

describe('the text exposition format', () => {
  it('reads samples with labels, escapes, exponents, special values and timestamps; a line that is no sample is skipped and counted', () => {
    const e = parseExposition(
      [
        '# HELP http_requests_total The total number of HTTP requests.',
        '# TYPE http_requests_total counter',
        'http_requests_total{method="post",code="200"} 1027 1395066363000',
        'http_requests_total{method="post",code="400"}    3 1395066363000',
        'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
        'metric_without_timestamp_and_labels 12.47',
        'something_weird{problem="division by zero"} +Inf -3982045',
        'not a sample at all',
        'broken{label="unterminated} 1',
      ].join('\n'),
    );
    expect(e.skipped).toBe(2);
    expect(e.samples).toHaveLength(5);
    expect(e.samples[2]).toEqual({ name: 'msdos_file_access_time_seconds', labels: { path: 'C:\\DIR\\FILE.TXT', error: 'Cannot find file:\n"FILE.TXT"' }, value: 1.458255915e9 });
    expect(e.samples[4].value).toBe(Infinity);
    expect(pick(e, 'http_requests_total')).toBe(1030);
    expect(pick(e, 'http_requests_total', { code: '400' })).toBe(3);
    expect(pick(e, 'http_requests_total', { code: '500' })).toBeUndefined();
    expect(isCounter('http_requests_total', e.types)).toBe(true);
    expect(isCounter('metric_without_timestamp_and_labels', e.types)).toBe(false);
  });

  it("knows a histogram's _count and _sum count up and its buckets' family is no gauge", () => {
    const types = parseExposition('# TYPE rpc_duration_seconds histogram\n# TYPE queue_depth gauge\n').types;
    expect(isCounter('rpc_duration_seconds_count', types)).toBe(true);
    expect(isCounter('rpc_duration_seconds_sum', types)).toBe(true);
    expect(isCounter('queue_depth', types)).toBe(false);
    // Undeclared, a _total name is a counter by convention.
    expect(isCounter('undeclared_total', types)).toBe(true);
  });
});
