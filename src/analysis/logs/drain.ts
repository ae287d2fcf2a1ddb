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
    const leaf = this.leaf(tokens);
    const best = this.match(leaf.clusters, tokens);
    if (best) {
      const t = best.tokens;
      for (let i = 0; i < t.length; i++) if (t[i] !== tokens[i]) t[i] = WILDCARD;
      best.count++;
      return best;
    }
    const created: Template = { id: this.templates.length, tokens, count: 1 };
    this.templates.push(created);
    leaf.clusters.push(created);
    return created;
  }

  private leaf(tokens: string[]): Node {
    let node = this.root;
    const key = String(tokens.length);
    node = child(node, key, this.opts.maxChildren);
    const depth = Math.min(this.opts.prefixTokens, tokens.length);
    for (let i = 0; i < depth; i++) {
      const tok = hasDigit.test(tokens[i]) ? WILDCARD : tokens[i];
      node = child(node, tok, this.opts.maxChildren);
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
      for (let i = 0; i < t.length; i++) {
        if (t[i] === WILDCARD) params++;
        else if (t[i] === tokens[i]) same++;
      }
      const sim = (same + params) / t.length;
      if (sim > bestSim || (sim === bestSim && params > bestParams)) {
        best = c;
        bestSim = sim;
        bestParams = params;
      }
    }
    return best && bestSim >= this.opts.similarity ? best : undefined;
  }
}

function child(node: Node, key: string, max: number): Node {
  let next = node.children.get(key);
  if (next) return next;
  if (node.children.size >= max - 1 && key !== WILDCARD) return child(node, WILDCARD, max + 1);
  next = newNode();
  node.children.set(key, next);
  return next;
}

export function tokenize(masked: string): string[] {
  const out = masked.split(/\s+/);
  if (out.length && out[0] === '') out.shift();
  if (out.length && out[out.length - 1] === '') out.pop();
  return out;
}

export const templateText = (t: Template): string => t.tokens.join(' ');
