import { mkdirSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileFromBuffer } from '../../src/services/attachments.js';
import { createTicket } from '../../src/services/create-ticket.js';
import { browserAvailable, serveToBrowser, type ServedApp } from '../support/browser.js';
import { seriousViolations } from '../support/axe.js';
import { wavBytes } from '../hotline/support.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp } from '../support/web.js';
import { PASSWORD, seedWorld, type World } from '../support/world.js';

/*
 * Issue 13 in a real browser: a hotline ticket's recording plays in the ticket page under the
 * app's own Content-Security-Policy, for the reporter and for staff: the <audio> element loads
 * the WAV from the download (readyState ≥ 2) and seeks, the download answering the range with
 * 206. The staff's hotline log, the codes page, the page with a new code and the admin's user
 * page with its HotLine section pass axe-core at 390 and 1280 px. Screenshots:
 * test-output/screenshots/hotline-*.png.
 */
const SHOTS = new URL('../../test-output/screenshots/', import.meta.url);
const STEP_TIMEOUT = 120_000;
const SECONDS = 2;

const available = browserAvailable('test/browser/hotline-audio.test.ts');

describe.skipIf(!available)('the HotLine in the browser (issue 13): the recording plays, the staff pages are accessible', () => {
  let tdb: TestDatabase;
  let w: World;
  let web: ReturnType<typeof buildApp>;
  let served: ServedApp;
  let strict: BrowserContext;
  let audit: BrowserContext;
  let ticket: number;

  beforeAll(async () => {
    tdb = await freshDatabase();
    w = await seedWorld(tdb.db);
    await tdb.db('contracts').where({ id: w.contractA }).update({ hotline: true });
    await tdb.db('contract_paragraphs').where({ id: w.paragraphs.A.incident }).update({ is_hotline_default: true });
    ticket = (await createTicket(
      tdb.ctx,
      w.users.alice,
      { contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, contact_phone: '602123456', subject: 'HotLine – Alice Zákaznice – 27. 11. 2026 9:00', description: 'Požadavek nahraný telefonem, 2 s; nahrávka je v příloze.' },
      [fileFromBuffer('hotline-CA0001.wav', 'audio/wav', wavBytes(SECONDS))],
      'hotline',
    )).number;
    // the log: a call of each kind, one with the ticket, one whose download failed
    const call = (n: number, fields: Record<string, unknown>) =>
      tdb.db('hotline_calls').insert({ call_sid: `CA${String(n).padStart(32, '0')}`, caller: '+420602123456', step: 'ended', started_at: tdb.db.raw(`now() - interval '${n} minutes'`), ...fields });
    await call(1, { outcome: 'ticket', user_id: w.users.alice.id, contract_id: w.contractA, ticket_number: ticket, recording_seconds: SECONDS });
    await call(2, { outcome: 'download_failed', user_id: w.users.alice.id, contract_id: w.contractA, recording_url: 'https://api.twilio.com/x/Recordings/RE1', recording_seconds: 12, failure: 'HTTP 503' });
    await call(3, { outcome: 'wrong_code', caller: '+420777123456' });
    await call(4, { outcome: 'outside_hours', user_id: w.users.carol.id, contract_id: w.contractA });

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

  async function signedIn(context: BrowserContext, login: string): Promise<Page> {
    await context.clearCookies();
    const page = await context.newPage();
    await page.goto('/login');
    await page.getByLabel('Přihlašovací jméno').fill(login);
    await page.getByLabel('Heslo').fill(PASSWORD);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Přihlásit se' }).click()]);
    return page;
  }

  for (const who of ['alice', 'agent'] as const) {
    it(`plays the recording on the ticket page for ${who === 'alice' ? 'the reporter' : 'staff'}: loads, seeks, the range answered 206`, { timeout: STEP_TIMEOUT }, async () => {
      const page = await signedIn(strict, who);
      const ranges: { status: number; range: string | null; type: string | null }[] = [];
      page.on('response', (r) => {
        if (/\/attachments\/\d+$/.test(new URL(r.url()).pathname)) ranges.push({ status: r.status(), range: r.request().headers().range ?? null, type: r.headers()['content-type'] ?? null });
      });
      const violations: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') violations.push(m.text());
      });
      await page.goto(`/tickets/${ticket}`);
      const audio = page.locator('audio');
      expect(await audio.count()).toBe(1);
      expect(await audio.getAttribute('controls')).not.toBeNull();
      expect(await audio.getAttribute('preload')).toBe('metadata');
      const src = (await audio.getAttribute('src'))!;
      expect(src).toMatch(new RegExp(`^/tickets/${ticket}/attachments/\\d+$`));
      // the usual download link beside it
      expect(await page.locator(`a[href="${src}"]`).innerText()).toBe('hotline-CA0001.wav');

      await page.waitForFunction(() => (document.querySelector('audio') as HTMLAudioElement).readyState >= 2, undefined, { timeout: 15_000 });
      const duration = await audio.evaluate((a: HTMLAudioElement) => a.duration);
      expect(duration).toBeCloseTo(SECONDS, 1);
      expect(await audio.evaluate((a: HTMLAudioElement) => a.error)).toBeNull();

      const seeked = await audio.evaluate(
        (a: HTMLAudioElement) =>
          new Promise<number>((resolve) => {
            a.addEventListener('seeked', () => resolve(a.currentTime), { once: true });
            a.currentTime = 1.5;
          }),
      );
      expect(seeked).toBeCloseTo(1.5, 1);
      await page.waitForFunction(() => (document.querySelector('audio') as HTMLAudioElement).readyState >= 2);
      expect(ranges.length).toBeGreaterThan(0);
      expect(ranges.every((r) => r.type === 'audio/wav')).toBe(true);
      expect(ranges.some((r) => r.status === 206 && r.range !== null)).toBe(true);
      expect(violations.filter((v) => /Content Security Policy|Refused/i.test(v))).toEqual([]);
      await page.screenshot({ path: new URL(`hotline-ticket-${who}.png`, SHOTS).pathname, fullPage: true });
      await page.close();
    });
  }

  it('the ticket with the recording, the hotline log, the codes page, a new code and the admin user page pass axe-core at 390 and 1280 px', { timeout: 2 * STEP_TIMEOUT }, async () => {
    const found: string[] = [];
    const check = async (page: Page, label: string) => {
      for (const width of [390, 1280]) {
        await page.setViewportSize({ width, height: 900 });
        for (const v of await seriousViolations(page)) found.push(`${label} @${width}: ${v}`);
        await page.screenshot({ path: new URL(`hotline-${label}-${width}.png`, SHOTS).pathname, fullPage: true });
      }
    };
    const customer = await signedIn(audit, 'alice');
    await customer.goto(`/tickets/${ticket}`);
    await check(customer, 'ticket-customer');
    await customer.close();

    const staff = await signedIn(audit, 'agent');
    await staff.goto(`/tickets/${ticket}`);
    await check(staff, 'ticket-staff');
    await staff.goto('/staff/hotline');
    expect(await staff.getByRole('link', { name: 'HotLine', exact: true }).count()).toBeGreaterThan(0);
    expect(await staff.getByRole('button', { name: /^Znovu stáhnout/ }).count()).toBe(1);
    await check(staff, 'log');
    await staff.goto('/staff/hotline?outcome=wrong_code');
    await check(staff, 'log-filtered');
    await staff.goto('/staff/hotline/codes');
    await check(staff, 'codes');
    // by keyboard: the issue button of Carol's row, focused and pressed with Enter
    const issue = staff.getByRole('button', { name: 'Vydat kód: Carol Vlastní, smlouva A-1' });
    await issue.focus();
    await Promise.all([staff.waitForNavigation(), staff.keyboard.press('Enter')]);
    expect(await staff.locator('.hotline-code strong').innerText()).toMatch(/^\d{10}$/);
    await check(staff, 'code-issued');
    await staff.close();

    const admin = await signedIn(audit, 'admin');
    await admin.goto(`/admin/users/${w.users.alice.id}`);
    expect(await admin.getByRole('heading', { name: 'HotLine' }).count()).toBe(1);
    await check(admin, 'admin-user');
    await admin.close();
    expect(found).toEqual([]);
  });
});
