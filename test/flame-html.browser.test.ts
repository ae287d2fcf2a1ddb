// The interactive flame graph (renderFlameHtml) in a real headless Chromium:
// what a person relies on when they open the page from the incident channel.
// The page is written to a temp dir and opened from file://, as a downloaded
// attachment would be; it must load nothing else.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseProfile } from '../src/profile/pprof.js';
import { resolveSampleIndex } from '../src/profile/top.js';
import { callTree, type CallTree, type TreeNode } from '../src/profile/tree.js';
import { formatValue } from '../src/profile/units.js';
import { renderFlameHtml } from '../src/render/index.js';
import { chromiumPath, launchBrowser, watchPage, type PageWatch } from './helpers/browser.js';
import { fixture, sharedFixtures } from './helpers/shared.js';

interface FlameState {
  zoom: string;
  zoomIndex: number;
  search: string;
  matched: number;
  matchedShare: number;
  frames: number;
  merged: number;
}

declare global {
  interface Window {
    flame: {
      zoom(name: string | number): boolean;
      reset(): void;
      search(text: string): FlameState;
      state(): FlameState;
      format(value: number): string;
    };
  }
}

interface Frame {
  i: number;
  name: string;
  cls: string;
  left: number;
  width: number;
}

const SMALL = 'googlepprof__sample.cpu';
const LARGE = 'pyroscope__heap_go_truncated_3.pb.gz';
const VIEWPORT = { width: 1280, height: 800 };

function fixtureFile(name: string): string | undefined {
  if (!sharedFixtures) return undefined;
  const path = fixture('pprof', name);
  if (existsSync(path)) return path;
  console.warn(`skipping flame graph browser tests on ${name}: ${path} is absent`);
  return undefined;
}
const smallPath = fixtureFile(SMALL);
const largePath = fixtureFile(LARGE);

function loadTree(path: string, sampleType: string | undefined): CallTree {
  const parsed = parseProfile(readFileSync(path));
  if (!parsed.ok) throw new Error(`${path}: ${parsed.error}`);
  const index = resolveSampleIndex(parsed.value, sampleType);
  if (!index.ok) throw new Error(`${path}: ${index.error}`);
  return callTree(parsed.value, index.value);
}

/** The tree in pre-order: the page's data-i of a frame indexes this list. */
function preorder(root: TreeNode): { node: TreeNode; depth: number }[] {
  const out: { node: TreeNode; depth: number }[] = [];
  const stack = [{ node: root, depth: 0 }];
  while (stack.length > 0) {
    const top = stack.pop() as { node: TreeNode; depth: number };
    out.push(top);
    for (let c = top.node.children.length - 1; c >= 0; c--) stack.push({ node: top.node.children[c], depth: top.depth + 1 });
  }
  return out;
}

/** Share of the total in frames matching `match`, a match under a match counted once. */
function matchedValue(root: TreeNode, match: (name: string) => boolean): number {
  let sum = 0;
  const stack = [root];
  while (stack.length > 0) {
    const n = stack.pop() as TreeNode;
    if (match(n.name)) sum += Math.max(0, n.total);
    else stack.push(...n.children);
  }
  return sum;
}

const pct = (v: number, total: number) => `${((100 * v) / total).toFixed(2)}%`;

let tmp: string | undefined;
function writePage(name: string, html: string): string {
  tmp ??= mkdtempSync(join(tmpdir(), 'rca-flame-html-'));
  const file = join(tmp, name);
  writeFileSync(file, html);
  return pathToFileURL(file).href;
}

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Opens `url` in a fresh page and waits for the flame graph to be drawn. */
async function openFlame(context: BrowserContext, url: string): Promise<{ page: Page; watch: PageWatch }> {
  const page = await context.newPage();
  const watch = watchPage(page);
  await page.goto(url);
  await page.waitForFunction(() => typeof window.flame === 'object' && document.querySelectorAll('#flame .frame').length > 0);
  return { page, watch };
}

function frames(page: Page): Promise<Frame[]> {
  return page.$$eval('#flame .frame', (els) =>
    els.map((e) => {
      const r = e.getBoundingClientRect();
      return { i: Number(e.getAttribute('data-i')), name: e.getAttribute('data-name') ?? '', cls: e.className, left: r.left, width: r.width };
    }),
  );
}

const flameWidth = (page: Page) => page.$eval('#flame', (e) => e.getBoundingClientRect().width);
const flameLeft = (page: Page) => page.$eval('#flame', (e) => e.getBoundingClientRect().left);

