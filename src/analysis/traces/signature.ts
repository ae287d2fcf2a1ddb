// What makes spans "the same call": service, operation, kind, outcome (error,
// status, error type), the normalised statement or route, and what it calls. Ids in
// paths and literals in SQL are masked so that one query or route is one
// signature. The log masker (analysis/logs/mask.ts) does not fit: it folds a
// whole path into one wildcard, and route shapes are what matters here.
import type { Span } from '../../sources/traces/span.js';

export interface Signature {
  service: string;
  operation: string;
  kind?: string;
  error: boolean;
  status?: string;
  errorType?: string;
  /** Masked SQL, or the route (or method and masked path) when the operation does not say it. */
  detail?: string;
  /** The service called (peer.service). */
  peer?: string;
  /** The database or messaging system called, for client and producer spans. Their time stays with the caller: it is the caller's own database or queue. */
  system?: string;
}

/** The signature without its outcome: a call, whether it failed or not. */
export const callKey = (g: Signature) => `${g.service}\u0000${g.operation}\u0000${g.kind ?? ''}\u0000${g.detail ?? ''}\u0000${g.peer ?? ''}\u0000${g.system ?? ''}`;

/** Who a span's own time is charged to: the peer for a call out, else the span's service. */
export const blame = (g: Signature) => ((g.kind === 'client' || g.kind === 'producer') && g.peer ? g.peer : g.service);

const CACHE_MAX = 50_000;

/**
 * Signs spans. Strings are interned to small numbers so that a signature's key
 * is short, and masking results are cached, which keeps 100,000 spans cheap.
 */
export class Signer {
  private readonly ids = new Map<string, number>();
  private readonly operations = new Map<string, string>();
  private readonly paths = new Map<string, string>();
  private last: Signature = { service: '', operation: '', error: false };

  /** A short key, equal for spans of the same signature; `signature()` then gives that signature. */
  key(s: Span): string {
    const a = s.attributes;
    const operation = cached(this.operations, s.operation, maskOperation);
    let detail: string | undefined;
    const sql = a['db.statement'] ?? a['db.query.text'] ?? a['sql.query'];
    // Statements mostly differ by their literals: caching them would only cost.
    if (sql) detail = maskSql(sql);
    else {
      const route = a['http.route'];
      const path = route ?? a['url.path'] ?? a['http.target'] ?? a['http.path'] ?? urlPath(a['url.full'] ?? a['http.url']);
      if (path) {
        const method = a['http.request.method'] ?? a['http.method'];
        const d = `${method ? `${method} ` : ''}${route ?? cached(this.paths, path, maskPath)}`;
        if (!operation.includes(d)) detail = d;
      }
    }
    const peer = s.peerService;
    const system = s.kind === 'client' || s.kind === 'producer' ? (a['db.system'] ?? a['messaging.system']) : undefined;
    this.last = { service: s.service, operation, error: s.error, kind: s.kind, status: s.status, errorType: s.errorType, detail, peer, system };
    return `${this.id(s.service)},${this.id(operation)},${this.id(s.kind)},${s.error ? 1 : 0},${this.id(s.status)},${this.id(s.errorType)},${this.id(detail)},${this.id(peer)},${this.id(system)}`;
  }

  /** The signature of the span last given to `key`. */
  signature(): Signature {
    const g: Signature = { service: this.last.service, operation: this.last.operation, error: this.last.error };
    for (const k of ['kind', 'status', 'errorType', 'detail', 'peer', 'system'] as const) if (this.last[k]) g[k] = this.last[k];
    return g;
  }

  private id(s: string | undefined): number {
    if (s === undefined || s === '') return 0;
    let n = this.ids.get(s);
    if (n === undefined) this.ids.set(s, (n = this.ids.size + 1));
    return n;
  }
}

function cached(cache: Map<string, string>, raw: string, f: (s: string) => string): string {
  let v = cache.get(raw);
  if (v === undefined) {
    v = f(raw);
    if (cache.size < CACHE_MAX) cache.set(raw, v);
  }
  return v;
}

function urlPath(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/i.exec(url);
  return m ? m[1] || '/' : undefined;
}

const idSegment = /^(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?=[0-9a-z]*\d)[0-9a-f]{8,}|(?=[\w-]*\d)(?=[\w-]*[a-zA-Z])[\w-]{16,})$/i;

/** Path segments that are ids (numbers, UUIDs, hashes, long tokens) become `{id}`; the query is dropped. */
export function maskPath(path: string): string {
  const q = path.search(/[?#]/);
  const p = q >= 0 ? path.slice(0, q) : path;
  return p
    .split('/')
    .map((seg) => (idSegment.test(seg) ? '{id}' : seg))
    .join('/');
}

function maskOperation(op: string): string {
  if (!op.includes('/')) return op;
  const space = op.indexOf(' ');
  // "GET /users/42" or "/users/42": mask the path part.
  if (space > 0 && op[space + 1] === '/') return `${op.slice(0, space + 1)}${maskPath(op.slice(space + 1))}`;
  return op.startsWith('/') ? maskPath(op) : op;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
// Letters, digits, _ $ . and " : a digit after one of these is part of a name (t2, "col1"), not a literal.
const isNamePart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || isDigit(c) || c === 95 || c === 36 || c === 46 || c === 34 || c > 127;
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;

/** Literals in SQL become `?`, lists of them `(?)`; runs of whitespace one space. One pass, for speed. */
export function maskSql(sql: string): string {
  let out = '';
  let from = 0;
  const n = Math.min(sql.length, 4096);
  let i = 0;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === 39) {
      // 'string', with '' inside
      let j = i + 1;
      while (j < n && !(sql.charCodeAt(j) === 39 && sql.charCodeAt(j + 1) !== 39)) j += sql.charCodeAt(j) === 39 ? 2 : 1;
      out += `${sql.slice(from, i)}?`;
      i = from = j + 1;
    } else if (isDigit(c) && (i === 0 || !isNamePart(sql.charCodeAt(i - 1)))) {
      let j = i + 1;
      while (j < n && (isDigit(sql.charCodeAt(j)) || sql.charCodeAt(j) === 46)) j++;
      if (j < n && isNamePart(sql.charCodeAt(j)) && sql.charCodeAt(j) !== 46) {
        i = j; // 2fa, 3d: a name
        continue;
      }
      out += `${sql.slice(from, i)}?`;
      i = from = j;
    } else if (isSpace(c) && (c !== 32 || isSpace(sql.charCodeAt(i + 1)) || i === 0)) {
      let j = i + 1;
      while (j < n && isSpace(sql.charCodeAt(j))) j++;
      out += `${sql.slice(from, i)}${i === 0 || j === n ? '' : ' '}`;
      i = from = j;
    } else i++;
  }
  out += sql.slice(from, n);
  if (out.includes('?,') || out.includes('? ,')) out = out.replace(/\(\s*\?(?:\s*,\s*\?)*\s*\)/g, '(?)');
  return (out.endsWith(' ') ? out.slice(0, -1) : out).slice(0, 300);
}
