// The answers the tests' fakes give, built in one place so that
// test/recorded.test.ts can hold them to what the real programs answered.

/** Prometheus' query_range answer: one series, [unix seconds, "value"] pairs. */
export function prometheusMatrix(metric: Record<string, string>, values: [number, string][]) {
  return { status: 'success', data: { resultType: 'matrix', result: [{ metric, values }] } };
}
