// A report's permalink page, as a person opens it from the incident channel:
// the bot's HTTP server with the report routes, a report saved in a real
// Redis from real profiles, and a headless Chromium. The flame graphs inside
// the page must stay interactive under the page's Content-Security-Policy.
import { existsSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { Redis } from 'ioredis';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseProfile } from '../src/profile/pprof.js';
import { analyse } from '../src/rca/diagnose.js';
import type { Report, TraceLogs } from '../src/model.js';
import { quoteTraceLogs } from '../src/analysis/join.js';
import { loadNezhaCase } from '../src/sources/cases/nezha.js';
import { flamePages, type FlamePage } from '../src/reports/flames.js';
import { reportRoutes, reportUrl } from '../src/reports/routes.js';
import { ReportStore } from '../src/reports/store.js';
import { startServer } from '../src/server/http.js';
import type { Capture } from '../src/sources/pprof.js';
import { verdictSentence } from '../templates/summary.js';
import { chromiumPath, launchBrowser, watchPage, type PageWatch } from './helpers/browser.js';
import { cleanup, hasRedis, redisUrl, uniquePrefix } from './helpers/redis.js';
import { fixture, sharedFixtures } from './helpers/shared.js';

interface FlameState {
  zoom: string;
  zoomIndex: number;
  search: string;
  matched: number;
  frames: number;
}
/** What a flame graph page exposes for tests (see src/render/flameHtml.ts). */
type FlameWindow = { flame: { zoom(name: string | number): boolean; reset(): void; search(text: string): FlameState; state(): FlameState } };

const CPU = 'googlepprof__sample.cpu';
const BLOCK = 'goprofnotes__block-net.block.pb.gz';

function fixtureFile(name: string): string | undefined {
  if (!sharedFixtures) return undefined;
  const path = fixture('pprof', name);
  if (existsSync(path)) return path;
  console.warn(`skipping report page browser tests: ${path} is absent`);
  return undefined;
}
const cpuPath = fixtureFile(CPU);
const blockPath = fixtureFile(BLOCK);

async function nezhaTraceLogs(): Promise<TraceLogs[]> {
  const c = await loadNezhaCase(fixture('rca', 'nezha', 'tt-2023-01-29-travel-exception'));
  if (!c.ok) throw new Error(c.error);
  const [slowest, failing] = quoteTraceLogs(c.value.spans, c.value.logs, { lines: 5 });
  return [slowest, { ...failing, lines: [...failing.lines, { line: HOSTILE_LOG, service: 'ts-order-service' }] }];
}

function capture(name: Capture['name'], path: string): Capture {
  const parsed = parseProfile(readFileSync(path));
  if (!parsed.ok) throw new Error(`${path}: ${parsed.error}`);
  return { name, path: `/debug/pprof/${name}`, ms: 12, profile: parsed.value };
}

// Text from services and logs, written to break out of the page if it is not escaped.
const HOSTILE_TITLE = 'Requests wait in <b id="injected">pool</b><img src=x onerror="window.pwned=1"> & "quotes"';
const HOSTILE_EVIDENCE = '</li></ul><script>window.pwned=2</script><a href="javascript:alert(1)">click</a>';
const HOSTILE_ERROR = 'HTTP 500: <html><body onload="window.pwned=3">oops</body></html>';
const HOSTILE_LOG = 'ERROR </pre><img src=x onerror="window.pwned=4"> order not found';

