// Saved reports behind their permalinks (GET /reports/<id>). The id is the
// only way in: 128 random bits, nothing lists them, and each expires. A
// report and its flame graphs are one gzipped JSON value under one key, so a
// page is whole or absent, never half there.
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { Redis } from 'ioredis';
import type { Report } from '../model.js';
import type { FlamePage } from './flames.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export const DEFAULT_REPORT_TTL_SECONDS = 30 * 24 * 3600;

/** 16 random bytes in base64url: 22 characters, no padding. */
const ID = /^[A-Za-z0-9_-]{22}$/;

export function isReportId(s: string): boolean {
  return ID.test(s);
}

export interface SavedReport {
  report: Report;
  flames: FlamePage[];
  /** ISO 8601. */
  savedAt: string;
  expiresAt: string;
}

export interface ReportStoreOptions {
  /** How long a saved report stays reachable; 30 days by default. */
  ttlSeconds?: number;
}

export class ReportStore {
  readonly ttlSeconds: number;

  constructor(
    private readonly redis: Redis,
    /** Every key goes under it, e.g. "rca:reports". */
    private readonly prefix: string,
    options: ReportStoreOptions = {},
  ) {
    this.ttlSeconds = options.ttlSeconds ?? DEFAULT_REPORT_TTL_SECONDS;
    if (!Number.isInteger(this.ttlSeconds) || this.ttlSeconds <= 0) throw new Error(`report TTL must be a positive whole number of seconds, not ${this.ttlSeconds}`);
  }

  private key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  /**
   * Saves a report and its flame graphs; returns the new id. With `job`, a
   * second save for the same job (a retried step) reuses the first one's id,
   * so a link already posted keeps working.
   */
  async save(report: Report, flames: FlamePage[], options: { job?: string } = {}): Promise<string> {
    let id = randomBytes(16).toString('base64url');
    if (options.job !== undefined) {
      const jobKey = this.key('job', options.job);
      if ((await this.redis.set(jobKey, id, 'EX', this.ttlSeconds, 'NX')) !== 'OK') id = (await this.redis.get(jobKey)) ?? id;
    }
    const now = Date.now();
    const saved: SavedReport = { report, flames, savedAt: new Date(now).toISOString(), expiresAt: new Date(now + this.ttlSeconds * 1000).toISOString() };
    const value = await gzipAsync(JSON.stringify(saved));
    await this.redis.set(this.key(id), value, 'EX', this.ttlSeconds);
    return id;
  }

  /** The saved report, or undefined when the id is unknown, expired or not an id at all. */
  async load(id: string): Promise<SavedReport | undefined> {
    if (!isReportId(id)) return undefined;
    const value = await this.redis.getBuffer(this.key(id));
    if (!value) return undefined;
    return JSON.parse((await gunzipAsync(value)).toString('utf8')) as SavedReport;
  }
}
