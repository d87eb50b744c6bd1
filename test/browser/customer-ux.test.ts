import { mkdirSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cs } from '../../src/i18n/cs.js';
import { fileFromBuffer } from '../../src/services/attachments.js';
import { createTicket } from '../../src/services/create-ticket.js';
import { acceptTicket, pauseTicket } from '../../src/services/transitions.js';
import { browserAvailable, serveToBrowser, type ServedApp } from '../support/browser.js';
import { seriousViolations } from '../support/axe.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp } from '../support/web.js';
import { PASSWORD, seedWorld, type World } from '../support/world.js';

/*
 * Issue 12 part 4 in a real browser: the image thumbnail loads under the app's own
 * Content-Security-Policy and opens large in the page without a script; the paused banner, the
 * plain SLA block, the image attachments and the sortable overview pass axe-core at 390 and
 * 1280 px. Screenshots go to test-output/screenshots/customer-ux-*.png.
 */
const SHOTS = new URL('../../test-output/screenshots/', import.meta.url);
const STEP_TIMEOUT = 120_000;
/** A w×h PNG of one colour, built here (a real file the browser decodes). */
function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, 0x3c)]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', pixels), chunk('IEND', Buffer.alloc(0))]);
}
const PNG = png(400, 300);

const available = browserAvailable('test/browser/customer-ux.test.ts');

describe.skipIf(!available)('the customer side in the browser (issue 12 part 4)', () => {
  let tdb: TestDatabase;
  let w: World;
  let web: ReturnType<typeof buildApp>;
  let served: ServedApp;
  let strict: BrowserContext;
  let audit: BrowserContext;
  let paused: number;
  let withImage: number;

  beforeAll(async () => {
    tdb = await freshDatabase();
    w = await seedWorld(tdb.db);
    const input = (subject: string) => ({ contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, contact_phone: '602123456', subject, description: 'Popis.' });
    paused = (await createTicket(tdb.ctx, w.users.alice, input('Čeká na zákazníka'))).number;
    await acceptTicket(tdb.ctx, w.users.agent, paused, {});
    await pauseTicket(tdb.ctx, w.users.agent, paused, { cooperation: 'Pošlete prosím snímek obrazovky s chybou.' });
    withImage = (await createTicket(tdb.ctx, w.users.alice, input('Chyba na obrazovce'), [
      fileFromBuffer('snimek.png', 'image/png', PNG),
      fileFromBuffer('zaznam.txt', 'text/plain', Buffer.from('log')),
    ])).number;
    web = buildApp(tdb);
    served = await serveToBrowser(web.app);
    strict = await served.context();
    audit = await served.context({ bypassCSP: true });
    mkdirSync(SHOTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await served?.close();
    await web?.close();
    await tdb?.drop();
  });

  async function signedIn(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    await page.goto('/login');
    await page.getByLabel('Přihlašovací jméno').fill('alice');
    await page.getByLabel('Heslo').fill(PASSWORD);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Přihlásit se' }).click()]);
    return page;
  }

  it('loads the thumbnail under the app’s policy and opens the image large in the page without a script', { timeout: STEP_TIMEOUT }, async () => {
    const page = await signedIn(strict);
    await page.goto(`/tickets/${withImage}`);
    const thumb = page.locator('img.thumb');
    await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(400);
    const box = await thumb.boundingBox();
    expect(box!.width).toBeLessThanOrEqual(160);
    const full = page.locator('img.full');
    expect(await full.isVisible()).toBe(false);
    await page.locator('li.attachment-image summary').click();
    await expect.poll(() => full.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(400);
    expect(await full.isVisible()).toBe(true);
    expect(await page.getByRole('link', { name: 'zaznam.txt' }).isVisible()).toBe(true);
    await page.screenshot({ path: new URL('customer-ux-image-open.png', SHOTS).pathname, fullPage: true });
    await page.close();
  });

  it('the paused ticket, the image attachments and the sorted overview pass axe-core at 390 and 1280 px', { timeout: STEP_TIMEOUT }, async () => {
    const page = await signedIn(audit);
    const found: string[] = [];
    const check = async (url: string, label: string, prepare?: () => Promise<void>) => {
      for (const width of [390, 1280]) {
        await page.setViewportSize({ width, height: 900 });
        await page.goto(url);
        await prepare?.();
        for (const v of await seriousViolations(page)) found.push(`${label} @${width}: ${v}`);
        await page.screenshot({ path: new URL(`customer-ux-${label}-${width}.png`, SHOTS).pathname, fullPage: true });
      }
    };
    await check(`/tickets/${paused}`, 'paused');
    expect(await page.getByRole('heading', { name: cs.ticket.pausedTitle }).isVisible()).toBe(true);
    await check(`/tickets/${withImage}`, 'images', () => page.locator('li.attachment-image summary').click());
    await check('/tickets?list=current&sort=subject&dir=asc', 'overview-sorted');
    expect(await page.locator('th[aria-sort=ascending]').innerText()).toContain(cs.overview.cols.subject);
    expect(found).toEqual([]);
    await page.close();
  });
});
