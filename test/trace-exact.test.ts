// Our execution-trace reader against Go's own (golang.org/x/exp/trace, through
// test/go/tracedump): both print every event in Event.String()'s form, and the
// two dumps must be equal byte for byte, on every real trace in the shared
// fixtures and on each of them truncated and bit-flipped. For the old format
// (Go 1.11 to 1.21), where Go itself leaves the order of events with the same
// timestamp to chance, they must be equal up to that order (see DumpDigest).
import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dumpTrace } from '../src/trace/dump.js';
import { DumpDigest, expectLatencyProfilesEqualGo, traceDir, traceFiles, traceHeader } from './helpers/trace.js';
import { buildTool, hasGo } from './helpers/go.js';

const files = traceFiles();
const newFormat = files.filter((f) => traceHeader(f) >= 22);
const oldFormat = files.filter((f) => traceHeader(f) >= 11 && traceHeader(f) <= 21);
const ancient = files.filter((f) => traceHeader(f) < 11);
const short = (f: string) => f.slice(traceDir!.length + 1);

interface Dump {
  /** Of the event text before any error: its bytes, and the same blind to the order of ties (DumpDigest). */
  hash: string;
  ties: string;
  error: string | null;
  /** Go panicked (so there is no error line). */
  panicked?: boolean;
}

