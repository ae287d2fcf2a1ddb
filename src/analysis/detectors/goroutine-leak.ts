// Goroutines leak. Two independent signs: the goroutine count grows over
// the window with most of the growth parked in one place; and Go 1.26's
// goroutine leak profile, where the collector itself names goroutines
// blocked on channels or locks that nothing else can reach (certain, not
// inferred). Goroutines a library started (an HTTP client's connection
// loops) have no frame of ours: they are grouped by the library type that
// runs them, and known ones are traced back to the code that calls the library.
import type { CodeLocation, Evidence, Finding } from '../../model.js';
import type { Detector, Inputs } from '../inputs.js';
import { confidence, firstAppFrame, isOwnFrame, pct, stackSamples, strength, total, waitKind, type StackSample } from '../stacks.js';

interface LibraryGoroutine {
  frames: RegExp;
  /** Why they pile up, in a sentence fragment. */
  cause: string;
  /** The library calls the application makes that start them. */
  callers: RegExp;
}

const libraryGoroutines: LibraryGoroutine[] = [
  {
    frames: /^net\/http\.\(\*persistConn\)\.(readLoop|writeLoop)$/,
    cause: 'HTTP response bodies are not closed, so each call keeps its connection and two goroutines',
    callers: /^net\/http\.\(\*Client\)\.(Do|Get|Post|Head|PostForm)$|^net\/http\.(Get|Post|Head|PostForm)$/,
  },
];

/**
 * A goroutine of a server's connection: idle between requests (keep-alive), or the background
 * reader net/http starts for each request in flight. Both come and go with the load: more requests
 * in flight at the window's end on a busy machine are not a leak.
 */
function serverConnection(s: StackSample): boolean {
  return (
    !s.frames.some((f) => f.kind === 'app') &&
    s.frames.some((f) => f.name === 'net/http.(*conn).serve' || f.name === 'net/http.(*connReader).backgroundRead' || f.name.startsWith('google.golang.org/grpc/internal/transport.(*http2Server)'))
  );
}

/** Where a parked goroutine belongs: our first frame, else the library type (or package) that runs it. */
function ownerOf(s: StackSample): { key: string; location: CodeLocation; library?: LibraryGoroutine } | undefined {
  const app = firstAppFrame(s.frames);
  if (app) return { key: app.function, location: app };
  const f = s.frames.find(isOwnFrame);
  if (!f) return undefined;
  const library = libraryGoroutines.find((l) => s.frames.some((x) => l.frames.test(x.name)));
  const type = /^(.*\))\.[^.]+$/.exec(f.name)?.[1] ?? f.name.replace(/\.[^./]+$/, '');
  return { key: type, location: { function: f.name, file: f.file, line: f.line }, library };
}

interface Group {
  key: string;
  location: CodeLocation;
  library?: LibraryGoroutine;
  before: number;
  after: number;
}

function groups(inputs: Inputs): { groups: Group[]; n0: number; n1: number } {
  const before = stackSamples(inputs.goroutineStart!, 'goroutine');
  const after = stackSamples(inputs.goroutineEnd!, 'goroutine');
  const byKey = new Map<string, Group>();
  const add = (s: StackSample, side: 'before' | 'after') => {
    if (waitKind(s.frames) === 'running' || serverConnection(s)) return;
    const o = ownerOf(s);
    if (!o) return;
    const g = byKey.get(o.key) ?? { ...o, before: 0, after: 0 };
    g[side] += s.value;
    byKey.set(o.key, g);
  };
  for (const s of after) add(s, 'after');
  for (const s of before) add(s, 'before');
  // A server's connections come and go with the load: they are not growth.
  const counted = (ss: StackSample[]) => total(ss.filter((s) => !serverConnection(s)));
  return { groups: [...byKey.values()], n0: counted(before), n1: counted(after) };
}

/**
 * The application function that makes the library calls, from the samples
 * under them: the heap profile's allocation counts (the whole life of the
 * process), the window's allocations and its CPU. Each sees only a few
 * calls, so their shares are added up.
 */
function callerOf(inputs: Inputs, callers: RegExp): { location: CodeLocation; sources: string[]; share: number } | undefined {
  const votes = new Map<string, { location: CodeLocation; share: number; sources: string[] }>();
  let seen = 0;
  for (const [profile, type, source] of [
    [inputs.heapEnd, 'alloc_objects', 'heap'],
    [inputs.allocs, 'alloc_objects', 'allocs'],
    [inputs.cpu, 'cpu', 'cpu'],
  ] as const) {
    if (!profile) continue;
    const counts = new Map<string, { location: CodeLocation; value: number }>();
    let all = 0;
    for (const s of stackSamples(profile, type)) {
      const i = s.frames.findIndex((f) => callers.test(f.name));
      const app = i < 0 ? undefined : firstAppFrame(s.frames.slice(i + 1));
      if (!app) continue;
      all += s.value;
      const c = counts.get(app.function) ?? { location: app, value: 0 };
      c.value += s.value;
      counts.set(app.function, c);
    }
    if (all === 0) continue;
    seen++;
    for (const [fn, c] of counts) {
      const v = votes.get(fn) ?? { location: c.location, share: 0, sources: [] };
      v.share += c.value / all;
      v.sources.push(source);
      votes.set(fn, v);
    }
  }
  const top = [...votes.values()].sort((a, b) => b.share - a.share)[0];
  return top && { location: top.location, sources: top.sources, share: top.share / seen };
}

