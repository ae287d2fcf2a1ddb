// POST /alerts/alertmanager and /alerts/grafana. Alertmanager does not sign
// its posts: a bearer token (or basic auth) is checked instead. Grafana signs
// `timestamp:body` with HMAC-SHA256; the timestamp must be within 5 minutes.
// An endpoint whose secret is not configured refuses every post.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Env } from '../config/env.js';
import { parseAlerts, type Alert } from '../incidents/alerts.js';
import { readBody, send, sendJson, type Route } from './http.js';

const MAX_BODY = 1 << 20;
const MAX_AGE_S = 300;

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

export function alertmanagerAuthorized(env: Pick<Env, 'ALERTMANAGER_TOKEN' | 'ALERTMANAGER_BASIC_AUTH'>, header: string | undefined): boolean {
  if (!header) return false;
  const [scheme, value = ''] = header.split(/\s+/, 2);
  if (/^bearer$/i.test(scheme) && env.ALERTMANAGER_TOKEN) return same(value, env.ALERTMANAGER_TOKEN);
  if (/^basic$/i.test(scheme) && env.ALERTMANAGER_BASIC_AUTH) return same(Buffer.from(value, 'base64').toString(), env.ALERTMANAGER_BASIC_AUTH);
  return false;
}

export function grafanaAuthorized(secret: string, body: Buffer, signature: string | undefined, timestamp: string | undefined, now = Date.now()): boolean {
  if (!signature || !timestamp || !/^\d{1,13}$/.test(timestamp)) return false;
  const ts = Number(timestamp);
  const ms = ts > 1e11 ? ts : ts * 1000;
  if (Math.abs(now - ms) > MAX_AGE_S * 1000) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}:`).update(body).digest('hex');
  return same(signature.replace(/^sha256=/, '').toLowerCase(), expected);
}

export type Take = (alerts: Alert[], by: 'alertmanager' | 'grafana') => Promise<void>;

const header = (req: IncomingMessage, name: string) => {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

export function alertRoutes(env: Env, take: Take, log: (line: string) => void): Route[] {
  const intake = async (req: IncomingMessage, res: Parameters<Route['handler']>[1], by: 'alertmanager' | 'grafana', check: (body: Buffer) => boolean) => {
    const body = await readBody(req, MAX_BODY);
    if (!body) return send(res, 413, `the alert body is over ${MAX_BODY} bytes\n`);
    if (!check(body)) return send(res, 401, 'unauthorized\n');
    const alerts = parseAlerts(body.toString('utf8'), env.RCA_ALERT_LABEL);
    if (!alerts.ok) return send(res, 400, `bad ${by} payload: ${alerts.error}\n`);
    try {
      await take(alerts.value, by);
    } catch (e) {
      // The sender retries a 5xx: the alert is not lost.
      log(`alert intake (${by}) failed: ${(e as Error).message.split('\n')[0]}`);
      return send(res, 503, 'the alert could not be taken now; retry\n');
    }
    sendJson(res, 200, { ok: true, alerts: alerts.value.length });
  };
  return [
    {
      method: 'POST',
      path: '/alerts/alertmanager',
      handler: (req, res) => {
        if (!env.ALERTMANAGER_TOKEN && !env.ALERTMANAGER_BASIC_AUTH) return send(res, 401, 'alert intake is off: ALERTMANAGER_TOKEN is not set\n');
        return intake(req, res, 'alertmanager', () => alertmanagerAuthorized(env, header(req, 'authorization')));
      },
    },
    {
      method: 'POST',
      path: '/alerts/grafana',
      handler: (req, res) => {
        const secret = env.GRAFANA_WEBHOOK_SECRET;
        if (!secret) return send(res, 401, 'alert intake is off: GRAFANA_WEBHOOK_SECRET is not set\n');
        return intake(req, res, 'grafana', (body) => grafanaAuthorized(secret, body, header(req, env.GRAFANA_SIGNATURE_HEADER), header(req, env.GRAFANA_TIMESTAMP_HEADER)));
      },
    },
  ];
}