/** Go's dump: its event text before any error, and the error's first line. */
async function goDump(file: string): Promise<Dump> {
  const proc = spawn(buildTool('tracedump'), [file], { env: { ...process.env, TZ: 'UTC' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  let size = 0;
  let stderr = '';
  const digest = new DumpDigest();
  // Keep only the tail in memory: the largest dump is hundreds of MB.
  proc.stdout.on('data', (c: Buffer) => {
    chunks.push(c);
    size += c.length;
    while (size > 1 << 20 && chunks.length > 1) {
      const first = chunks.shift()!;
      size -= first.length;
      digest.update(first);
    }
  });
  proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  await new Promise((ok) => proc.on('close', ok));
  const tail = Buffer.concat(chunks);
  const at = tail.subarray(0, 7).toString() === 'error: ' ? 0 : tail.indexOf('\nerror: ') + 1;
  const error = at > 0 || tail.subarray(0, 7).toString() === 'error: ' ? tail.subarray(at + 7).toString().split('\n')[0] : null;
  digest.update(error === null ? tail : tail.subarray(0, at));
  const { exact, ties } = digest.digest();
  return { hash: exact, ties, error, panicked: stderr.startsWith('panic: ') };
}

function ourDump(input: string | Uint8Array): Dump {
  const digest = new DumpDigest();
  let error: string | null = null;
  dumpTrace(input, (s) => {
    if (typeof s === 'string' && s.startsWith('error: ')) error = s.slice(7).trimEnd();
    else digest.update(s);
  });
  const { exact, ties } = digest.digest();
  return { hash: exact, ties, error };
}

describe.skipIf(!hasGo || !traceDir)('execution traces read exactly as Go reads them', () => {
  it('finds the fixtures of every format', () => {
    expect(newFormat.map(traceHeader).sort()).toEqual([22, 23, 25, 26]);
    expect(oldFormat.length).toBeGreaterThan(15);
  });

  it.each(newFormat.map((f) => [short(f), f]))('%s: every event equals x/exp/trace', async (_name, file) => {
    const [ours, go] = [ourDump(file), await goDump(file)];
    expect(go.error).toBeNull();
    expect(ours.error).toBeNull();
    expect(ours.hash).toBe(go.hash);
  });

  it.each(ancient.map((f) => [short(f), f]))('%s: refused in one line naming its version, as Go does', async (_name, file) => {
    const [ours, go] = [ourDump(file), await goDump(file)];
    expect(ours.error).toMatch(/^unknown or unsupported trace version go 1\.\d+$/);
    expect(ours.error).toBe(go.error);
  });

  it.each(oldFormat.map((f) => [short(f), f]))('%s: every event equals x/exp/trace, but for the order Go leaves to chance', async (_name, file) => {
    const [ours, go] = [ourDump(file), await goDump(file)];
    expect(go.error).toBeNull();
    expect(ours.error).toBeNull();
    expect(ours.ties).toBe(go.ties);
  });
});

describe.skipIf(!hasGo || !traceDir)('latency profiles equal go tool trace -pprof', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rca-latency-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it.each([...newFormat, ...oldFormat].map((f) => [short(f), f]))('%s: net, sync, syscall and sched, by count and delay', (_name, file) => {
    // Old-format events with the same timestamp come out of Go in an order left to chance, each 1 ns after the one before.
    expectLatencyProfilesEqualGo(file, dir, traceHeader(file) <= 21 ? 1000 : 0);
  }, 120_000);
});

describe.skipIf(!hasGo || !traceDir)('broken traces', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rca-trace-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Cuts and flips of a trace: past the header, mid-batch, near the end; single bits through the file. */
  function mutations(buf: Buffer): [string, Buffer][] {
    const out: [string, Buffer][] = [];
    for (const at of [0, 10, 16, 17, 40, Math.floor(buf.length / 3), Math.floor(buf.length / 2), buf.length - 7, buf.length - 1])
      if (at >= 0 && at < buf.length) out.push([`cut at ${at}`, buf.subarray(0, at)]);
    for (let k = 1; k <= 12; k++) {
      const at = 16 + Math.floor(((buf.length - 16) * k) / 13);
      const b = Buffer.from(buf);
      b[at] ^= 1 << k % 8;
      out.push([`bit ${k % 8} flipped at ${at}`, b]);
    }
    return out;
  }

  /** Our dump of a mutated trace, and Go's of the same bytes written to a file. */
  async function bothDumps(bytes: Buffer) {
    const path = join(dir, 'mutated.trace');
    writeFileSync(path, bytes);
    return { ours: ourDump(bytes), go: await goDump(path) };
  }

  it.each(newFormat.filter((f) => statSync(f).size < 600_000).map((f) => [short(f), f]))(
    '%s cut and flipped: the same events as Go up to where reading stops, then one line',
    async (_name, file) => {
      for (const [what, bytes] of mutations(readFileSync(file))) {
        const { ours, go } = await bothDumps(bytes);
        // Where Go's reader fails, ours fails at the same event; the wording of the error may differ.
        expect({ what, stopped: ours.error !== null }).toEqual({ what, stopped: go.error !== null });
        expect({ what, hash: ours.hash }).toEqual({ what, hash: go.hash });
        if (ours.error) expect(ours.error).not.toContain('\n');
      }
    },
    120_000,
  );

  it.each(oldFormat.filter((f) => statSync(f).size < 600_000).map((f) => [short(f), f]))(
    '%s (old format) cut and flipped: read as Go reads it, or refused in one line',
    async (_name, file) => {
      for (const [what, bytes] of mutations(readFileSync(file))) {
        const { ours, go } = await bothDumps(bytes);
        if (ours.error) expect(ours.error).not.toContain('\n');
        // Go parses the whole old trace before it hands out an event, so most damage is an error
        // and no events. Where an event names a stack or string that is not there, Go panics
        // printing it; ours stops there with the error the go1.22+ reader gives.
        if (go.panicked) {
          expect({ what, stopped: ours.error !== null }).toEqual({ what, stopped: true });
          continue;
        }
        expect({ what, stopped: ours.error !== null }).toEqual({ what, stopped: go.error !== null });
        expect({ what, ties: ours.ties }).toEqual({ what, ties: go.ties });
      }
    },
    120_000,
  );

  it('not a trace, an empty file and a header alone end in one line', () => {
    expect(ourDump(Buffer.from('PK\x03\x04 a zip file')).error).toBe('bad file format: not a Go execution trace?');
    expect(ourDump(Buffer.alloc(0)).error).toBe('bad file format: not a Go execution trace?');
    expect(ourDump(Buffer.from('go 1.26 trace\0\0\0')).error).toBeNull();
    expect(ourDump(Buffer.from('go 1.25 trace\0\0\0')).error).toBe('no frequency event found');
    expect(ourDump(Buffer.from('go 1.4 trace\0\0\0\0')).error).toBe('unknown or unsupported trace version go 1.4');
    expect(ourDump(Buffer.from('go 1.21 trace\0\0\0')).error).toBe('no EvFrequency event');
  });
});
