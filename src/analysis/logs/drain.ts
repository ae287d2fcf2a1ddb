// A Drain-style template miner (He et al., ICWS 2017): lines are masked, split
// into tokens, routed through a fixed-depth tree keyed by token count then the
// leading tokens, and joined to the most similar template in the leaf when the
// similarity reaches the threshold; a join turns differing positions into `<*>`.
// Deterministic: the same lines in the same order give the same templates.

import { mask, WILDCARD } from './mask.js';

export interface DrainOptions {
  /** Share of positions that must agree to join a template, 0..1. */
  similarity: number;
  /** Leading tokens used to route a line (Drain's depth minus 2). */
  prefixTokens: number;
  /** Children per tree node before new tokens route to `<*>`. */
  maxChildren: number;
}

export const defaultDrainOptions: DrainOptions = { similarity: 0.5, prefixTokens: 2, maxChildren: 100 };

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
const hasDigit = /\d/;

export class Drain {
  readonly templates: Template[] = [];
  private readonly root = newNode();
  private readonly opts: DrainOptions;

  constructor(opts: Partial<DrainOptions> = {}) {
    this.opts = { ...defaultDrainOptions, ...opts };
  }

  /** Mines one message (the content part of a line); returns its template. */
  add(content: string): Template {
    const tokens = tokenize(mask(content));
    const found = this.find(tokens);
    const best = found && this.match(found.clusters, tokens);
    if (best) {
      const t = best.tokens;
      for (let i = 0; i < t.length; i++) if (t[i] !== tokens[i]) { t[i] = WILDCARD; best.open[i] = true; }
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

  private match(clusters: Template[], tokens: string[]): Template | undefined {
    let best: Template | undefined;
    let bestSim = -1;
    let bestParams = -1;
    for (const c of clusters) {
      let same = 0;
      let params = 0;
      const t = c.tokens;
      const mode = (this.opts as any).mode ?? 0;
      const protect = (this.opts as any).protect ?? Infinity;
      let blocked = false;
      for (let i = 0; i < t.length; i++) {
        if (mode === 3) { if (c.open[i]) params++; else if (t[i] === tokens[i]) same++; }
        else if (t[i] === WILDCARD) params++;
        else if (t[i] === tokens[i]) same++;
        else if (c.count >= protect && !t[i].includes(WILDCARD)) blocked = true;
      }
      if (blocked) continue;
      const sim = t.length === 0 ? 1 : mode === 0 || mode === 3 ? (same + params) / t.length : mode === 1 ? same / t.length : same / Math.max(1, t.length - params);
      if (sim > bestSim || (sim === bestSim && params > bestParams)) {
        best = c;
        bestSim = sim;
        bestParams = params;
      }
    }
    return best && bestSim >= this.opts.similarity ? best : undefined;
  }
}

/** Splits on whitespace; a run of the same masked token (a list of values) counts as one token. */
export function tokenize(masked: string): string[] {
  const out: string[] = [];
  for (const tok of masked.split(/\s+/)) {
    if (tok === '') continue;
    if (out.length && tok === out[out.length - 1] && tok.includes(WILDCARD)) continue;
    out.push(tok);
  }
  return out;
}

export const templateText = (t: Template): string => t.tokens.join(' ');
