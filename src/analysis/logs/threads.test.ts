import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Drain, templateText } from './drain.js';
import { parseFormat, type LineFormat } from './format.js';
import { maskBlock, mineLines } from './mine.js';
import { mineLinesFast, mineLinesThreaded, startMaskThread, type MaskThread, type ThreadAnswer } from './threads.js';

const format = (() => {
  const f = parseFormat('<Date> <Time> <Level> <Component>: <Content>');
  if (!f.ok) throw new Error(f.error);
  return f.value;
})();

function sample(n: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const ts = `2024-05-07 10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`;
    if (i % 13 === 0) lines.push(`not a header ${i}`);
    else if (i % 7 === 0) lines.push(`${ts} ERROR db: query failed: dial tcp 10.0.0.${i % 7}:5432: connect: connection refused`);
    else if (i % 5 === 0) lines.push(`${ts} WARN cache: evicted ${i * 3} keys from shard-${i % 4} in ${i % 17}ms`);
    else lines.push(`${ts} INFO http: GET /api/orders/${1000 + i} 200 in ${i % 17}ms user=${i % 3 ? 'alice' : 'bob'} req=q62wCcIkEOueqFKF${i % 10}`);
  }
  return lines;
}

/** What mineLines gives, and the templates it leaves. */
function serial(lines: string[], f?: LineFormat) {
  const drain = new Drain();
  const mined = mineLines(drain, lines, f);
  return { mined, templates: drain.templates.map((t) => [templateText(t), t.count]) };
}

function threaded(lines: string[], thread: MaskThread, f?: LineFormat, blockLines = 7) {
  const drain = new Drain();
  const mined = mineLinesThreaded(drain, lines, f, thread, { blockLines, depth: 3, patienceMs: 20 });
  return { mined, templates: drain.templates.map((t) => [templateText(t), t.count]) };
}

/** A worker in this thread: answers when asked, in an order and at a pace the test chooses. */
function fakeThread(how: 'prompt' | 'slow' | 'reversed' | 'failing' | 'silent', f?: LineFormat): MaskThread & { answered: number } {
  const queue: ThreadAnswer[] = [];
  const pending: { block: number; lines: readonly string[] }[] = [];
  const work = (p: { block: number; lines: readonly string[] }): ThreadAnswer => (how === 'failing' && p.block % 3 === 1 ? { block: p.block, error: 'boom' } : { block: p.block, result: maskBlock(p.lines, f) });
  const fake = {
    answered: 0,
    send(block: number, lines: readonly string[]) {
      if (how === 'prompt' || how === 'failing') queue.push(work({ block, lines: [...lines] }));
      else pending.push({ block, lines: [...lines] });
    },
    receive(ms: number) {
      // A slow worker finishes one block only when waited for; a reversed one answers its newest first.
      if (how === 'slow' && ms > 0 && pending.length) queue.push(work(pending.shift()!));
      if (how === 'reversed' && pending.length >= 2) while (pending.length) queue.push(work(pending.pop()!));
      if (how === 'reversed' && ms > 0 && pending.length) queue.push(work(pending.pop()!));
      const a = queue.shift();
      if (a) fake.answered++;
      return a;
    },
    close() {},
  };
  return fake;
}

describe('mineLinesThreaded', () => {
  const lines = sample(500);
  for (const how of ['prompt', 'slow', 'reversed', 'failing', 'silent'] as const) {
    it(`gives what mineLines gives, with a worker that is ${how}`, () => {
      for (const f of [format, undefined]) {
        const thread = fakeThread(how, f);
        const got = threaded(lines, thread, f);
        expect(got).toEqual(serial(lines, f));
        if (how === 'prompt') expect(thread.answered).toBeGreaterThan(10);
        if (how === 'silent') expect(thread.answered).toBe(0);
      }
    });
  }

  it('handles a last block that is not full, a single block, and no lines', () => {
    for (const n of [0, 1, 7, 8, 50]) {
      const some = sample(n);
      expect(threaded(some, fakeThread('prompt', format), format)).toEqual(serial(some, format));
    }
  });
});

describe('mineLinesFast', () => {
  it('mines small logs on this thread, and from the TypeScript sources never starts a worker', () => {
    const lines = sample(200);
    const drain = new Drain();
    expect(mineLinesFast(drain, lines, format)).toEqual(serial(lines, format).mined);
    // In the sources there is no compiled mask-thread.js beside threads.ts.
    const compiled = existsSync(fileURLToPath(new URL('./mask-thread.js', import.meta.url)));
    expect(startMaskThread(format) === undefined).toBe(!compiled);
  });
});

// The compiled worker, when `tsc -p .` has built it: a real thread, the same result.
const dist = fileURLToPath(new URL('../../../dist/src/analysis/logs/', import.meta.url));
describe.skipIf(!existsSync(`${dist}mask-thread.js`))('the compiled worker thread', () => {
  it('masks blocks in its own thread and the miner gets what mineLines gives', async () => {
    const t = (await import(`${dist}threads.js`)) as typeof import('./threads.js');
    const m = (await import(`${dist}mine.js`)) as typeof import('./mine.js');
    const d = (await import(`${dist}drain.js`)) as typeof import('./drain.js');
    const lines = sample(30_000);
    for (const f of [format, undefined]) {
      const thread = t.startMaskThread(f);
      expect(thread).toBeDefined();
      let answered = 0;
      const counting: MaskThread = {
        send: (b, l) => thread!.send(b, l),
        receive: (ms) => {
          const a = thread!.receive(ms);
          if (a) answered++;
          return a;
        },
        close: () => thread!.close(),
      };
      const a = new d.Drain();
      const b = new d.Drain();
      try {
        expect(t.mineLinesThreaded(a, lines, f, counting, { blockLines: 1024 })).toEqual(m.mineLines(b, lines, f));
      } finally {
        counting.close();
      }
      expect(a.templates.map(d.templateText)).toEqual(b.templates.map(d.templateText));
      expect(answered).toBeGreaterThan(0);
    }
  });
});
