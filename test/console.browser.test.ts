// The README's first command's bot, as a person uses it: the console page
// in a real Chromium, the demo's story (healthy, fault, alert confirmed by four
// sources, Compare, resolved, digest), /rca demo-api typed in, a button press.
import { Redis } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchBrowser, watchPage } from './helpers/browser.js';
import { cleanup, hasRedis, redisUrl, uniquePrefix } from './helpers/redis.js';
import { startBot, type Bot } from './helpers/bot.js';
import { poolReport } from './helpers/reports.js';
import { ConsoleAdapter } from '../src/chat/console/adapter.js';
import { ConsoleStore } from '../src/chat/console/store.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

describe.skipIf(!hasRedis || !chromiumPath)('the console channel in Chromium', () => {
  let bot: Bot;
  let url: string;
  let browser: Browser;
  let page: Page;
  const prefix = uniquePrefix();

  beforeAll(async () => {
    bot = await startBot({ RCA_REDIS_PREFIX: prefix, REDIS_URL: redisUrl });
    url = bot.consoleUrl;
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await bot?.stop();
    const redis = new Redis(redisUrl);
    await cleanup(redis, prefix);
    await redis.quit();
  });

  it('the demo tells the whole story: healthy first, then the alert confirmed by four sources, Compare, the resolution and a digest', async () => {
    const watch = watchPage(page);
    await page.goto(url);
    const top = page.locator('#log > .msg.bot');
    const body = (i: number) => top.nth(i).locator(':scope > .body');
    // The story's own first /rca, while the service is healthy: what Compare later compares with.
    await expect.poll(() => body(0).textContent(), { timeout: 15_000 }).toMatch(/^Demo: demo-api is a small Node service/);
    expect(await page.locator('#log > .msg.user .body').first().textContent()).toBe('/rca demo-api');
    await expect.poll(() => body(1).textContent(), { timeout: 30_000 }).toMatch(/^✅ demo-api: healthy/);
    // Then the fault, and Alertmanager's alert with its diagnosis in the thread.
    const alert = top.filter({ hasText: /(Firing|Resolved after \d+ s): HighCPU/ });
    await expect.poll(() => alert.locator(':scope > .body').textContent(), { timeout: 90_000 }).toMatch(/\n🔴 Diagnosis: confirmed, cpu-hotspot/);
    const report = alert.locator('.thread .msg .body').filter({ has: page.locator('h2', { hasText: 'demo-api: confirmed' }) });
    const text = (await report.textContent()) ?? '';
    expect(text).toMatch(/(\d) independent sources agree: priceOrder takes \d+% of the service's CPU/);
    expect(Number(/(\d) independent sources agree/.exec(text)?.[1])).toBeGreaterThanOrEqual(3);
    // Each of those sources says what it saw, in its own line under the finding.
    const lines = await report.locator('li li').allTextContents();
    for (const source of ['cpu', 'metrics', 'logs', 'probe:health']) expect(lines.some((l) => l.startsWith(`${source}: `)), `${source} in:\n${text}`).toBe(true);
    expect(lines.find((l) => l.startsWith('metrics: '))).toMatch(/^metrics: CPU usage \d+% of its limit/);

    await alert.locator('.thread button[data-action="compare"]').first().click();
    const diff = alert.locator('.thread img.flame[alt$="against the last healthy capture"]');
    await expect.poll(() => diff.count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => diff.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0)).toBe(true);

    const link = /Full report: (\S+)/.exec(text)?.[1];
    expect(link).toMatch(/\/reports\/[\w-]{22}$/);
    const reportPage = await browser.newPage();
    const res = await reportPage.goto(link as string);
    expect(res?.status()).toBe(200);
    expect(await reportPage.locator('body').textContent()).toContain('cpu-hotspot');
    expect(await reportPage.locator('iframe').count()).toBeGreaterThan(0);
    await reportPage.close();

    // The fault goes off and the alert resolves: an incident with a time to resolve, for the digest.
    await expect.poll(() => alert.locator(':scope > .body').textContent(), { timeout: 60_000 }).toMatch(/^✅ Resolved after \d+ s: HighCPU/);
    await page.fill('#text', '/rca digest');
    await page.press('#text', 'Enter');
    const digest = top.last();
    // The story's own healthy /rca is an incident too, open until someone marks it resolved: the alert's is the one with a time.
    await expect.poll(() => digest.textContent(), { timeout: 30_000 }).toMatch(/Incidents .*: 2\b[\s\S]*MTTR median \d+ s[\s\S]*demo-api: HighCPU/);
    const chart = page.locator('#log img.flame[alt^="MTTR"]');
    await expect.poll(() => chart.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth > 0), { timeout: 30_000 }).toBe(true);
    const dir = join(tmpdir(), 'rca-console-shots');
    mkdirSync(dir, { recursive: true });
    await chart.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(dir, 'demo-story.png'), fullPage: true });
    expect(watch.errors, JSON.stringify(watch.errors)).toEqual([]);
  }, 240_000);

  it('/rca demo-api after the story: the status turns into the verdict, the report and flame graph land in the thread, Re-run runs again', async () => {
    const watch = watchPage(page);
    const top = page.locator('#log > .msg.bot');
    const before = await top.count();
    await page.fill('#text', '/rca demo-api 2s');
    await page.press('#text', 'Enter');
    const root = top.nth(before);
    await expect.poll(() => root.locator(':scope > .body').textContent(), { timeout: 30_000 }).toMatch(/^✅ demo-api: healthy/);
    const thread = root.locator('.thread');
    await expect.poll(() => thread.locator('.msg .body h2').first().textContent()).toMatch(/^demo-api: healthy/);
    const img = thread.locator('img.flame').first();
    await expect.poll(() => img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth)).toBe(1600);

    await thread.locator('button[data-action="rerun"]').click();
    await expect.poll(() => top.count(), { timeout: 30_000 }).toBe(before + 2);
    await expect.poll(() => top.nth(before + 1).locator(':scope > .body').textContent(), { timeout: 30_000 }).toMatch(/^✅ demo-api/);
    expect(watch.errors, JSON.stringify(watch.errors)).toEqual([]);
  });

  it('a bad command gets a short reply that says what would work', async () => {
    await page.fill('#text', '/rca demo 10s');
    await page.press('#text', 'Enter');
    await expect.poll(() => page.locator('#log .msg.bot .body').last().textContent()).toBe('⚠️ unknown service "demo"; did you mean demo-api?');
    expect(await page.locator('#log .msg.bot .body').last().locator('code').textContent()).toBe('demo-api');
  });
  it('a report reads as a chat client shows it, at desktop and phone widths, and markup in a finding stays text', async () => {
    const watch = watchPage(page);
    // Posted into the bot's own console store, as a worker does: a finding whose title is markup.
    const redis = new Redis(redisUrl);
    const adapter = new ConsoleAdapter(new ConsoleStore(redis, `${prefix}:console`));
    const root = await adapter.postStatus('incident', { job: 'j-xss', service: 'order-api', seconds: 10, stage: 'done', detail: 'confirmed, pool-exhaustion' });
    const xss = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>';
    const long = `main.${'veryLongFunctionName'.repeat(12)}`;
    await adapter.postReport(root, { ...poolReport, findings: [{ ...poolReport.findings[0], title: `${xss} ${long}` }, ...poolReport.findings.slice(1)] }, { job: 'j-xss' });
    await redis.quit();
    const body = page.locator('.thread .msg .body').filter({ hasText: 'onerror' }).last();
    await expect.poll(() => body.count(), { timeout: 10_000 }).toBe(1);
    expect(await body.locator('h2').textContent()).toBe('order-api: confirmed');
    expect(await body.locator('h3').allTextContents()).toEqual(expect.arrayContaining(['Findings', 'What failed', 'Not captured']));
    expect(await body.locator('strong').first().textContent()).not.toBe('');
    expect(await body.locator('code').first().textContent()).toBe('main.loadOrder');
    const text = (await body.textContent()) ?? '';
    expect(text).not.toContain('**');
    expect(text).not.toMatch(/^#/m);
    expect(text).toContain(xss);
    expect(await body.locator('img, script').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    const dir = join(tmpdir(), 'rca-console-shots');
    mkdirSync(dir, { recursive: true });
    for (const [name, width] of [['desktop', 1280], ['phone', 390]] as const) {
      await page.setViewportSize({ width, height: 900 });
      // Long lines wrap: nothing is wider than the window.
      expect(await page.evaluate(() => document.documentElement.scrollWidth), name).toBeLessThanOrEqual(width);
      await body.screenshot({ path: join(dir, `report-${name}.png`) });
      await page.screenshot({ path: join(dir, `console-${name}.png`) });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    // Without a colour emoji font an emoji says what it means.
    const noEmoji = await page.evaluate(() => document.documentElement.classList.contains('no-emoji'));
    const alt = await page.locator('.emoji').first().evaluate((e) => getComputedStyle(e, '::before').content);
    if (noEmoji) expect(alt).toMatch(/^"\[\w+\]"$/);
    else expect(alt).toBe('none');
    expect(watch.errors, JSON.stringify(watch.errors)).toEqual([]);
  });
});
