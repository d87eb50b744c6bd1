import { mkdirSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTicket } from '../../src/services/create-ticket.js';
import { browserAvailable, serveToBrowser, type ServedApp } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp } from '../support/web.js';
import { PASSWORD, seedWorld, type World } from '../support/world.js';

/*
 * A subject of one 255-character word (issue 12, part 1) wraps in the customer's list, the
 * staff queue and on the ticket page instead of stretching them: at 1280 px the document is no
 * wider than the window.
 */

const SHOTS = new URL('../../test-output/screenshots/', import.meta.url);
const available = browserAvailable('test/browser/long-words.test.ts');
const LONG_WORD = 'Neodpovídajícíserverpřisynchronizaci'.repeat(8).slice(0, 255);

describe.skipIf(!available)('a 255-character word in a subject', () => {
  let tdb: TestDatabase;
  let w: World;
  let web: ReturnType<typeof buildApp>;
  let served: ServedApp;
  let context: BrowserContext;
  let page: Page;
  let number: number;

  beforeAll(async () => {
    tdb = await freshDatabase();
    w = await seedWorld(tdb.db);
    number = (await createTicket(tdb.ctx, w.users.alice, { contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, contact_phone: '602123456', subject: LONG_WORD, description: LONG_WORD })).number;
    web = buildApp(tdb);
    served = await serveToBrowser(web.app);
    mkdirSync(SHOTS, { recursive: true });
    context = await served.context();
    page = await context.newPage();
  }, 180_000);

  afterAll(async () => {
    await served?.close();
    await web?.close();
    await tdb?.drop();
  });

  async function signIn(login: string) {
    await context.clearCookies();
    await page.goto('/login', { waitUntil: 'load' });
    await page.getByLabel('Přihlašovací jméno').fill(login);
    await page.getByLabel('Heslo').fill(PASSWORD);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.getByRole('button', { name: 'Přihlásit se' }).click()]);
  }

  async function widths(path: string, shot: string) {
    await page.goto(path, { waitUntil: 'load' });
    await page.screenshot({ path: new URL(`${shot}.png`, SHOTS).pathname, fullPage: true });
    return page.evaluate(() => ({
      // the page itself, and the widest table or scrolling box on it (a table in a scrolling box would hide its width from the page)
      scroll: Math.max(document.documentElement.scrollWidth, ...[...document.querySelectorAll('table, .table-scroll')].map((el) => Math.max(el.scrollWidth, el.getBoundingClientRect().width))),
      window: window.innerWidth,
      text: document.body.innerText,
    }));
  }

  it('wraps in the customer’s list, the staff queue and on the ticket page at 1280 px', async () => {
    await signIn('alice');
    const list = await widths('/tickets', 'long-word-tickets-1280');
    expect(list.text).toContain(LONG_WORD.slice(0, 30));
    expect(list.scroll).toBeLessThanOrEqual(list.window);
    const ticket = await widths(`/tickets/${number}`, 'long-word-ticket-1280');
    expect(ticket.scroll).toBeLessThanOrEqual(ticket.window);

    await signIn('agent');
    const queue = await widths('/staff/queue', 'long-word-queue-1280');
    expect(queue.text).toContain(LONG_WORD.slice(0, 30));
    expect(queue.scroll).toBeLessThanOrEqual(queue.window);
    const staffTicket = await widths(`/tickets/${number}`, 'long-word-staff-ticket-1280');
    expect(staffTicket.scroll).toBeLessThanOrEqual(staffTicket.window);
  }, 120_000);
});
