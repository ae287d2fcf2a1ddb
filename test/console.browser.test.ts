// The README's first command's bot, as a person uses it: the console page
// in a real Chromium, /rca demo-api typed in, the status message changing
// to the verdict, the report and flame graph in the thread, a button press.
import { Redis } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchBrowser, watchPage } from './helpers/browser.js';
import { cleanup, hasRedis, redisUrl, uniquePrefix } from './helpers/redis.js';
import { startBot, type Bot } from './helpers/bot.js';

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

  it('the demo alert arrives and is diagnosed in its thread; the report page behind its link renders', async () => {
    const watch = watchPage(page);
    await page.goto(url);
    const alert = page.locator('#log > .msg.bot').first();
    await expect.poll(() => alert.locator(':scope > .body').textContent(), { timeout: 30_000 }).toMatch(/^🔥 Firing: HighCPU: CPU above 80% for 1 minute \(demo\) \(demo-api\)\n\S+ Diagnosis: (needs-review|likely|confirmed), cpu-hotspot/);
    const report = alert.locator('.thread .msg .body').filter({ hasText: '## demo-api' });
    const link = /Full report: (\S+)/.exec((await report.textContent()) ?? '')?.[1];
    expect(link).toMatch(/\/reports\/[\w-]{22}$/);
    const reportPage = await browser.newPage();
    const res = await reportPage.goto(link as string);
    expect(res?.status()).toBe(200);
    expect(await reportPage.locator('body').textContent()).toContain('cpu-hotspot');
    expect(await reportPage.locator('iframe').count()).toBeGreaterThan(0);
    await reportPage.close();
    expect(watch.errors, JSON.stringify(watch.errors)).toEqual([]);
  });

  it('/rca demo-api: the status turns into the verdict, the report and flame graph land in the thread, Re-run runs again', async () => {
    const watch = watchPage(page);
    await page.fill('#text', '/rca demo-api 2s');
    await page.press('#text', 'Enter');
    const root = page.locator('#log > .msg.bot').nth(1);
    await expect.poll(() => root.locator(':scope > .body').textContent(), { timeout: 30_000 }).toMatch(/^✅ demo-api: (needs-review|likely|confirmed)/);
    const thread = root.locator('.thread');
    await expect.poll(() => thread.locator('.msg .body').first().textContent()).toMatch(/^## demo-api: /);
    expect(await thread.textContent()).toContain('cpu-hotspot');
    expect(await thread.textContent()).toContain('priceOrder');
    const img = thread.locator('img.flame').first();
    await expect.poll(() => img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth)).toBe(1600);

    await thread.locator('button[data-action="rerun"]').click();
    await expect.poll(() => page.locator('#log > .msg.bot').count(), { timeout: 30_000 }).toBe(3);
    await expect.poll(() => page.locator('#log > .msg.bot').nth(2).locator(':scope > .body').textContent(), { timeout: 30_000 }).toMatch(/^✅ demo-api/);
    expect(watch.errors, JSON.stringify(watch.errors)).toEqual([]);
  });

  it('a bad command gets a short reply that says what would work', async () => {
    await page.fill('#text', '/rca demo 10s');
    await page.press('#text', 'Enter');
    await expect.poll(() => page.locator('#log .msg.bot .body').last().textContent()).toBe('⚠️ unknown service "demo"; did you mean `demo-api`?');
  });
});
