import { mkdirSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestMail } from '../../src/services/mail/ingest.js';
import { browserAvailable, serveToBrowser, type ServedApp } from '../support/browser.js';
import { seriousViolations } from '../support/axe.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { adminPages, customerPages, type PortalPage, type PortalTickets, seedPortalTickets, staffPages } from '../support/pages.js';
import { buildApp } from '../support/web.js';
import { PASSWORD, seedWorld, type World } from '../support/world.js';

/*
 * Responsive layout and accessibility (issue 12, part 6): every page of the customer, the staff
 * and the admin works at a phone's width (390 px) and a desktop's (1280 px) without horizontal
 * scrolling, with a full-page screenshot of each in test-output/screenshots/<page>-<width>.png
 * for people to look at; the staff pages pass axe-core without a serious or critical violation
 * (the customer and admin pages are in accessibility.test.ts); the skip link is the first Tab
 * stop and moves the focus to the main content; the staff forms tie their errors to their fields.
 */

const WIDTHS = [390, 1280];
const SHOTS = new URL('../../test-output/screenshots/', import.meta.url);
const STEP_TIMEOUT = 240_000;

const available = browserAvailable('test/browser/responsive.test.ts');


describe.skipIf(!available)('every page at 390 and 1280 px: no horizontal scrolling, screenshots, axe-core on the staff pages, the skip link', () => {
  let tdb: TestDatabase;
  let world: World;
  let web: ReturnType<typeof buildApp>;
  let served: ServedApp;
  let context: BrowserContext;
  let page: Page;
  let tickets: PortalTickets;
  let calendarId: number;
  let apiTokenId: number;

  beforeAll(async () => {
    tdb = await freshDatabase();
    world = await seedWorld(tdb.db);
    calendarId = Number((await tdb.db('service_calendars').first('id')).id);
    apiTokenId = Number((await tdb.db('api_tokens').insert({ contract_id: world.contractA, paragraph_id: world.paragraphs.A.incident, user_id: world.users.alice.id, name: 'Zabbix', token_hash: 'f'.repeat(64) }).returning('id'))[0].id);
    web = buildApp(tdb);
    served = await serveToBrowser(web.app);
    tickets = await seedPortalTickets(web.app, world);
    // the mail log has a row in quarantine (a stranger's mail) with its release and discard buttons
    await ingestMail(tdb.ctx, Buffer.from('From: neznamy.odesilatel.s.dlouhou.adresou@priklad-velke-firmy.example\r\nSubject: Dotaz na fakturaci za listopad a prosinec\r\nMessage-ID: <r1@priklad.example>\r\n\r\nDobrý den\r\n'), { mailbox: null });
    // …and one held in quarantine for a decision (as a mail without a matching paragraph would be)
    await ingestMail(tdb.ctx, Buffer.from('From: jiny.odesilatel@priklad.example\r\nSubject: Objednávka licencí\r\nMessage-ID: <r2@priklad.example>\r\n\r\nDobrý den\r\n'), { mailbox: null });
    expect(await tdb.db('inbound_mail').where('message_id', 'like', '%r2@priklad.example%').update({ outcome: 'quarantine', reason: 'no_paragraph', review: 'pending' })).toBe(1);
    mkdirSync(SHOTS, { recursive: true });

    // axe-core is injected as an inline script, which the app's Content-Security-Policy forbids
    context = await served.context({ bypassCSP: true });
    page = await context.newPage();
  }, 180_000);

  afterAll(async () => {
    await served?.close();
    await web?.close();
    await tdb?.drop();
  });

  // ---------------------------------------------------------------- helpers

  async function signIn(loginName: string) {
    await context.clearCookies();
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto('/login', { waitUntil: 'load' });
    await page.getByLabel('Přihlašovací jméno').fill(loginName);
    await page.getByLabel('Heslo').fill(PASSWORD);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.getByRole('button', { name: 'Přihlásit se' }).click()]);
  }

  /** The page's widths where the document is wider than the window (horizontal scrolling), with the widest elements. */
  async function overflowAt(width: number): Promise<string | null> {
    const { scrollWidth, innerWidth, culprits } = await page.evaluate(() => {
      const inner = window.innerWidth;
      const wide = [...document.querySelectorAll('body *')]
        .map((el) => ({ el, right: el.getBoundingClientRect().right }))
        .filter((x) => x.right > inner + 0.5)
        .slice(0, 5)
        .map((x) => `${x.el.tagName.toLowerCase()}${x.el.className && typeof x.el.className === 'string' ? '.' + x.el.className.split(' ').join('.') : ''} (right ${Math.round(x.right)})`);
      return { scrollWidth: document.documentElement.scrollWidth, innerWidth: inner, culprits: wide };
    });
    return scrollWidth <= innerWidth ? null : `@${width}px: scrollWidth ${scrollWidth} > innerWidth ${innerWidth}: ${culprits.join(', ')}`;
  }

  /**
   * Visits each page at each width: the status, no horizontal scrolling, a full-page screenshot,
   * and (withAxe) axe-core. Returns the problems found, described.
   */
  async function checkPages(pages: PortalPage[], withAxe: boolean): Promise<string[]> {
    const problems: string[] = [];
    for (const p of pages) {
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 900 });
        const res = await page.goto(p.url, { waitUntil: 'load' });
        if (res?.status() !== (p.status ?? 200)) {
          problems.push(`${p.name} ${p.url}: HTTP ${res?.status()}`);
          break;
        }
        const overflow = await overflowAt(width);
        if (overflow) problems.push(`${p.name} ${p.url} ${overflow}`);
        await page.screenshot({ path: new URL(`${p.name}-${width}.png`, SHOTS).pathname, fullPage: true });
        if (withAxe) problems.push(...(await seriousViolations(page)).map((v) => `${p.name} ${p.url} @${width}px: ${v}`));
      }
    }
    return problems;
  }

  const report = (problems: string[]) => `${problems.length} problem(s):\n${problems.join('\n')}`;

  // ---------------------------------------------------------------- pages

  it('the customer pages fit 390 and 1280 px without horizontal scrolling (screenshots saved)', { timeout: STEP_TIMEOUT }, async () => {
    await context.clearCookies();
    const problems = await checkPages([{ name: 'login', url: '/login' }, { name: 'password-forgot', url: '/password/forgot' }], false);
    await signIn('alice');
    problems.push(...(await checkPages(customerPages(tickets), false)));
    expect(problems, report(problems)).toEqual([]);
  });

  it('the staff pages fit 390 and 1280 px without horizontal scrolling and pass axe-core (no serious or critical violation)', { timeout: 2 * STEP_TIMEOUT }, async () => {
    await signIn('agent');
    const pages = staffPages(tickets, world);
    const problems = await checkPages(pages, true);
    expect(problems, report(problems)).toEqual([]);
    // the list tables are stacked cards on a phone: each cell shows its column's name
    await page.setViewportSize({ width: 390, height: 900 });
    await page.goto('/staff/queue?state=all', { waitUntil: 'load' });
    const cell = page.locator('table.queue tbody tr').first().locator('td').nth(4);
    expect(await cell.getAttribute('data-label')).toBe('Předmět');
    expect(await cell.evaluate((td) => getComputedStyle(td).display)).toBe('block');
    expect(await cell.evaluate((td) => getComputedStyle(td, '::before').content)).toBe('"Předmět"');
    expect(await page.locator('table.queue thead').evaluate((el) => el.getBoundingClientRect().height)).toBeLessThanOrEqual(1);
    // the quarantine's row keeps its release and discard buttons inside its card
    await page.goto('/staff/mail?quarantine=1', { waitUntil: 'load' });
    expect(await page.locator('table.mail-log tbody tr td.mail-actions button').count()).toBe(2);
    await page.goto('/staff/queue?state=all', { waitUntil: 'load' });
    // …and an ordinary table at a desktop's width
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(await cell.evaluate((td) => getComputedStyle(td).display)).toBe('table-cell');
    expect(await cell.evaluate((td) => getComputedStyle(td, '::before').content)).toBe('none');
  });

  it('the admin pages fit 390 and 1280 px without horizontal scrolling (screenshots saved)', { timeout: 2 * STEP_TIMEOUT }, async () => {
    await signIn('admin');
    const pages = adminPages(web.app, world, calendarId, { 'api-tokens': apiTokenId });
    expect(pages.map((p) => p.url)).toEqual(expect.arrayContaining(['/admin', '/admin/audit']));
    const problems = await checkPages(pages, false);
    expect(problems, report(problems)).toEqual([]);
  });

  // ---------------------------------------------------------------- keyboard, errors

  it('the skip link is the first Tab stop, shows when focused, and moves the focus to the main content', { timeout: STEP_TIMEOUT }, async () => {
    for (const who of ['alice', 'agent'] as const) {
      await signIn(who);
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 900 });
        await page.goto(who === 'alice' ? '/tickets' : '/staff/queue', { waitUntil: 'load' });
        await page.keyboard.press('Tab');
        const focused = await page.evaluate(() => ({ cls: document.activeElement?.className, text: (document.activeElement as HTMLElement | null)?.innerText, href: document.activeElement?.getAttribute('href') }));
        expect(focused, `${who} @${width}`).toEqual({ cls: 'skip-link', text: 'Přejít na obsah', href: '#obsah' });
        // visible while focused, inside the window
        const box = await page.locator('a.skip-link').boundingBox();
        expect(box!.y, `${who} @${width}`).toBeGreaterThanOrEqual(0);
        expect(box!.x + box!.width).toBeLessThanOrEqual(width);
        await page.keyboard.press('Enter');
        await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('obsah');
        expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('MAIN');
        // the next Tab goes on inside the main content, not back to the header
        await page.keyboard.press('Tab');
        expect(await page.evaluate(() => Boolean(document.activeElement?.closest('main')))).toBe(true);
      }
    }
    // a page without a signed-in user has it too, first of its focusable elements (the login field takes the focus itself)
    await context.clearCookies();
    await page.goto('/login', { waitUntil: 'load' });
    expect(await page.evaluate(() => document.querySelector('a[href], button, input:not([type=hidden]), select, textarea, summary')?.className)).toBe('skip-link');
  });

  /** Every field marked invalid names its error (aria-describedby), which exists and says something. */
  async function invalidFields(): Promise<{ name: string | null; error: string }[]> {
    return page.evaluate(() =>
      [...document.querySelectorAll('[aria-invalid=true]')].map((el) => ({
        name: el.getAttribute('name'),
        error: (el.getAttribute('aria-describedby') ?? '')
          .split(' ')
          .filter(Boolean)
          .map((id) => document.getElementById(id)?.textContent?.trim() ?? `(no #${id})`)
          .join(' | '),
      })),
    );
  }

  async function submitUnvalidated(selector: string) {
    await page.evaluate(() => document.querySelectorAll('form').forEach((f) => (f.noValidate = true)));
    const [res] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.locator(selector).click()]);
    expect(res?.status(), `${selector} on ${page.url()}`).toBe(400);
  }

  it('the staff forms tie their errors to their fields (aria-invalid, aria-describedby), at both widths without a violation', { timeout: STEP_TIMEOUT }, async () => {
    await signIn('agent');
    const problems: string[] = [];

    // a pause without the cooperation it asks for
    await page.goto(`/tickets/${tickets.accepted}`, { waitUntil: 'load' });
    // an action with inputs may sit in a closed <details> beside the header
    const opener = page.locator('details:has(form.action-pause) > summary');
    if ((await opener.count()) > 0) await opener.click();
    await submitUnvalidated('form.action-pause button[type=submit]');
    expect(await invalidFields()).toEqual([{ name: 'cooperation', error: 'Toto pole je povinné.' }]);
    expect(await page.locator('form.action-pause textarea[name=cooperation]').getAttribute('aria-describedby')).toBe('err-pause-cooperation');
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      problems.push(...(await seriousViolations(page)).map((v) => `pause with an error @${width}px: ${v}`));
      const overflow = await overflowAt(width);
      if (overflow) problems.push(`pause with an error ${overflow}`);
      await page.screenshot({ path: new URL(`staff-ticket-error-${width}.png`, SHOTS).pathname, fullPage: true });
    }

    // an effort of zero minutes
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`/tickets/${tickets.accepted}/vyhodnoceni`, { waitUntil: 'load' });
    await page.locator('form[action$="/effort"] input[name=minutes]').fill('0');
    await submitUnvalidated('form[action$="/effort"] button[type=submit]');
    const effort = await invalidFields();
    expect(effort.map((f) => f.name)).toEqual(['minutes']);
    expect(effort[0]!.error.length).toBeGreaterThan(0);
    expect(effort[0]!.error).not.toMatch(/^\(no #/);
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      problems.push(...(await seriousViolations(page)).map((v) => `effort with an error @${width}px: ${v}`));
    }
    expect(problems, report(problems)).toEqual([]);
  });
});