describe.skipIf(!chromiumPath || !hasRedis || !cpuPath || !blockPath)('report page in Chromium', () => {
  let redis: Redis;
  let prefix: string;
  let store: ReportStore;
  let server: Server;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let report: Report;
  let flames: FlamePage[];
  let id: string;
  let opened: { page: Page; watch: PageWatch }[] = [];

  beforeAll(async () => {
    // A real diagnosis of real profiles, then a finding and an error carrying markup.
    const captures = [capture('cpu', cpuPath as string), capture('block', blockPath as string)];
    const analysed = analyse({ service: 'order-api', pprof: 'http://127.0.0.1:6060', probes: [] }, 10, new Date('2026-11-25T17:41:47Z'), captures, [], 10_200);
    report = {
      ...analysed,
      verdict: 'likely',
      findings: [
        {
          kind: 'pool-exhaustion',
          title: HOSTILE_TITLE,
          confidence: 0.81,
          location: { function: 'main.loadOrder', file: '/src/order-api/db.go', line: 76 },
          evidence: [
            { source: 'block', summary: 'requests waited 41 s at database/sql.(*DB).conn in 3 s (13.6 waiting at any time)' },
            { source: 'logs', summary: HOSTILE_EVIDENCE },
          ],
        },
        ...analysed.findings,
      ],
      errors: [{ source: 'mutex', error: HOSTILE_ERROR }],
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      // The log lines of a real trace (a Nezha case), and one line written to break out of the page.
      traceLogs: await nezhaTraceLogs(),
    };
    flames = flamePages(report, captures);
    redis = new Redis(redisUrl);
    prefix = uniquePrefix();
    store = new ReportStore(redis, `${prefix}:reports`);
    id = await store.save(report, flames);
    const started = await startServer(reportRoutes(store, { traceUrl: 'http://jaeger.example:16686/trace/{trace_id}' }), 0, '127.0.0.1');
    server = started.server;
    base = `http://127.0.0.1:${started.port}`;
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(10_000);
  });

  afterEach(async () => {
    for (const { page } of opened) await page.close();
    opened = [];
  });

  afterAll(async () => {
    await browser?.close();
    server?.closeAllConnections();
    server?.close();
    if (redis) {
      await cleanup(redis, prefix);
      await redis.quit();
    }
  });

  async function open(url: string) {
    const page = await context.newPage();
    const watch = watchPage(page);
    opened.push({ page, watch });
    const response = await page.goto(url);
    return { page, watch, response };
  }

  /** The flame graph of capture `name` inside the page, once it is drawn. */
  async function flameFrame(page: Page, name: string): Promise<Frame> {
    const frame = await page.locator(`iframe[data-name="${name}"]`).elementHandle().then((h) => h?.contentFrame());
    if (!frame) throw new Error(`no flame graph frame for ${name}`);
    await frame.waitForFunction(() => typeof (window as unknown as FlameWindow).flame === 'object' && document.querySelectorAll('#flame .frame').length > 0);
    return frame;
  }

  it("shows the log lines of the traces and links the diagnosis's own trace", async () => {
    const { page, watch } = await open(reportUrl(base, id));
    const section = page.locator('#trace-logs');
    await expect.poll(() => section.locator('h3').allTextContents()).toEqual(report.traceLogs?.map((t) => expect.stringContaining(t.traceId)));
    const first = (await section.locator('pre').first().textContent()) ?? '';
    expect(first.split('\n')).toHaveLength(6);
    expect(first).toContain(`TraceID: ${report.traceLogs?.[0].traceId}`);
    expect(await section.locator('pre').nth(1).textContent()).toContain(HOSTILE_LOG);
    expect(await page.locator('#trace-logs img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.locator('a:has(#trace-id)').getAttribute('href')).toBe('http://jaeger.example:16686/trace/4bf92f3577b34da6a3ce929d0e0e4736');
    if (process.env.RCA_SCREENSHOTS) await section.screenshot({ path: `${process.env.RCA_SCREENSHOTS}/report-trace-logs.png` });
    expect(watch.errors).toEqual([]);
  });

  it('draws the same flame graphs as the PNGs: the top finding\'s profile, then CPU', () => {
    expect(flames.map((f) => f.name)).toEqual(['block', 'cpu']);
    expect(flames.map((f) => f.title)).toEqual(['order-api: block flame graph', 'order-api: cpu flame graph']);
    for (const f of flames) expect(f.html).toMatch(/^<!doctype html>/);
  });

  it('serves the page with a strict CSP, private and unindexed', async () => {
    const { response, watch, page } = await open(reportUrl(base, id));
    expect(response?.status()).toBe(200);
    const h = response?.headers() ?? {};
    expect(h['content-type']).toBe('text/html; charset=utf-8');
    expect(h['cache-control']).toBe('private');
    expect(h['x-robots-tag']).toContain('noindex');
    expect(h['referrer-policy']).toBe('no-referrer');
    const csp = h['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    expect(csp).toMatch(/script-src 'sha256-[\w+/=]+'(;|$)/); // one script: both flame graphs run the same one
    await flameFrame(page, 'cpu');
    await flameFrame(page, 'block');
    // No CSP violation (Chromium logs each as a console error), nothing loaded but the page.
    expect(watch.errors).toEqual([]);
    expect(watch.requests).toEqual([reportUrl(base, id)]);

    // Compressed for clients that take it: flame graphs make pages of a megabyte or more.
    const gz = await fetch(reportUrl(base, id), { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(await gz.text()).toContain('<!doctype html>');
  });

  it('holds the flame graphs to the page\'s policy: without their script hashes nothing in them runs', async () => {
    // A srcdoc document inherits the policy of the page; check it is enforced
    // there, so the policy protects the flame graphs as well as the page.
    const page = await context.newPage();
    const watch = watchPage(page);
    opened.push({ page, watch });
    await page.route(reportUrl(base, id), async (route) => {
      const response = await route.fetch();
      const headers = response.headers();
      headers['content-security-policy'] = headers['content-security-policy'].replace(/script-src [^;]+/, "script-src 'none'");
      await route.fulfill({ response, headers });
    });
    await page.goto(reportUrl(base, id));
    const frame = await page.locator('iframe[data-name="cpu"]').elementHandle().then((h) => h?.contentFrame());
    await frame?.locator('#flame').waitFor({ state: 'attached' });
    // (window.flame alone would be the #flame element: named access.)
    expect(await frame?.evaluate(() => typeof (window as unknown as FlameWindow).flame.state)).toBe('undefined');
    expect(await frame?.locator('#flame .frame').count()).toBe(0);
    expect(watch.errors.some((e) => e.includes('Content Security Policy'))).toBe(true);
  });

  it('shows the verdict, its sentence, every finding with its evidence, what failed and the timings', async () => {
    const { page } = await open(reportUrl(base, id));
    const verdict = page.locator('#verdict');
    await verdict.waitFor({ state: 'visible' });
    expect(await verdict.innerText()).toContain('order-api');
    expect(await verdict.innerText()).toContain('likely');
    expect(await page.locator('#sentence').innerText()).toBe(verdictSentence(report));
    expect(await page.title()).toContain('order-api');

    const findings = page.locator('#findings .finding');
    expect(await findings.count()).toBe(report.findings.length);
    for (const [i, f] of report.findings.entries()) {
      const li = findings.nth(i);
      expect(await li.isVisible()).toBe(true);
      const text = await li.innerText();
      expect(text).toContain(f.kind);
      expect(text).toContain(`confidence ${f.confidence.toFixed(2)}`);
      expect(text).toContain(f.title);
      if (f.location) expect(text).toContain(`${f.location.function} ${f.location.file}:${f.location.line}`);
      const evidence = await li.locator('.evidence li').allInnerTexts();
      expect(evidence).toEqual(f.evidence.map((e) => `${e.source}: ${e.summary}`));
    }
    expect(await page.locator('#errors li').allInnerTexts()).toEqual([`mutex: ${HOSTILE_ERROR}`]);
    expect(await page.locator('#errors h2').innerText()).toBe('What failed');
    const timings = await page.locator('#timings tr').allInnerTexts();
    expect(timings.map((t) => t.split('\t')[0])).toEqual(Object.keys(report.timings));
    expect(timings[0]).toBe('capture\t10.2 s');
  });

  it('shows markup from a report as text, never as markup', async () => {
    const { page, watch } = await open(reportUrl(base, id));
    await page.locator('#findings').waitFor();
    expect(await page.locator('#findings .finding .title').first().innerText()).toBe(HOSTILE_TITLE);
    expect(await page.locator('#injected').count()).toBe(0);
    expect(await page.locator('body > main img, body > main a, body > main script').count()).toBe(0);
    expect(await page.locator('#findings .finding').first().locator('.evidence li').count()).toBe(2);
    expect(await page.evaluate(() => (window as Window & { pwned?: number }).pwned)).toBeUndefined();
    expect(watch.errors).toEqual([]);
  });

  it('keeps the flame graphs interactive inside the page: click zooms, search highlights', async () => {
    const { page, watch } = await open(reportUrl(base, id));
    const cpu = await flameFrame(page, 'cpu');
    const iframe = page.locator('iframe[data-name="cpu"]');
    await iframe.scrollIntoViewIfNeeded();
    const width = () => cpu.locator('#flame').evaluate((e) => e.getBoundingClientRect().width);
    const frameWidth = (name: string) => cpu.locator(`.frame[data-name="${name}"]`).first().evaluate((e) => e.getBoundingClientRect().width);
    const W = await width();
    expect(W).toBeGreaterThan(600);

    // Click to zoom: the frame fills the width, its callers turn into greyed ancestors.
    expect(await frameWidth('runtime.mapiternext')).toBeLessThan(0.8 * W);
    await cpu.locator('.frame[data-name="runtime.mapiternext"]').click();
    await cpu.waitForFunction(() => (window as unknown as FlameWindow).flame.state().zoom === 'runtime.mapiternext');
    expect(await frameWidth('runtime.mapiternext')).toBeGreaterThanOrEqual(W - 2);
    expect(await cpu.locator('.frame.ancestor').evaluateAll((els) => els.map((e) => e.getAttribute('data-name')))).toEqual(['root', 'runtime.main', 'main.main', 'main.busyLoop']);
    expect(await cpu.locator('.frame[data-name="math.Abs"]').count()).toBe(0);
    await cpu.locator('#reset').click();
    await cpu.waitForFunction(() => (window as unknown as FlameWindow).flame.state().zoomIndex === 0);
    expect(await cpu.locator('.frame[data-name="math.Abs"]').count()).toBe(1);

    // Search as a person types it: matches highlighted, their share shown.
    await cpu.locator('#search').pressSequentially('mapiternext');
    await cpu.waitForFunction(() => (window as unknown as FlameWindow).flame.state().search === 'mapiternext');
    expect(await cpu.locator('#flame .frame.match').evaluateAll((els) => els.map((e) => e.getAttribute('data-name')))).toEqual(['runtime.mapiternext']);
    expect(await cpu.locator('#matched').innerText()).toBe('matched 1.37s · 77.84% of total');
    expect(await cpu.locator('.frame[data-name="math.Abs"]').evaluate((e) => getComputedStyle(e).opacity)).toBe('0.35');

    // The other graph is its own document: untouched by the first one's zoom and search.
    const block = await flameFrame(page, 'block');
    expect(await block.evaluate(() => (window as unknown as FlameWindow).flame.state().search)).toBe('');
    expect(await block.locator('#flame .frame').count()).toBeGreaterThan(3);
    // And sandboxed: it cannot reach into the report page.
    expect(await cpu.evaluate(() => {
      try {
        return window.parent.document.title;
      } catch {
        return 'blocked';
      }
    })).toBe('blocked');
    expect(watch.errors).toEqual([]);
  });

  it('answers 404 with one plain line for made-up ids and anything else under /reports', async () => {
    const madeUp = 'AAAAAAAAAAAAAAAAAAAAAA';
    expect(madeUp).not.toBe(id);
    const { page, response } = await open(reportUrl(base, madeUp));
    expect(response?.status()).toBe(404);
    expect((await page.locator('body').innerText()).trim()).toBe('no such report');

    for (const path of ['/reports/', '/reports', `/reports/${madeUp}/`, `/reports/${id}/flames`, `/reports/${id.slice(0, -1)}`, '/reports/..%2f..%2fetc', '/reports/?list=1']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(await res.text()).toBe('no such report\n');
    }
    const post = await fetch(reportUrl(base, id), { method: 'POST' });
    expect(post.status).toBe(404);
  });

  it('answers 404 once a report expires', async () => {
    const short = new ReportStore(redis, `${prefix}:reports`, { ttlSeconds: 60 });
    const gone = await short.save(report, []);
    expect((await fetch(reportUrl(base, gone))).status).toBe(200);
    await redis.del(`${prefix}:reports:${gone}`); // what expiry does, without waiting a minute
    expect((await fetch(reportUrl(base, gone))).status).toBe(404);
  });
});
