// A Drain-style template miner (He et al., ICWS 2017): lines are masked, split
// into tokens, routed through a fixed-depth tree keyed by token count then the
// leading tokens, and joined to the most similar template in the leaf when the
// similarity reaches the threshold; a join turns differing positions into `<*>`.
// Deterministic: the same lines in the same order give the same templates.
//
// These changes to the original make one set of parameters fit every log:
// - similarity counts a position as agreeing when the tokens are equal (a masked
//   value against a masked value too) or when the template's lines already
//   differed there; a masked value facing a word disagrees, so a template does
//   not swallow other messages through its masked positions;
// - a run of the same masked token (a list of ids) is one token, so lists of
//   any length share a template, and a value's aside in brackets ("1190 bytes
//   (1.16 KB)") goes with the value, so lines with and without it share one;
// - two different words at a position where the template's lines never differed,
//   one of them capitalised, CamelCase or a protocol's name (SOCKS5), count as two
//   disagreements: "Begin" and "End", "client SPP." and "client WindowsUpdateAgent.",
//   "HTTPS" and "SOCKS5" name different events, where user names (lower case) and
//   constants (upper case) stay one template.

import { mask, WILDCARD } from './mask.js';

export interface DrainOptions {
  /** Share of positions that must agree to join a template, 0..1. */
  similarity: number;
  /** Leading tokens used to route a line (Drain's depth minus 2). */
  prefixTokens: number;
  /** Children per tree node before new tokens route to `<*>`. */
  maxChildren: number;
}

export const defaultDrainOptions: DrainOptions = { similarity: 0.7, prefixTokens: 2, maxChildren: 100 };

export interface Template {
  id: number;
  tokens: string[];
  count: number;
  /** Positions where lines of this template have differed. */
  open: boolean[];
}

interface Node {
  children: Map<string, Node>;
  clusters: Template[];
}

const newNode = (): Node => ({ children: new Map(), clusters: [] });
/** A word: letters, perhaps a version number glued on (SOCKS5, HTTP2), with punctuation around them at most. */
const isWord = (tok: string) => /^[^A-Za-z0-9]*[A-Za-z]{2,}\d*[^A-Za-z0-9]*$/.test(tok);
/**
 * A capitalised or CamelCase word, or an upper-case one with a version (SOCKS5): how names of
 * events, components and protocols are written, where user and host names are lower case (test9
 * too) and constants upper.
 */
const isName = (tok: string) => /[A-Z][a-z]|[A-Z]\d/.test(tok);
const hasDigit = /\d/;
const SEEN_MAX = 50_000;
const RECENT_SLOTS = 1024;

/** A slot of the recent-message table for a masked message: its length and a few of its characters. */
function slotOf(m: string): number {
  const n = m.length;
  let h = n;
  if (n > 0) {
    h = Math.imul(h ^ m.charCodeAt(n >> 1), 0x9e3779b1);
    h = Math.imul(h ^ m.charCodeAt(n - 1), 0x9e3779b1);
    h = Math.imul(h ^ m.charCodeAt(n >> 2), 0x9e3779b1);
    h = Math.imul(h ^ m.charCodeAt((3 * n) >> 2), 0x9e3779b1);
    h = Math.imul(h ^ m.charCodeAt((7 * n) >> 3), 0x9e3779b1);
  }
  return (h >>> 22) & (RECENT_SLOTS - 1);
}

export class Drain {
  readonly templates: Template[] = [];
  private readonly root = newNode();
  private readonly opts: DrainOptions;
  private readonly seen = new Map<string, Template>();
  // Some entries of `seen`, found without hashing the whole message (which costs more than
  // comparing it with one candidate): a message and its template, in the slot of slotOf.
  private readonly recentMessage = new Array<string | undefined>(RECENT_SLOTS).fill(undefined);
  private readonly recentTemplate = new Array<Template | undefined>(RECENT_SLOTS).fill(undefined);

  constructor(opts: Partial<DrainOptions> = {}) {
    this.opts = { ...defaultDrainOptions, ...opts };
  }

  /** Mines one message (the content part of a line); returns its template. */
  add(content: string): Template {
    return this.addMasked(mask(content));
  }

