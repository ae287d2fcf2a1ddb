// What the profiler clients share: one query's shape, and its refusals as one line.

import type { Result } from '../../errors.js';
import type { PastProfileName, ProfilesConfig } from '../../config/registry.js';
import type { GetOptions } from '../http.js';

/** A window of time, ms since the epoch. */
export interface Window {
  start: number;
  end: number;
}

/** One profile type over one window, merged: the pprof bytes (gzipped or not), or why not. */
export type Query = (cfg: ProfilesConfig, name: PastProfileName, window: Window, options: GetOptions) => Promise<Result<Buffer>>;

/** A non-200 answer as one line: the message of a gRPC-gateway or Connect error body, else the start of the body. */
export function answerError(who: string, status: number, body: Buffer): string {
  const text = body.toString('utf8');
  let message: string | undefined;
  let code: string | undefined;
  try {
    const parsed = JSON.parse(text) as { message?: unknown; code?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
    if (typeof parsed.code === 'string') code = parsed.code;
  } catch {
    message = text.replace(/\s+/g, ' ').trim().slice(0, 200) || undefined;
  }
  const said = message ? `: ${message.split('\n')[0]}` : '';
  return `${who} answered ${status}${code ? ` (${code})` : ''}${said}`;
}
