import { mkdirSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cs } from '../../src/i18n/cs.js';
import { en } from '../../src/i18n/en.js';
import { createTicket } from '../../src/services/create-ticket.js';
import { browserAvailable, serveToBrowser, type ServedApp } from '../support/browser.js';
import { seriousViolations } from '../support/axe.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp } from '../support/web.js';
import { PASSWORD, seedWorld, type World } from '../support/world.js';

/*
 * Issue 12 part 5 in a real browser: a browser set to British English gets the sign-in page in
 * English, the user's pages stay English, the language is switched on /account/language, and the
 * English pages pass axe-core at 390 and 1280 px. Screenshots: test-output/screenshots/language-*.png.
 */
const SHOTS = new URL('../../test-output/screenshots/', import.meta.url);
const STEP_TIMEOUT = 120_000;

const available = browserAvailable('test/browser/language.test.ts');

describe.skipIf(!available)('English in the browser (issue 12 part 5)', () => {
  let tdb: TestDatabase;
  let w: World;
  let web: ReturnType<typeof buildApp>;
  let served: ServedApp;
  let context: BrowserContext;
  let ticket: number;

  beforeAll(async () => {
    tdb = await freshDatabase();
    w = await seedWorld(tdb.db);
    ticket = (await createTicket(tdb.ctx, w.users.alice, { contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, contact_phone: '602123456', subject: 'Printer offline', description: 'It does not print.' })).number;
    web = buildApp(tdb);
    served = await serveToBrowser(web.app);
    // axe-core is injected as an inline script, which the app's policy forbids
    context = await served.context({ locale: 'en-GB', bypassCSP: true });
    mkdirSync(SHOTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await served?.close();
    await web?.close();
    await tdb?.drop();
  });

  async function violations(page: Page, label: string): Promise<string[]> {
    const found: string[] = [];
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      await page.reload();
      for (const v of await seriousViolations(page)) found.push(`${label} @${width}: ${v}`);
      await page.screenshot({ path: new URL(`language-${label}-${width}.png`, SHOTS).pathname, fullPage: true });
    }
    return found;
  }

  it('signs in in English, keeps the pages English, passes axe-core, and switches to Czech on the language page', { timeout: STEP_TIMEOUT }, async () => {
    const page = await context.newPage();
    await page.goto('/login');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.getByLabel(en.login.login).fill('alice');
    await page.getByLabel(en.login.password).fill(PASSWORD);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: en.login.submit }).click()]);
    const found: string[] = [];

    await page.goto('/tickets');
    expect(await page.getByRole('heading', { level: 1, name: en.overview.title }).isVisible()).toBe(true);
    found.push(...(await violations(page, 'overview')));
    await page.goto(`/tickets/${ticket}`);
    expect(await page.getByRole('tab', { name: en.ticket.tabs.conversation }).or(page.getByRole('link', { name: en.ticket.tabs.conversation })).first().isVisible()).toBe(true);
    found.push(...(await violations(page, 'ticket')));

    await page.goto('/account/language');
    found.push(...(await violations(page, 'choice')));
    expect(found).toEqual([]);

    await page.getByLabel(en.language.field).selectOption('cs');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: en.language.save }).click()]);
    expect(await page.locator('html').getAttribute('lang')).toBe('cs');
    expect(await page.getByText(cs.language.saved).isVisible()).toBe(true);
    await page.goto('/tickets');
    expect(await page.getByRole('heading', { level: 1, name: cs.overview.title }).isVisible()).toBe(true);
    expect((await tdb.db('users').where({ id: w.users.alice.id }).first('language')).language).toBe('cs');
    await page.close();
  });
});
