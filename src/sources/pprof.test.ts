// capturePprof against targets that misbehave (local fake servers) and
// against a real Go service: every capture ends in a profile or a one-line
// error, within the window and its margin, and the CPU profiler is shared.
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeServers, serve, type Handler } from '../../test/helpers/server.js';
import { hasGo, startTarget, type Target } from '../../test/helpers/go.js';
import { capturePprof, type Capture } from './pprof.js';

const order = ['cpu', 'trace', 'block', 'mutex', 'allocs', 'heap-start', 'goroutine-start', 'heap-end', 'goroutine-end', 'goroutineleak'];
const busyBody = 'Could not enable CPU profiling: cpu profiling already in use\n';

afterEach(closeServers);

function answerBusy(res: ServerResponse) {
  res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', 'x-go-pprof': '1', 'x-content-type-options': 'nosniff' });
  res.end(busyBody);
}

function byName(captures: Capture[]): Record<string, Capture> {
  return Object.fromEntries(captures.map((c) => [c.name, c]));
}

const errors = (captures: Capture[]) => captures.map((c) => [c.name, c.error]);

describe('capturePprof against targets that misbehave', () => {
  it('a dead target: every capture says the connection was refused, and the call resolves', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    server.close();
    await once(server, 'close');

    const captures = await capturePprof(`http://127.0.0.1:${port}/`, { seconds: 1, marginMs: 300 });
    expect(captures.map((c) => c.name)).toEqual(order);
    for (const c of captures) {
      expect(c.error).toBe(`connection refused by 127.0.0.1:${port} (is the service running?)`);
      expect(c.profile).toBeUndefined();
    }
  });

  it('a target that never answers: every capture times out within the window and its margin', async () => {
    const { url, requests } = await serve(() => {});
    const t0 = performance.now();
    const captures = await capturePprof(url, { seconds: 1, marginMs: 300 });
    const ms = performance.now() - t0;
    expect(captures.map((c) => c.name)).toEqual(order);
    for (const c of captures) expect(c.error, c.name).toMatch(/^no complete answer within \d+(\.\d)? s$/);
    // Each profile once, and the mutex profile's sampling rate (its legacy text form).
    expect(requests.length).toBe(order.length + 1);
    expect(ms).toBeLessThan(1000 + 300 + 1000);
  });

  it('an HTML page at every path: "not a pprof profile", naming the content type and size', async () => {
    const page = '<!doctype html><html><head><title>Login</title></head><body>Please sign in</body></html>\n';
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page);
    });
    const captures = await capturePprof(url, { seconds: 1, marginMs: 300 });
    expect(captures.map((c) => c.name)).toEqual(order);
    for (const c of captures) {
      const what = c.name === 'trace' ? 'bad file format: not a Go execution trace\\?' : 'not a pprof profile \\(.+\\)';
      expect(c.error, c.name).toMatch(new RegExp(`^${what} \\(text/html; charset=utf-8, ${page.length} bytes\\)$`));
      expect(c.profile).toBeUndefined();
      expect(c.trace).toBeUndefined();
    }
  });

  it('a 404 at every path (no pprof there): "HTTP 404" with the first line of the answer, as an error', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('404 page not found\nmore detail\n');
    });
    const captures = await capturePprof(url, { seconds: 1, marginMs: 300 });
    expect(errors(captures)).toEqual(order.map((n) => [n, 'HTTP 404: 404 page not found']));
  });

  it('a profiler that stays busy the whole window: a clear error, after a bounded number of retries', async () => {
    const { url, requests } = await serve((req, res) => {
      if (req.url?.startsWith('/debug/pprof/profile')) return answerBusy(res);
      res.writeHead(404);
      res.end();
    });
    const captures = await capturePprof(url, { seconds: 3, marginMs: 300, busyBackoffMs: 100 });
    const cpu = byName(captures).cpu;
    expect(cpu.error).toBe('the CPU profiler stayed busy (another CPU profile was running) for the whole window');
    expect(cpu.profile).toBeUndefined();
    const asked = requests.filter((u) => u.startsWith('/debug/pprof/profile'));
    // It retried, backing off (100, 200, 400, … ms): a handful of requests, not a hot loop.
    expect(asked.length).toBeGreaterThanOrEqual(3);
    expect(asked.length).toBeLessThanOrEqual(10);
    expect(asked[0]).toBe('/debug/pprof/profile?seconds=3');
    // Retries ask only for what is left of the window, never less than a second.
    const secs = asked.map((u) => Number(new URL(u, url).searchParams.get('seconds')));
    expect(secs.every((s, i) => s >= 1 && (i === 0 || s <= secs[i - 1]))).toBe(true);
    expect(secs.at(-1)).toBe(1);
    expect(cpu.path).toBe(asked.at(-1));
  });
});

