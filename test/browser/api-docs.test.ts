import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from '../support/axe.js';
import { browserAvailable, serveToBrowser, type ServedApp } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp } from '../support/web.js';

/*
 * The API's page for people (/api/v1/docs, rendered on the server from the OpenAPI document):
 * under the app's own CSP it loads nothing from elsewhere and nothing is refused, it passes
 * axe-core at a phone's and a desktop's width, and its contents links reach every operation by
 * keyboard.
 */
const available = browserAvailable('test/browser/api-docs.test.ts');

describe.skipIf(!available)('the API documentation page in chromium', () => {
  let tdb: TestDatabase;
  let web: ReturnType<typeof buildApp>;
  let served: ServedApp;

  beforeAll(async () => {
    tdb = await freshDatabase();
    web = buildApp(tdb);
    served = await serveToBrowser(web.app);
  }, 120_000);

  afterAll(async () => {
    await served?.close();
    await web?.close();
    await tdb?.drop();
  });

  it('loads under the app’s CSP with only same-origin requests, and nothing is refused', async () => {
    const context = await served.browser.newContext({ baseURL: served.baseURL });
    const page = await context.newPage();
    const requests: string[] = [];
    const problems: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(e.message));
    const res = await page.goto('/api/v1/docs');
    expect(res?.status()).toBe(200);
    expect(await page.locator('h1').textContent()).toBe('Integrační API');
    expect(requests.every((u) => u.startsWith(served.baseURL))).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('passes axe-core at 390 and 1280 px, and its contents link moves focus by keyboard', async () => {
    for (const width of [390, 1280]) {
      // axe-core is injected as an inline script, which the app's Content-Security-Policy forbids
      const context = await served.browser.newContext({ baseURL: served.baseURL, viewport: { width, height: 900 }, bypassCSP: true });
      const page = await context.newPage();
      await page.goto('/api/v1/docs');
      expect(await seriousViolations(page), `${width} px`).toEqual([]);
      // no horizontal scrolling of the page itself (wide schemas scroll inside their blocks)
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `${width} px`).toBeLessThanOrEqual(1);
      if (width === 1280) {
        const link = page.locator('nav a[href="#post-api-v1-tickets"]');
        await link.focus();
        await page.keyboard.press('Enter');
        await expect.poll(() => page.evaluate(() => location.hash)).toBe('#post-api-v1-tickets');
      }
      await context.close();
    }
  });
});
