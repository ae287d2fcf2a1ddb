// pprof's RemoveUninteresting: a profile may name frames to drop (drop_frames)
// and to keep (keep_frames); `go tool pprof` prunes them before any report.

import type { Profile } from './model.js';
import { ok, type Result } from '../errors.js';

const reserved = ['(anonymous namespace)', 'operator()'];
const bracketRx = /\(anonymous namespace\)|operator\(\)|\(/g;

/** Strips a C++-style argument list, as pprof's simplifyFunc does. */
export function simplifyFunc(name: string): string {
  let fn = name.startsWith('.') ? name.slice(1) : name;
  bracketRx.lastIndex = 0;
  for (let m = bracketRx.exec(fn); m; m = bracketRx.exec(fn)) {
    if (!reserved.includes(m[0])) {
      fn = fn.slice(0, m.index);
      break;
    }
  }
  return fn;
}

function compile(expr: string): RegExp | undefined {
  try {
    return new RegExp(`^(${expr})$`);
  } catch {
    return undefined;
  }
}

export function removeUninteresting(p: Profile): Result<Profile> {
  if (p.dropFrames === '') return ok(p);
  const drop = compile(p.dropFrames);
  // pprof ignores a pattern it cannot compile; so do we.
  if (!drop) return ok(p);
  const keep = p.keepFrames === '' ? undefined : compile(p.keepFrames);
  if (p.keepFrames !== '' && !keep) return ok(p);
  prune(p, drop, keep);
  return ok(p);
}

/** Removes every frame beneath one matching drop and not keep (pprof's Profile.Prune); sets are of location indexes. */
export function prune(p: Profile, drop: RegExp, keep: RegExp | undefined): void {
  const pruneWhole = new Set<number>();
  const pruneBeneath = new Set<number>();
  const locs = p.locations;
  for (let l = 0; l < locs.count; l++) {
    let i: number;
    for (i = locs.lineEnd[l] - 1; i >= locs.lineStart[l]; i--) {
      const fn = p.functions[locs.lineFunc[i]];
      if (fn && fn.name !== '') {
        const name = simplifyFunc(fn.name);
        if (drop.test(name) && (!keep || !keep.test(name))) break;
      }
    }
    if (i >= locs.lineStart[l]) {
      pruneBeneath.add(l);
      if (i === locs.lineEnd[l] - 1) pruneWhole.add(l);
      else locs.lineStart[l] = i + 1;
    }
  }
  const { stack, stackStart, stackEnd } = p.samples;
  for (let si = 0; si < p.samples.count; si++) {
    let foundUser = false;
    for (let i = stackEnd[si] - 1; i >= stackStart[si]; i--) {
      const id = stack[i];
      const whole = pruneWhole.has(id);
      const beneath = pruneBeneath.has(id);
      if (!whole && !beneath) {
        foundUser = true;
        continue;
      }
      if (!foundUser) continue;
      stackStart[si] = whole ? i + 1 : i;
      break;
    }
  }
}