/** A finding with the group it is about, so the two signs of one leak can be told apart from two leaks. */
interface Sign {
  key: string;
  finding: Finding;
}

function fromGrowth(inputs: Inputs): (Sign & { growth: number }) | undefined {
  if (!inputs.goroutineStart || !inputs.goroutineEnd) return undefined;
  const { groups: gs, n0, n1 } = groups(inputs);
  const growth = n1 - n0;
  if (growth <= 0) return undefined;
  const top = gs.sort((a, b) => b.after - b.before - (a.after - a.before))[0];
  const grew = top ? top.after - top.before : 0;
  if (!top || grew <= 0) return undefined;
  const window = inputs.seconds;
  const share = Math.min(1, grew / growth);
  const rate = growth / window;
  // 20 more goroutines, or a tenth more, at 2 a second or faster; most of them in one place.
  const conf = confidence(Math.min(strength(growth, Math.max(20, n0 * 0.1)), strength(rate, 2)), share);
  const evidence: Evidence[] = [
    { source: 'goroutine', summary: `${n0} → ${n1} goroutines in ${window} s (+${rate.toFixed(0)}/s); ${grew} of the new ones (${pct(share)}) are parked at ${top.location.function}` },
  ];
  let location = top.location;
  let title = `Goroutines pile up in ${location.function}: ${growth} more in ${window} s.`;
  if (top.library) {
    const caller = callerOf(inputs, top.library.callers);
    title = `Goroutines pile up in ${top.location.function}: ${growth} more in ${window} s; ${top.library.cause}.`;
    if (caller) {
      location = caller.location;
      title = `Goroutines pile up in ${top.location.function}, ${growth} more in ${window} s: ${top.library.cause}. The calls come from ${location.function}.`;
      evidence.push({ source: caller.sources[0], summary: `${location.function} makes ${pct(caller.share)} of the library calls that start them (${caller.sources.join(', ')} samples)` });
    }
  }
  return { key: top.key, growth, finding: { kind: 'goroutine-leak', title, confidence: conf, location, evidence } };
}

function fromLeakProfile(inputs: Inputs): Sign | undefined {
  if (!inputs.goroutineLeak) return undefined;
  const leaked = stackSamples(inputs.goroutineLeak, 'goroutineleak');
  const n = total(leaked);
  if (n === 0) return undefined;
  const at = new Map<string, { key: string; location: CodeLocation; count: number }>();
  for (const s of leaked) {
    const o = ownerOf(s);
    if (!o) continue;
    const c = at.get(o.key) ?? { key: o.key, location: o.location, count: 0 };
    c.count += s.value;
    at.set(o.key, c);
  }
  const top = [...at.values()].sort((a, b) => b.count - a.count)[0];
  if (!top) return undefined;
  // Certain that they leaked; how much it matters grows with how many: ten make it worth a look.
  return {
    key: top.key,
    finding: {
      kind: 'goroutine-leak',
      title: `Goroutines leak in ${top.location.function}: the runtime found ${n} blocked for good.`,
      confidence: confidence(strength(n, 10), top.count / n),
      location: top.location,
      evidence: [
        {
          source: 'goroutineleak',
          summary: `the collector found ${n} goroutines blocked on channels or locks that nothing else can reach; ${top.count} (${pct(top.count / n)}) at ${top.location.function}`,
        },
      ],
    },
  };
}

export const goroutineLeak: Detector = {
  kind: 'goroutine-leak',
  detect(inputs) {
    const grown = fromGrowth(inputs);
    const named = fromLeakProfile(inputs);
    // The same goroutines, seen both ways (grouped alike: our frame, or the library type running them).
    if (grown && named && grown.key === named.key) {
      const [g, l] = [grown.finding, named.finding];
      const conf = Math.min(0.95, 1 - (1 - g.confidence) * (1 - l.confidence));
      const title = l.title.replace(/\.$/, `, and ${grown.growth} more goroutines appeared in ${inputs.seconds} s.`);
      return [{ ...g, title, confidence: Math.round(conf * 100) / 100, evidence: [...l.evidence, ...g.evidence] }];
    }
    return [grown, named].flatMap((s) => (s ? [s.finding] : []));
  },
};
