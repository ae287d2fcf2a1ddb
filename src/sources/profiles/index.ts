// Profiles from the past: a continuous profiler's merged profiles of one window, and of the same
// window a baseline earlier (a day by default), for the detectors and the diff. Each profile read
// is its bytes or one line saying why not; one failing never stops the others.

import type { PastProfileName, ProfilesConfig } from '../../config/registry.js';
import { queryParca } from './parca.js';
import { queryPyroscope } from './pyroscope.js';
import type { Query, Window } from './query.js';

export type { Window } from './query.js';

export interface PastProfile {
  name: PastProfileName;
  /** The pprof bytes, base64: it travels in a job's return value. */
  data?: string;
  error?: string;
}

export interface PastCapture {
  profiler: ProfilesConfig['type'];
  url: string;
  selector: string;
  window: { start: string; end: string };
  baseline: { start: string; end: string };
  current: PastProfile[];
  base: PastProfile[];
}

export const queries: Record<ProfilesConfig['type'], Query> = { parca: queryParca, pyroscope: queryPyroscope };
export const profilerName: Record<ProfilesConfig['type'], string> = { parca: 'Parca', pyroscope: 'Pyroscope' };

export interface PastOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  maxBytes?: number;
}

const iso = (w: Window) => ({ start: new Date(w.start).toISOString(), end: new Date(w.end).toISOString() });

/** Reads `window` and the same window `baselineS` earlier, every configured profile type, in parallel. */
export async function readPast(cfg: ProfilesConfig, window: Window, baselineS: number, options: PastOptions = {}): Promise<PastCapture> {
  const base = { start: window.start - baselineS * 1000, end: window.end - baselineS * 1000 };
  const http = { timeoutMs: options.timeoutMs ?? 30_000, maxBytes: options.maxBytes ?? 64 << 20, ...(options.signal ? { signal: options.signal } : {}) };
  const query = queries[cfg.type];
  const read = async (name: PastProfileName, w: Window): Promise<PastProfile> => {
    const r = await query(cfg, name, w, http);
    return r.ok ? { name, data: r.value.toString('base64') } : { name, error: r.error };
  };
  const [current, based] = await Promise.all([Promise.all(cfg.types.map((n) => read(n, window))), Promise.all(cfg.types.map((n) => read(n, base)))]);
  return { profiler: cfg.type, url: cfg.url, selector: cfg.selector, window: iso(window), baseline: iso(base), current, base: based };
}
