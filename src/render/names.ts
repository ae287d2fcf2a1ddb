// Shorter forms of function names for labels that do not fit their frame.

/** Drops the package path: "github.com/foo/bar/pkg.(*Type).Method" → "pkg.(*Type).Method". */
export function withoutPackagePath(name: string): string {
  // Slashes after a receiver, type arguments or C++ parameters are not part of the path.
  const stop = name.search(/[([<\s]/);
  const head = stop < 0 ? name : name.slice(0, stop);
  let slash = head.lastIndexOf('/');
  // Keep the module name in front of a major version: "badger/v2.Open", not "v2.Open".
  if (slash > 0 && /^v\d+\./.test(head.slice(slash + 1))) slash = head.lastIndexOf('/', slash - 1);
  return slash < 0 ? name : name.slice(slash + 1);
}

/** Collapses Go type arguments: "pkg.(*Tree[go.shape.int,…]).Get" → "pkg.(*Tree[…]).Get". */
export function withoutTypeArgs(name: string): string {
  if (name.startsWith('[')) return name; // "[unknown]", "[kernel.kallsyms]"
  let out = '';
  let depth = 0;
  for (const ch of name) {
    if (ch === '[') {
      if (depth === 0) out += '[…';
      depth++;
    } else if (ch === ']' && depth > 0) {
      depth--;
      if (depth === 0) out += ']';
    } else if (depth === 0) {
      out += ch;
    }
  }
  return depth === 0 ? out : name;
}

/** The name, then ever shorter forms of it, without repeats. */
export function nameVariants(name: string): string[] {
  const short = withoutPackagePath(name);
  return [...new Set([name, short, withoutTypeArgs(short)])];
}

/**
 * The richest label that fits in maxWidth: the longest name form with the
 * longest suffix, then without suffix, then the shortest form cut with "…".
 * Returns "" when not even a few characters and the ellipsis fit.
 */
export function fitLabel(name: string, suffixes: string[], maxWidth: number, measure: (s: string) => number): string {
  const variants = nameVariants(name);
  for (const v of variants) {
    for (const s of suffixes) if (s !== '' && measure(v + s) <= maxWidth) return v + s;
  }
  for (const v of variants) if (measure(v) <= maxWidth) return v;
  const cut = elide(variants[variants.length - 1], maxWidth, measure);
  // "r…" says nothing; keep a few characters or none.
  return cut.length > MIN_CHARS ? cut : '';
}

const MIN_CHARS = 3;

/** s if it fits in maxWidth, else its longest prefix followed by "…" that does, or "". */
export function elide(s: string, maxWidth: number, measure: (s: string) => number): string {
  if (measure(s) <= maxWidth) return s;
  let lo = 0;
  let hi = s.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (measure(s.slice(0, mid) + '…') <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  // Do not cut a surrogate pair in half.
  if (lo > 0 && /[\uD800-\uDBFF]/.test(s[lo - 1])) lo--;
  return lo === 0 ? '' : s.slice(0, lo) + '…';
}
