import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture, sharedFixtures } from '../../test/helpers/shared.js';
import { grafanaAuthorized, alertmanagerAuthorized } from '../server/alerts.js';
import { createHmac } from 'node:crypto';
import { parseAlerts } from './alerts.js';

describe.skipIf(!sharedFixtures)('alert payloads from real senders', () => {
  const files = sharedFixtures ? ['alertmanager', 'grafana'].flatMap((d) => readdirSync(fixture('alerts', d)).map((f) => fixture('alerts', d, f))) : [];
  it.each(files)('%s parses, with a fingerprint and a status for every alert', (file) => {
    const r = parseAlerts(readFileSync(file, 'utf8'));
    if (!r.ok) throw new Error(r.error);
    expect(r.value.length).toBeGreaterThan(0);
    for (const a of r.value) {
      expect(a.fingerprint).toMatch(/^[0-9a-f]{16}$/);
      expect(['firing', 'resolved']).toContain(a.status);
      expect(a.endsAt).toBeUndefined();
    }
  });

  it('an older Alertmanager without fingerprints: one per distinct label set, stable', () => {
    const text = readFileSync(fixture('alerts/alertmanager/msteams_large_prom_post_request.json'), 'utf8');
    const a = parseAlerts(text);
    const b = parseAlerts(text);
    if (!a.ok || !b.ok) throw new Error('parse');
    expect(a.value.map((x) => x.fingerprint)).toEqual(b.value.map((x) => x.fingerprint));
    expect(new Set(a.value.map((x) => x.fingerprint)).size).toBe(a.value.length);
  });
});

describe('alert payloads and their checks', () => {
  it.each([
    ['not json', 'the body is not JSON'],
    ['{"status":"firing"}', 'alerts: '],
    ['{"status":"firing","alerts":[{"labels":{},"startsAt":"yesterday"}]}', 'alerts.0.startsAt: expected a date'],
  ])('a malformed body gets one line: %s', (body, message) => {
    const r = parseAlerts(body);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.startsWith(message), r.error).toBe(true);
  });

  it('Alertmanager: the bearer token or basic auth, nothing else', () => {
    const env = { ALERTMANAGER_TOKEN: 't0ken', ALERTMANAGER_BASIC_AUTH: 'am:pw' };
    expect(alertmanagerAuthorized(env, 'Bearer t0ken')).toBe(true);
    expect(alertmanagerAuthorized(env, `Basic ${Buffer.from('am:pw').toString('base64')}`)).toBe(true);
    expect(alertmanagerAuthorized(env, 'Bearer t0ke')).toBe(false);
    expect(alertmanagerAuthorized(env, undefined)).toBe(false);
    expect(alertmanagerAuthorized({ ALERTMANAGER_TOKEN: undefined, ALERTMANAGER_BASIC_AUTH: undefined }, 'Bearer ')).toBe(false);
  });

  it('Grafana: HMAC-SHA256 over timestamp:body, within five minutes', () => {
    const body = Buffer.from('{"status":"firing","alerts":[]}');
    const now = Date.now();
    const ts = String(Math.floor(now / 1000));
    const sig = createHmac('sha256', 's3cret').update(`${ts}:${body}`).digest('hex');
    expect(grafanaAuthorized('s3cret', body, sig, ts, now)).toBe(true);
    expect(grafanaAuthorized('s3cret', body, sig, ts, now + 6 * 60_000)).toBe(false);
    expect(grafanaAuthorized('s3cret', Buffer.from(`${body} `), sig, ts, now)).toBe(false);
    expect(grafanaAuthorized('s3cret', body, sig, undefined, now)).toBe(false);
  });
});
