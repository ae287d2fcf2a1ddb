import { readdirSync, readFileSync } from 'node:fs';
import { createCanvas, loadImage } from 'canvas';
import { describe, expect, it } from 'vitest';
import { fixture, sharedFixtures } from '../../test/helpers/shared.js';
import { diffTree } from '../profile/diff.js';
import { locationLines, type Profile } from '../profile/model.js';
import { parseProfile } from '../profile/pprof.js';
import { resolveSampleIndex } from '../profile/top.js';
import { callTree, type TreeNode } from '../profile/tree.js';
import { largestChange, renderDiffFlamePng } from './flameDiffPng.js';
import { PNG_WIDTH, renderFlamePng } from './flamePng.js';
import { MIN_FRAME_PX } from './layout.js';
import { fitLabel, withoutPackagePath, withoutTypeArgs } from './names.js';
import { diffTitleText, titleText } from './title.js';

function pngSize(png: Buffer): { width: number; height: number } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** The decoded RGBA pixels. */
async function pixels(png: Buffer): Promise<Uint8ClampedArray> {
  const img = await loadImage(png);
  const ctx = createCanvas(img.width, img.height).getContext('2d');
  ctx.drawImage(img, 0, 0);
  return ctx.getImageData(0, 0, img.width, img.height).data;
}

function load(file: string, type?: string): { p: Profile; index: number } {
  const parsed = parseProfile(readFileSync(fixture('pprof', file)));
  if (!parsed.ok) throw new Error(parsed.error);
  const index = resolveSampleIndex(parsed.value, type);
  if (!index.ok) throw new Error(index.error);
  return { p: parsed.value, index: index.value };
}

describe('labels', () => {
  const measure = (s: string) => s.length; // one pixel a character

  it('drops the package path, then type arguments', () => {
    expect(withoutPackagePath('github.com/foo/bar/pkg.(*Type).Method')).toBe('pkg.(*Type).Method');
    expect(withoutPackagePath('runtime.mallocgc')).toBe('runtime.mallocgc');
    expect(withoutPackagePath('github.com/dgraph-io/badger/v2.Open')).toBe('badger/v2.Open');
    expect(withoutPackagePath('gopkg.in/yaml.v3.(*decoder).unmarshal')).toBe('yaml.v3.(*decoder).unmarshal');
    const generic = 'github.com/grafana/loki/pkg/util/loser.(*Tree[go.shape.struct { github.com/x/iter.labels string }]).initialize';
    expect(withoutPackagePath(generic)).toBe('loser.(*Tree[go.shape.struct { github.com/x/iter.labels string }]).initialize');
    expect(withoutTypeArgs(withoutPackagePath(generic))).toBe('loser.(*Tree[…]).initialize');
    expect(withoutTypeArgs('[unknown]')).toBe('[unknown]');
  });

  it('prefers the whole name, then the short one, then cuts the end', () => {
    const name = 'github.com/foo/bar/pkg.(*Type).Method';
    expect(fitLabel(name, [' 12%'], 100, measure)).toBe(`${name} 12%`);
    // A shorter name with its share beats the whole name without it.
    expect(fitLabel(name, [' 12%'], name.length, measure)).toBe('pkg.(*Type).Method 12%');
    expect(fitLabel(name, [], name.length, measure)).toBe(name);
    expect(fitLabel(name, [' 12%'], 22, measure)).toBe('pkg.(*Type).Method 12%');
    expect(fitLabel(name, [' 12%'], 18, measure)).toBe('pkg.(*Type).Method');
    expect(fitLabel(name, [' 12%'], 10, measure)).toBe('pkg.(*Typ…');
    expect(fitLabel(name, [], 3, measure)).toBe('');
    for (let w = 0; w < 60; w++) expect(measure(fitLabel(name, [' 1.2s, 3%'], w, measure))).toBeLessThanOrEqual(w);
  });
});

describe('titles', () => {
  it('names kind, sample type, total and capture length', () => {
    expect(titleText({ kind: 'CPU', sampleType: 'cpu', unit: 'nanoseconds', total: 1.76e9, durationNanos: 2002012950 })).toBe(
      'CPU · cpu · total 1.76s · 2s capture',
    );
    expect(titleText({ kind: 'heap', sampleType: 'inuse_space', unit: 'bytes', total: 10.5 * 2 ** 20, durationNanos: 0 })).toBe(
      'heap · inuse_space · total 10.50MB',
    );
    expect(diffTitleText({ sampleType: 'cpu', unit: 'nanoseconds', baseTotal: 1e9, currentTotal: 3e9 })).toBe(
      'diff vs base · cpu · base 1s · current 3s',
    );
  });
});

describe('renderFlamePng', () => {
  const tree = (root: TreeNode) => ({ root, sampleType: 'cpu', unit: 'nanoseconds' });

  it('renders an empty profile', async () => {
    const root: TreeNode = { name: 'root', file: '', kind: 'runtime', self: 0, total: 0, children: [] };
    const size = pngSize(await renderFlamePng(tree(root)));
    expect(size.width).toBe(1600);
    expect(size.height).toBeGreaterThan(50);
  });

  it('honours the width option', async () => {
    const leaf: TreeNode = { name: 'main.work', file: '', kind: 'app', self: 10, total: 10, children: [] };
    const root: TreeNode = { name: 'root', file: '', kind: 'runtime', self: 0, total: 10, children: [leaf] };
    expect(pngSize(await renderFlamePng(tree(root), { width: 800 })).width).toBe(800);
  });
});