/** Types into #search as a person does and waits until the page has applied it. */
async function typeSearch(page: Page, text: string): Promise<void> {
  await page.locator('#search').fill('');
  await page.locator('#search').pressSequentially(text);
  await page.waitForFunction((t) => window.flame.state().search === t, text);
}

async function zoomedTo(page: Page, index: number): Promise<void> {
  await page.waitForFunction((i) => window.flame.state().zoomIndex === i, index);
}

describe.skipIf(!chromiumPath || !smallPath)(`flame graph HTML in Chromium: ${SMALL}`, () => {
  let browser: Browser;
  let context: BrowserContext;
  let tree: CallTree;
  let nodes: { node: TreeNode; depth: number }[];
  let total: number;
  let url: string;
  let opened: { page: Page; watch: PageWatch }[] = [];

  const indexOf = (name: string) => nodes.findIndex((n) => n.node.name === name);
  const open = async () => {
    const o = await openFlame(context, url);
    opened.push(o);
    return o;
  };

  beforeAll(async () => {
    tree = loadTree(smallPath as string, undefined);
    nodes = preorder(tree.root);
    total = tree.root.total;
    url = writePage('sample-cpu.html', renderFlameHtml(tree));
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: VIEWPORT });
    context.setDefaultTimeout(10_000);
  });

  afterEach(async () => {
    // Whatever a test did, the page logged no error and loaded nothing.
    for (const { page, watch } of opened) {
      expect(watch.errors).toEqual([]);
      expect(watch.requests).toEqual([page.url()]);
      await page.close();
    }
    opened = [];
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('loads self-contained, with every frame at its share of the width', async () => {
    const { page, watch } = await open();
    expect(watch.requests).toEqual([url]);
    expect(watch.errors).toEqual([]);
    expect(await page.title()).toContain('cpu');
    expect(await page.locator('#reset').isDisabled()).toBe(true);

    // 10ms of 1.76s is ~7px, so nothing is merged: every node is a frame.
    const W = await flameWidth(page);
    const x0 = await flameLeft(page);
    const drawn = await frames(page);
    expect(drawn.map((f) => f.i).sort((a, b) => a - b)).toEqual(nodes.map((_, i) => i));
    expect(await page.locator('#flame .merged').count()).toBe(0);
    for (const f of drawn) {
      const n = nodes[f.i].node;
      expect(f.name, `data-name of frame ${f.i}`).toBe(n.name);
      expect(Math.abs(f.width - (n.total / total) * W), `width of ${n.name}`).toBeLessThanOrEqual(1.5);
    }
    const root = drawn.find((f) => f.i === 0) as Frame;
    expect(root.left).toBeCloseTo(x0, 0);
    expect(root.width).toBeGreaterThanOrEqual(W - 2);
  });

  it('shows a tooltip with function, file, flat, cum and share on hover', async () => {
    const { page } = await open();
    const tip = page.locator('#tip');
    expect(await tip.isHidden()).toBe(true);

    await page.locator('.frame[data-name="runtime.mapiternext"]').hover();
    await tip.waitFor({ state: 'visible' });
    const text = await tip.innerText();
    expect(text).toContain('runtime.mapiternext');
    expect(text).toContain('/usr/lib/google-golang/src/runtime/hashmap.go');
    // As `go tool pprof -top` prints this profile: 1.28s 72.73% flat, 1.37s 77.84% cum.
    expect(text).toContain('flat 1.28s (72.73%)');
    expect(text).toContain('cum 1.37s (77.84%)');
    expect(text).toContain('click to zoom');
    const box = await tip.boundingBox();
    expect(box).not.toBeNull();
    if (box) {
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.y).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(VIEWPORT.width);
      expect(box.y + box.height).toBeLessThanOrEqual(VIEWPORT.height);
    }

    // Another frame: the tooltip follows, with that frame's values.
    const abs = nodes[indexOf('math.Abs')].node;
    await page.locator('.frame[data-name="math.Abs"]').hover();
    await page.waitForFunction(() => (document.getElementById('tip') as HTMLElement).innerText.includes('math.Abs'));
    const absText = await tip.innerText();
    expect(absText).not.toContain('mapiternext');
    expect(absText).toContain(abs.file);
    expect(absText).toContain(`flat ${formatValue(abs.self, tree.unit)} (${pct(abs.self, total)})`);
    expect(absText).toContain(`cum ${formatValue(abs.total, tree.unit)} (${pct(abs.total, total)})`);

    // Leaving the graph hides it.
    await page.locator('#title').hover();
    await tip.waitFor({ state: 'hidden' });
  });

  it('highlights the frames a search matches and shows their share', async () => {
    const { page } = await open();
    const matches = () => page.$$eval('#flame .frame.match', (els) => els.map((e) => e.getAttribute('data-name')));
    const matchedText = () => page.locator('#matched').innerText();
    const opacity = (sel: string) => page.$eval(sel, (e) => getComputedStyle(e).opacity);

    await typeSearch(page, 'mapiternext');
    expect(await matches()).toEqual(['runtime.mapiternext']);
    expect(await matchedText()).toBe('matched 1.37s · 77.84% of total');
    expect(await opacity('.frame[data-name="runtime.mapiternext"]')).toBe('1');
    expect(await opacity('.frame[data-name="math.Abs"]')).toBe('0.35');

    // Case-insensitive, every frame of the function (runtime.add is called from two places).
    await typeSearch(page, 'RUNTIME.ADD');
    expect(await matches()).toEqual(['runtime.add', 'runtime.add']);
    const add = matchedValue(tree.root, (n) => n === 'runtime.add');
    expect(await matchedText()).toBe(`matched ${formatValue(add, tree.unit)} · ${pct(add, total)} of total`);

    // main.main calls main.busyLoop: the nested match is not counted twice.
    await typeSearch(page, 'main.');
    expect((await matches()).sort()).toEqual(['main.busyLoop', 'main.main']);
    expect(await matchedText()).toBe('matched 1.76s · 100.00% of total');

    // A /regex/.
    await typeSearch(page, '/^runtime\\.(evacuate|memmove)$/');
    expect((await matches()).sort()).toEqual(['runtime.evacuate', 'runtime.memmove', 'runtime.memmove']);
    const re = matchedValue(tree.root, (n) => /^runtime\.(evacuate|memmove)$/.test(n));
    expect(await matchedText()).toContain(pct(re, total));

    // No match: nothing highlighted, everything dimmed, a zero share.
    await typeSearch(page, 'no.such.function');
    expect(await matches()).toEqual([]);
    expect(await matchedText()).toBe('matched 0 · 0.00% of total');
    expect(await opacity('.frame[data-name="runtime.mapiternext"]')).toBe('0.35');

    // Escape clears the search.
    await typeSearch(page, 'busyLoop');
    expect(await matches()).toEqual(['main.busyLoop']);
    await page.locator('#search').press('Escape');
    await page.waitForFunction(() => window.flame.state().search === '');
    expect(await matches()).toEqual([]);
    expect(await matchedText()).toBe('');
    expect(await page.locator('#search').inputValue()).toBe('');
    expect(await opacity('.frame[data-name="math.Abs"]')).toBe('1');
  });

  it('zooms into a clicked frame and back out with Reset or an ancestor', async () => {
    const { page } = await open();
    const W = await flameWidth(page);
    const x0 = await flameLeft(page);
    const iter = indexOf('runtime.mapiternext');
    const busy = indexOf('main.busyLoop');
    const byName = async (name: string) => (await frames(page)).filter((f) => f.name === name);
    const iterNode = nodes[iter].node;
    const before = (await byName('runtime.mapiternext'))[0];
    expect(before.width).toBeLessThan(0.8 * W);

    await page.locator('.frame[data-name="runtime.mapiternext"]').click();
    await zoomedTo(page, iter);
    const zoomed = await frames(page);
    const z = zoomed.find((f) => f.i === iter) as Frame;
    expect(z.left).toBeCloseTo(x0, 0);
    expect(z.width).toBeGreaterThanOrEqual(W - 2);
    // Its callers stay as greyed full-width ancestors; frames outside it are gone.
    expect(zoomed.filter((f) => f.cls.includes('ancestor')).map((f) => f.name)).toEqual(['root', 'runtime.main', 'main.main', 'main.busyLoop']);
    expect(zoomed.some((f) => f.name === 'math.Abs' || f.name === 'runtime.mapassign_fast64')).toBe(false);
    // Its callees scale with it.
    const overflow = iterNode.children.find((c) => c.name === 'runtime.(*bmap).overflow') as TreeNode;
    const ov = zoomed.find((f) => f.name === overflow.name) as Frame;
    expect(Math.abs(ov.width - (overflow.total / iterNode.total) * W)).toBeLessThanOrEqual(1.5);
    expect(await page.locator('#reset').isEnabled()).toBe(true);

    await page.locator('#reset').click();
    await zoomedTo(page, 0);
    const reset = await frames(page);
    expect((reset.find((f) => f.i === 0) as Frame).width).toBeGreaterThanOrEqual(W - 2);
    expect((reset.find((f) => f.i === iter) as Frame).width).toBeCloseTo(before.width, 0);
    expect(reset.filter((f) => f.cls.includes('ancestor'))).toEqual([]);
    expect(reset.some((f) => f.name === 'math.Abs')).toBe(true);
    expect(await page.locator('#reset').isDisabled()).toBe(true);

    // Clicking a greyed ancestor zooms out to it, clicking the root to the whole graph.
    await page.locator('.frame[data-name="runtime.mapiternext"]').click();
    await zoomedTo(page, iter);
    await page.locator('.frame.ancestor[data-name="main.busyLoop"]').click();
    await zoomedTo(page, busy);
    expect(await page.locator('.frame[data-name="math.Abs"]').count()).toBe(1);
    await page.locator('.frame[data-name="root"]').click();
    await zoomedTo(page, 0);
    expect(await page.locator('#reset').isDisabled()).toBe(true);
  });
});

