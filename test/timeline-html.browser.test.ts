// The execution trace's interactive timeline (renderTimelineHtml) in a real
// headless Chromium: it draws the lanes, zooms, and a slice under the pointer
// names its goroutine and the stack where it stopped. Loads nothing else.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderTimelineHtml } from '../src/render/timelineHtml.js';
import { analyzeTrace } from '../src/trace/analyze.js';
import { chromiumPath, launchBrowser, watchPage } from './helpers/browser.js';
import { fixture, sharedFixtures } from './helpers/shared.js';

declare global {
  interface Window {
    timeline: { zoom(a: number, b: number): void; sliceAt(ev: { clientX: number; clientY: number }): number; count: number };
  }
}

describe.skipIf(!chromiumPath || !sharedFixtures)('the interactive execution-trace timeline in Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rca-timeline-'));
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('draws every slice, zooms, and names the goroutine and stack under the pointer', async () => {
    const a = analyzeTrace(fixture('gotrace/felixge__traceutils/testdata/1.25/test-encoding-json.trace'));
    if (!a.ok) throw new Error(a.error);
    const { html } = renderTimelineHtml(a.value.timeline, 'encoding/json tests: execution trace </script><b>x</b>');
    const file = join(dir, 'timeline.html');
    writeFileSync(file, html);
    const page = await browser.newPage({ viewport: { width: 1400, height: 600 } });
    const watch = watchPage(page);
    await page.goto(pathToFileURL(file).href);
    expect(await page.evaluate(() => window.timeline.count)).toBe(a.value.timeline.slices.count);
    // The title with markup in it is text.
    expect(await page.locator('header b').textContent()).toContain('</script><b>x</b>');
    await page.screenshot({ path: join(dir, 'whole.png') });
    // Find a long slice, zoom onto it, and hover it.
    const s = a.value.timeline.slices;
    let longest = 0;
    for (let i = 1; i < s.count; i++) if (s.end[i] - s.start[i] > s.end[longest] - s.start[longest]) longest = i;
    const us = (ns: number) => Math.round((ns - a.value.timeline.startNs) / 1000);
    const [from, to] = [us(s.start[longest]), us(s.end[longest])];
    await page.evaluate(([x0, x1]) => window.timeline.zoom(x0 - (x1 - x0), x1 + (x1 - x0)), [from, to]);
    const lane = a.value.timeline.procs.indexOf(s.p[longest]);
    const box = (await page.locator('canvas').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + 6 + lane * 22 + 10);
    const tip = await page.locator('#tip').textContent();
    expect(tip).toContain(`G${s.g[longest]} `);
    expect(tip).toMatch(/ran [\d.]+ (ms|µs|s) from/);
    await page.screenshot({ path: join(dir, 'zoomed.png') });
    expect(watch.errors).toEqual([]);
    expect(watch.requests).toEqual([pathToFileURL(file).href]);
    await page.close();
  });
});