describe.skipIf(!sharedFixtures)('flame PNGs of real profiles', () => {
  it('draws the small CPU profile 1600 wide, application frames warm', async () => {
    const { p, index } = load('googlepprof__sample.cpu');
    const t = callTree(p, index);
    const png = await renderFlamePng(t, { title: { kind: 'CPU', durationNanos: p.durationNanos } });
    const { width, height } = pngSize(png);
    expect(width).toBe(1600);
    // 8 levels of frames, under a title and legend.
    expect(height).toBeGreaterThan(8 * 18);
    expect(height).toBeLessThan(400);
    // main.main and main.busyLoop span the whole width: the middle column crosses two warm rows.
    const data = await pixels(png);
    let warm = 0;
    for (let y = 0; y < height; y++) {
      const i = (y * width + 800) * 4;
      if (data[i] > 200 && data[i] - data[i + 2] > 120 && data[i + 1] < data[i]) warm++;
    }
    expect(warm).toBeGreaterThan(30);
  });

  it.each([
    ['pyroscope__cpu_go_truncated_1.pb.gz', undefined],
    ['pyroscope__heap_go_truncated_3.pb.gz', undefined],
    ['ddpprofformat__test.pprof', 'cpu-time'],
    ['pyroscope__heap.pb.gz', 'inuse_space'],
  ])('draws %s %s in a sane size', async (file, type) => {
    const { p, index } = load(file, type);
    const { width, height } = pngSize(await renderFlamePng(callTree(p, index)));
    expect(width).toBe(1600);
    expect(height).toBeGreaterThan(100);
    expect(height).toBeLessThanOrEqual(1200);
  });

  it('draws a diff: red growth, blue shrink', async () => {
    const base = load('pyroscope__cpu_go_truncated_1.pb.gz').p;
    const cur = load('pyroscope__cpu_go_truncated_1.pb.gz').p;
    // Triple the samples under TLS handshakes, cut those under the GC workers.
    const n = cur.sampleTypes.length;
    for (let s = 0; s < cur.samples.count; s++) {
      let f = 1;
      for (let i = cur.samples.stackStart[s]; i < cur.samples.stackEnd[s]; i++)
        for (const l of locationLines(cur, cur.samples.stack[i])) {
          if (l.func.name.includes('clientHandshake')) f = 3;
          else if (l.func.name.includes('gcBgMarkWorker')) f = 0.3;
        }
      for (let t = 0; t < n; t++) cur.samples.values[s * n + t] *= f;
    }
    const d = diffTree(base, cur, 1);
    if (!d.ok) throw new Error(d.error);
    expect(largestChange(d.value.root)).toBeGreaterThan(0);
    const png = await renderDiffFlamePng(d.value, { title: { kind: 'CPU' } });
    expect(pngSize(png).width).toBe(1600);
    const data = await pixels(png);
    let red = 0;
    let blue = 0;
    for (let i = 0; i < data.length; i += 4 * 7) {
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      if (r - b > 80 && r - g > 80) red++;
      if (b - r > 60 && b - g > 20) blue++;
    }
    expect(red).toBeGreaterThan(1000);
    expect(blue).toBeGreaterThan(100);
  });

  it('draws a diff of a profile against itself in neutral colours', async () => {
    const { p, index } = load('googlepprof__sample.cpu');
    const d = diffTree(p, p, index);
    if (!d.ok) throw new Error(d.error);
    expect(largestChange(d.value.root)).toBe(0);
    expect(pngSize(await renderDiffFlamePng(d.value)).width).toBe(1600);
  });
});

describe.skipIf(!sharedFixtures)('a tree cut to what a PNG can draw', () => {
  it('draws the same picture as the whole tree, from far fewer frames, on every profile and sample type', async () => {
    const files = readdirSync(fixture('pprof')).filter((f) => /^[^.]+__[^/]+\.(pprof|pb\.gz|pb|cpu|heap|heapz|contention|prof)$/.test(f) || /\.(pb\.gz|pprof)$/.test(f));
    let compared = 0;
    let whole = 0;
    let cut = 0;
    const count = (n: TreeNode): number => 1 + n.children.reduce((s, c) => s + count(c), 0);
    for (const file of files) {
      const parsed = parseProfile(readFileSync(fixture('pprof', file)));
      if (!parsed.ok) continue;
      for (let index = 0; index < parsed.value.sampleTypes.length; index++) {
        const full = callTree(parsed.value, index, { withoutProfiler: true });
        const pruned = callTree(parsed.value, index, { withoutProfiler: true, minShare: MIN_FRAME_PX / PNG_WIDTH });
        expect((await renderFlamePng(pruned)).equals(await renderFlamePng(full)), `${file} #${index}`).toBe(true);
        whole += count(full.root);
        cut += count(pruned.root);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(20);
    expect(cut).toBeLessThan(whole / 2);
  });
});
