// GET /metrics in Prometheus' text format, on the bot's port or one of its own.
import type { Registry } from 'prom-client';
import { send, startServer, type Route } from '../server/http.js';

export function sendMetricsRoute(registry: Registry): Route {
  return {
    method: 'GET',
    path: '/metrics',
    handler: async (_req, res) => send(res, 200, await registry.metrics(), registry.contentType),
  };
}

/** Serves only /metrics on `port`, for processes without a server of their own (workers). */
export async function serveMetrics(registry: Registry, port: number, host = '0.0.0.0') {
  return startServer([sendMetricsRoute(registry)], port, host);
}
