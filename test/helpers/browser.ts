// A real headless Chromium for tests of the pages we ship (flame graphs,
// reports, the console chat page), driven by playwright-core. The browser is
// the system's (Debian's chromium); playwright-core never downloads one.
// Use it as:
//
//   describe.skipIf(!chromiumPath)('…', () => {
//     let browser: Browser;
//     beforeAll(async () => { browser = await launchBrowser(); });
//     afterAll(async () => { await browser?.close(); });
//     …
//   });
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

const candidates = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** The system Chromium, or undefined (browser tests are then skipped). */
export const chromiumPath: string | undefined = candidates.find((p) => existsSync(p));

if (!chromiumPath) {
  console.warn(`skipping browser tests: no Chromium at ${candidates.join(' or ')} (.ci/run installs Debian's chromium)`);
}

/**
 * Launches headless Chromium. The flags matter here: tests run as root (so no
 * sandbox), without a GPU, and without network, so nothing may phone home.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!chromiumPath) throw new Error("no Chromium found; .ci/run installs Debian's chromium");
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface PageWatch {
  /** Console errors and uncaught exceptions of the page, in order. */
  errors: string[];
  /** Every request the page made (URL), the document itself included. */
  requests: string[];
}

/** Records what a page logs as errors and which requests it makes; attach before navigating. */
export function watchPage(page: Page): PageWatch {
  const watch: PageWatch = { errors: [], requests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') watch.errors.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => watch.errors.push(`uncaught: ${e.message}`));
  page.on('request', (r) => watch.requests.push(r.url()));
  page.on('requestfailed', (r) => watch.errors.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  return watch;
}