  /** Mines one message already masked (`mask(content)`, as a thread may have done it). */
  addMasked(masked: string): Template {
    // A message seen before, once masked, joins the template it joined then: that template
    // already agrees with it everywhere, so matching again would change nothing.
    const slot = slotOf(masked);
    if (this.recentMessage[slot] === masked) {
      const recent = this.recentTemplate[slot] as Template;
      recent.count++;
      return recent;
    }
    const known = this.seen.get(masked);
    if (known) {
      this.recentMessage[slot] = masked;
      this.recentTemplate[slot] = known;
      known.count++;
      return known;
    }
    const template = this.mine(tokenize(masked));
    if (this.seen.size >= SEEN_MAX) {
      this.seen.clear();
      this.recentMessage.fill(undefined);
      this.recentTemplate.fill(undefined);
    }
    this.seen.set(masked, template);
    this.recentMessage[slot] = masked;
    this.recentTemplate[slot] = template;
    return template;
  }

  private mine(tokens: string[]): Template {
    const found = this.find(tokens);
    const best = found && this.match(found.clusters, tokens);
    if (best) {
      const t = best.tokens;
      for (let i = 0; i < t.length; i++) {
        if (t[i] !== tokens[i]) {
          t[i] = WILDCARD;
          best.open[i] = true;
        }
      }
      best.count++;
      return best;
    }
    const created: Template = { id: this.templates.length, tokens, count: 1, open: tokens.map(() => false) };
    this.templates.push(created);
    this.insert(tokens).clusters.push(created);
    return created;
  }

  private route(tokens: string[]): string[] {
    const keys = [String(tokens.length)];
    const depth = Math.min(this.opts.prefixTokens, tokens.length);
    for (let i = 0; i < depth; i++) keys.push(hasDigit.test(tokens[i]) ? WILDCARD : tokens[i]);
    return keys;
  }

  private find(tokens: string[]): Node | undefined {
    let node: Node | undefined = this.root;
    for (const key of this.route(tokens)) {
      node = node.children.get(key) ?? node.children.get(WILDCARD);
      if (!node) return undefined;
    }
    return node;
  }

  private insert(tokens: string[]): Node {
    let node = this.root;
    const keys = this.route(tokens);
    for (let depth = 0; depth < keys.length; depth++) {
      let key = keys[depth];
      let next = node.children.get(key);
      if (!next) {
        // Past maxChildren, new tokens share the `<*>` child (the token count level is never capped).
        if (depth > 0 && key !== WILDCARD && node.children.size >= this.opts.maxChildren - (node.children.has(WILDCARD) ? 0 : 1)) key = WILDCARD;
        next = node.children.get(key);
        if (!next) node.children.set(key, (next = newNode()));
      }
      node = next;
    }
    return node;
  }

  /**
   * The most similar template: a position agrees when the tokens are equal or
   * the template's lines already differed there. Ties go to the more general template.
   */
  private match(clusters: Template[], tokens: string[]): Template | undefined {
    let best: Template | undefined;
    let bestSim = -1;
    let bestOpen = -1;
    for (const c of clusters) {
      const t = c.tokens;
      // Stop early once too many positions disagree for this template to be chosen.
      const allowed = t.length * (1 - Math.max(this.opts.similarity, bestSim)) + 1e-9;
      let same = 0;
      let open = 0;
      let differ = 0;
      for (let i = 0; i < t.length && differ <= allowed; i++) {
        if (c.open[i]) open++;
        else if (t[i] === tokens[i]) same++;
        // Two different words, one a name, where the template's lines never differed: two events (see the top).
        else differ += isWord(t[i]) && isWord(tokens[i]) && (isName(t[i]) || isName(tokens[i])) ? 2 : 1;
      }
      if (differ > allowed) continue;
      const sim = t.length === 0 ? 1 : (t.length - differ) / t.length;
      if (sim > bestSim || (sim === bestSim && open > bestOpen)) {
        best = c;
        bestSim = sim;
        bestOpen = open;
      }
    }
    return best && bestSim >= this.opts.similarity - 1e-9 ? best : undefined;
  }
}

/** A value in brackets right after a value restates it ("1190 bytes (1.16 KB)"), and is not always written. */
const ASIDES = new Set([`(${WILDCARD})`, `[${WILDCARD}]`, `{${WILDCARD}}`]);

/** Splits on whitespace; a run of one masked token (a list of values) counts once, and so does a value with its aside. */
export function tokenize(masked: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= masked.length; i++) {
    const c = i < masked.length ? masked.charCodeAt(i) : 32;
    if (c !== 32 && (c < 9 || c > 13)) {
      if (start < 0) start = i;
      continue;
    }
    if (start < 0) continue;
    const tok = masked.slice(start, i);
    start = -1;
    const prev = out.length > 0 ? out[out.length - 1] : undefined;
    if (prev !== undefined && ((tok === prev && tok.includes(WILDCARD)) || (prev === WILDCARD && ASIDES.has(tok)))) continue;
    out.push(tok);
  }
  return out;
}

export const templateText = (t: Template): string => t.tokens.join(' ');
