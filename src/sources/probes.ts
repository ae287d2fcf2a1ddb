// Verification probes: the registry's health endpoints, asked during the
// capture window. A probe whose answer is not what a healthy service says is
// evidence, quoted verbatim.

import { setTimeout as sleep } from 'node:timers/promises';
import type { ProbeConfig } from '../config/registry.js';
import type { FindingKind } from '../model.js';
import { get } from './http.js';

export interface ProbeResult {
  name: string;
  url: string;
  ok: boolean;
  /** HTTP status, when there was an answer. */
  status?: number;
  /** The answer's body (first 500 characters), verbatim. */
  body?: string;
  /** Why it failed, in one line. */
  reason?: string;
  indicates?: FindingKind;
}

/** True when `actual` has every field of `expected` with the same value (recursively). */
export function matches(expected: unknown, actual: unknown): boolean {
  if (expected === null || typeof expected !== 'object') return expected === actual;
  if (actual === null || typeof actual !== 'object') return false;
  if (Array.isArray(expected)) return Array.isArray(actual) && expected.length === actual.length && expected.every((e, i) => matches(e, actual[i]));
  return Object.entries(expected).every(([k, v]) => matches(v, (actual as Record<string, unknown>)[k]));
}

export async function runProbe(probe: ProbeConfig, signal?: AbortSignal): Promise<ProbeResult> {
  const base = { name: probe.name, url: probe.url, indicates: probe.indicates };
  const res = await get(probe.url, { timeoutMs: 5000, maxBytes: 1 << 20, signal });
  if (!res.ok) return { ...base, ok: false, reason: res.error };
  const body = res.value.body.toString('utf8');
  const shown = body.length > 500 ? `${body.slice(0, 500)}…` : body.trim();
  const out = { ...base, status: res.value.status, body: shown };
  const wantStatus = probe.expect.status ?? (probe.expect.json ? undefined : 200);
  if (wantStatus !== undefined && res.value.status !== wantStatus) return { ...out, ok: false, reason: `HTTP ${res.value.status}, expected ${wantStatus}` };
  if (probe.expect.json) {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return { ...out, ok: false, reason: 'the answer is not JSON' };
    }
    if (!matches(probe.expect.json, json)) return { ...out, ok: false, reason: `expected ${JSON.stringify(probe.expect.json)}` };
  }
  return { ...out, ok: true };
}

/**
 * Asks every probe at the start of the window and again near its end; a
 * probe counts as failing when either answer fails (the failing one is kept).
 */
export async function runProbes(probes: ProbeConfig[], seconds: number, signal?: AbortSignal): Promise<ProbeResult[]> {
  if (probes.length === 0) return [];
  const first = Promise.all(probes.map((p) => runProbe(p, signal)));
  // Cancelled with the diagnosis, the wait ends at once and the second round finds the signal aborted.
  const later = sleep(Math.max(0, seconds * 1000 - 1000), undefined, signal ? { signal } : undefined)
    .catch(() => undefined)
    .then(() => Promise.all(probes.map((p) => runProbe(p, signal))));
  const [a, b] = await Promise.all([first, later]);
  return a.map((r, i) => (r.ok ? b[i] : r));
}
