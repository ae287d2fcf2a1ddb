// Requests sit in system calls (an fsync, a synchronous file or DNS call on
// the request path): the trace's syscall profile times every one.
import type { Detector } from '../inputs.js';
import { appKey, bySite, confidence, isRequestRoot, onRequestPath, pct, stackSamples, strength, total } from '../stacks.js';
import { ms } from '../trace.js';

export const syscallBlocking: Detector = {
  kind: 'syscall-blocking',
  detect({ trace }) {
    if (!trace || trace.facts.durationNs <= 0) return [];
    const calls = stackSamples(trace.latency.syscall, 'delay').filter((s) => onRequestPath(s.frames));
    const all = total(calls);
    const site = bySite(calls, appKey)[0];
    if (!site?.location || all <= 0) return [];
    const waiting = all / trace.facts.durationNs;
    // Busy services make many short syscalls (socket reads and writes): what matters is the share of
    // the requests' own time spent in them, not the total, which grows with the request rate.
    let exec = 0;
    let sys = 0;
    for (const g of trace.summary.goroutines.values()) {
      if (!isRequestRoot(g.name)) continue;
      exec += g.stats.execTime;
      sys += g.stats.syscallTime + g.stats.syscallBlockTime;
    }
    const share = exec + sys > 0 ? sys / (exec + sys) : 1;
    // The call the application made: the frame just below its own on the heaviest stack.
    const heaviest = calls.filter((s) => appKey(s) === site.key).sort((a, b) => b.value - a.value)[0];
    const i = heaviest.frames.findIndex((f) => f.kind === 'app');
    const call = i > 0 ? heaviest.frames[i - 1].name : heaviest.frames[0].name;
    return [
      {
        kind: 'syscall-blocking',
        title: `Requests wait in system calls in ${site.location.function} (${call}): ${waiting.toFixed(2)} in a syscall at any time.`,
        // One request in twenty sitting in a syscall at any time is worth a look: a healthy service's
        // request path spends about a hundredth of that in them (its reads and writes of sockets).
        confidence: confidence(Math.min(strength(waiting, 0.05), strength(share, 0.3)), site.value / all),
        location: site.location,
        evidence: [
          {
            source: 'trace',
            summary: `requests spent ${ms(all)} in syscalls in ${(trace.facts.durationNs / 1e9).toFixed(1)} s (${pct(share)} of their running time), ${pct(site.value / all)} of it under ${site.location.function} (${site.samples} stacks, ${call})`,
          },
        ],
      },
    ];
  },
};