describe.skipIf(!hasGo)('capturePprof with real Go profiles', () => {
  let target: Target;
  /** Real profiles from the Go target, served by the fake servers below. */
  const real: Record<string, Buffer> = {};

  beforeAll(async () => {
    target = await startTarget(['-mode', 'healthy']);
    const fetchBytes = async (path: string) => {
      const res = await fetch(target.url + path);
      expect(res.status, path).toBe(200);
      return Buffer.from(await res.arrayBuffer());
    };
    [real.cpu, real.trace, real.heap, real.goroutine, real.block, real.mutex, real.allocs] = await Promise.all([
      fetchBytes('/debug/pprof/profile?seconds=1'),
      fetchBytes('/debug/pprof/trace?seconds=1'),
      fetchBytes('/debug/pprof/heap'),
      fetchBytes('/debug/pprof/goroutine'),
      fetchBytes('/debug/pprof/block'),
      fetchBytes('/debug/pprof/mutex'),
      fetchBytes('/debug/pprof/allocs'),
    ]);
  });
  afterAll(async () => {
    await target?.stop();
  });

  /** Serves the real profiles; the CPU profile after the seconds asked for, as Go does. */
  function realProfiles(overrides: Record<string, Buffer> = {}): Handler {
    return (req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      const kind = u.pathname.replace('/debug/pprof/', '');
      const bytes = overrides[kind] ?? real[kind === 'profile' ? 'cpu' : kind];
      if (!bytes) {
        res.writeHead(404);
        return void res.end('404 page not found\n');
      }
      const send = () => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(bytes);
      };
      if (kind === 'profile') {
        const timer = setTimeout(send, Number(u.searchParams.get('seconds')) * 1000);
        res.once('close', () => clearTimeout(timer));
      } else send();
    };
  }

  it('a gzip bomb as the heap profile: "expands past" the limit, memory stays sane, and the next capture works', async () => {
    let bomb: Buffer | undefined = gzipSync(Buffer.alloc(300 << 20));
    const { url } = await serve(realProfiles({ heap: bomb }));
    // Gunzipping up to the limit blocks this process (and so the fake server in it)
    // for about a second: a wider margin keeps the other captures from timing out.
    const captures = await capturePprof(url, { seconds: 1, marginMs: 3000 });
    bomb = undefined;
    const c = byName(captures);
    for (const name of ['heap-start', 'heap-end']) {
      expect(c[name].error, name).toMatch(/^gzip data expands past the 256 MB limit \(application\/octet-stream, \d+ bytes\)$/);
      expect(c[name].profile).toBeUndefined();
    }
    for (const name of order.filter((n) => !n.startsWith('heap'))) expect(c[name].error, name).toBeUndefined();
    expect(c.goroutineleak.absent).toBe('the target does not serve this profile (HTTP 404: 404 page not found)');
    expect(process.memoryUsage().rss).toBeLessThan(1.5 * 2 ** 30);

    const after = await capturePprof(target.url, { seconds: 1, marginMs: 800 });
    expect(errors(after)).toEqual(order.map((n) => [n, undefined]));
    // Go's leak profile is an experiment of 1.26: this target does not serve it, which is no error.
    expect(byName(after).goroutineleak.absent).toBe('the target does not serve this profile (HTTP 404: Unknown profile)');
    for (const capture of after.filter((c) => c.name !== 'goroutineleak')) {
      expect(capture.name === 'trace' ? capture.trace : capture.profile, capture.name).toBeDefined();
      expect(capture.bytes?.length).toBeGreaterThan(0);
    }
  });

  it('two captures of one target at once share a single CPU profile request', async () => {
    const { url, requests } = await serve(realProfiles());
    const [a, b] = await Promise.all([capturePprof(url, { seconds: 1, marginMs: 800 }), capturePprof(url, { seconds: 1, marginMs: 800 })]);
    expect(requests.filter((u) => u.startsWith('/debug/pprof/profile'))).toEqual(['/debug/pprof/profile?seconds=1']);
    const [cpuA, cpuB] = [byName(a).cpu, byName(b).cpu];
    expect(cpuA.error).toBeUndefined();
    expect(cpuA.bytes?.equals(real.cpu)).toBe(true);
    expect(cpuB.profile).toBe(cpuA.profile);
    expect(cpuB.bytes).toBe(cpuA.bytes);
    // Every other capture is its own request, for each caller.
    expect(requests.filter((u) => u.startsWith('/debug/pprof/heap')).length).toBe(4);

    // Once it is done, the next capture asks for a profile of its own.
    const c = await capturePprof(url, { seconds: 1, marginMs: 800 });
    expect(byName(c).cpu.error).toBeUndefined();
    expect(requests.filter((u) => u.startsWith('/debug/pprof/profile')).length).toBe(2);
  });

  /**
   * Starts a CPU profile of `seconds` and resolves once it holds the profiler:
   * a second request is told the profiler is busy.
   */
  async function occupyProfiler(seconds: number): Promise<{ holder: Promise<Response> }> {
    for (;;) {
      const holder = fetch(`${target.url}/debug/pprof/profile?seconds=${seconds}`);
      const probe = await fetch(`${target.url}/debug/pprof/profile?seconds=1`);
      const text = await probe.text();
      if (probe.status === 500 && probe.headers.get('x-go-pprof') === '1' && text === busyBody) return { holder };
      // The probe got in first and held the profiler instead: let both finish, and start again.
      await (await holder).arrayBuffer();
    }
  }

  it('a CPU profiler busy with another profile: retries, and ends with a shorter profile of what is left', async () => {
    const { holder } = await occupyProfiler(2);
    const t0 = performance.now();
    const captures = await capturePprof(target.url, { seconds: 4, marginMs: 800 });
    const ms = performance.now() - t0;
    const cpu = byName(captures).cpu;
    expect(cpu.error).toBeUndefined();
    expect(cpu.profile?.sampleTypes.map((t) => `${t.type}/${t.unit}`)).toEqual(['samples/count', 'cpu/nanoseconds']);
    expect(cpu.path).toMatch(/^\/debug\/pprof\/profile\?seconds=[123]$/);
    expect(ms).toBeLessThan(4000 + 800 + 1000);
    // The other profile was not disturbed.
    const other = await holder;
    expect(other.status).toBe(200);
    await other.arrayBuffer();
  });
});