describe.skipIf(!chromiumPath || !largePath)(`flame graph HTML in Chromium: ${LARGE} (the largest fixture)`, () => {
  let browser: Browser;
  let tree: CallTree;
  let url: string;

  beforeAll(async () => {
    tree = loadTree(largePath as string, 'alloc_objects');
    url = writePage('heap-alloc-objects.html', renderFlameHtml(tree));
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('loads and searches', async () => {
    const context = await browser.newContext({ viewport: VIEWPORT });
    const { page, watch } = await openFlame(context, url);
    const total = tree.root.total;
    const W = await flameWidth(page);
    const state = await page.evaluate(() => window.flame.state());
    expect(state.zoomIndex).toBe(0);
    expect(state.frames).toBeGreaterThan(10);
    expect(state.merged).toBeGreaterThan(0); // 65k nodes: most are too narrow to draw
    expect(await page.locator('.frame[data-i="0"]').evaluate((e) => e.getBoundingClientRect().width)).toBeGreaterThanOrEqual(W - 2);

    // The function with the most flat allocations in `go tool pprof -top`.
    const needle = 'index.(*Reader).LabelValues';
    await typeSearch(page, needle);
    const matched = await page.$$eval('#flame .frame.match', (els) => els.map((e) => e.getAttribute('data-name') ?? ''));
    expect(matched.length).toBeGreaterThan(0);
    for (const name of matched) expect(name).toContain(needle);
    const value = matchedValue(tree.root, (n) => n.toLowerCase().includes(needle.toLowerCase()));
    expect(value).toBeGreaterThan(0);
    expect(await page.locator('#matched').innerText()).toBe(`matched ${formatValue(value, tree.unit)} · ${pct(value, total)} of total`);

    await typeSearch(page, 'no.such.function');
    expect(await page.locator('#flame .frame.match').count()).toBe(0);
    expect(await page.locator('#matched').innerText()).toBe('matched 0 · 0.00% of total');

    // A block of frames too narrow to draw zooms into their caller, the frame right above it.
    const blocks = await page.$$eval('#flame .merged', (els) =>
      els.map((e, k) => {
        const r = e.getBoundingClientRect();
        return { k, top: r.top, left: r.left, right: r.right, width: r.width };
      }),
    );
    const rootTop = await page.locator('.frame[data-i="0"]').evaluate((e) => e.getBoundingClientRect().top);
    const block = blocks.filter((b) => b.top > rootTop + 30).sort((a, b) => b.width - a.width)[0]; // caller is not the root
    const before = await frames(page);
    const caller = await page.$$eval('#flame .frame', (els, b) => {
      const above = els.find((e) => {
        const r = e.getBoundingClientRect();
        return Math.abs(r.bottom + 1 - b.top) < 2 && r.left <= b.left + 0.5 && b.right <= r.right + 1.5;
      });
      return above ? Number(above.getAttribute('data-i')) : -1;
    }, block);
    expect(caller, 'the frame above the narrow block').toBeGreaterThan(0);
    await page.locator('#flame .merged').nth(block.k).click();
    await zoomedTo(page, caller);
    expect(await page.locator(`.frame[data-i="${caller}"]`).evaluate((e) => e.getBoundingClientRect().width)).toBeGreaterThanOrEqual(W - 2);
    expect(before.find((f) => f.i === caller)?.width).toBeLessThan(W / 2);
    await page.locator('#reset').click();
    await zoomedTo(page, 0);

    // Zooming works on the big page too.
    const widest = tree.root.children[0];
    await page.locator('.frame[data-i="1"]').click();
    await zoomedTo(page, 1);
    expect(await page.evaluate(() => window.flame.state().zoom)).toBe(widest.name);
    expect(await page.locator('.frame[data-i="1"]').evaluate((e) => e.getBoundingClientRect().width)).toBeGreaterThanOrEqual(W - 2);

    expect(watch.errors).toEqual([]);
    expect(watch.requests).toEqual([url]);
    await context.close();
  });
});
