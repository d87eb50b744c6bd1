import { DateTime } from 'luxon';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTransport, sendDueMail } from '../../src/mail/outbox.js';
import { browserAvailable, serveToBrowser, type ServedApp } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { buildApp } from '../support/web.js';
import { PASSWORD, seedWorld } from '../support/world.js';

/*
 * Onboarding end to end (issue 10): an admin creates a service calendar, a company, a contract
 * on that calendar with two paragraphs and a customer user; the invitation mail reaches the SMTP
 * listener through the outbox sender; the user sets a password through its link, signs in and
 * reports a ticket whose SLA due follows the calendar; the admin changes the calendar and the
 * open ticket's due moves with it.
 */

const ZONE = 'Europe/Prague';
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const NEW_PASSWORD = 'Onboarding-2026-heslo';
const STEP_TIMEOUT = 60_000;

/**
 * The due of `hours` service hours from `start` when every day is open from `open` to `close`
 * (local time, no holidays): walked by hand, day by day, independently of the SLA engine.
 */
function dueAfter(start: Date, hours: number, open: string, close: string): Date {
  let left = hours * 3_600_000;
  let day = DateTime.fromJSDate(start, { zone: ZONE }).startOf('day');
  for (let i = 0; i < 60; i++, day = day.plus({ days: 1 })) {
    const [oh, om] = open.split(':').map(Number);
    const [ch, cm] = close.split(':').map(Number);
    const from = Math.max(start.getTime(), day.set({ hour: oh, minute: om }).toMillis());
    const to = day.set({ hour: ch, minute: cm }).toMillis();
    if (from >= to) continue;
    if (to - from >= left) return new Date(from + left);
    left -= to - from;
  }
  throw new Error('no due within 60 days');
}

const available = browserAvailable('test/browser/onboarding.test.ts');

describe.skipIf(!available)('onboarding a customer, end to end in a real browser', () => {
  let tdb: TestDatabase;
  let web: ReturnType<typeof buildApp>;
  let served: ServedApp;
  let base: string;
  let sink: SmtpSink;
  let adminCtx: BrowserContext;
  let customerCtx: BrowserContext;
  let admin: Page;
  let customer: Page;
  const ids = { calendar: 0, company: 0, contract: 0, incident: 0, question: 0, user: 0, ticket: 0 };
  let setPasswordPath = '';

  beforeAll(async () => {
    tdb = await freshDatabase();
    await seedWorld(tdb.db);
    web = buildApp(tdb);
    served = await serveToBrowser(web.app);
    base = served.baseURL;
    sink = await startSmtpSink();
    adminCtx = await served.context({ timezoneId: ZONE });
    customerCtx = await served.context({ timezoneId: ZONE });
    adminCtx.setDefaultTimeout(10_000);
    customerCtx.setDefaultTimeout(10_000);
    admin = await adminCtx.newPage();
    customer = await customerCtx.newPage();
  }, 120_000);

  afterAll(async () => {
    await served?.close();
    await sink?.close();
    await web?.close();
    await tdb?.drop();
  });

  async function goto(page: Page, url: string) {
    const res = await page.goto(url, { waitUntil: 'load' });
    expect(res?.status(), `GET ${url}`).toBe(200);
  }

  /** Submits and waits for the page after the redirect; the form must have been accepted. */
  async function submit(page: Page, button: Locator) {
    const [res] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), button.click()]);
    expect(res?.status(), `${page.url()}: ${await page.locator('.alert, .error').allInnerTexts()}`).toBe(200);
  }

  const idIn = (page: Page, pattern: RegExp) => {
    const m = pattern.exec(new URL(page.url()).pathname);
    expect(m, `landed on ${page.url()}`).not.toBeNull();
    return Number(m![1]);
  };

  const form = (page: Page) => page.locator('main form[method=post]').last();

  async function setWindows(open: string, close: string) {
    for (const day of DAYS) await admin.locator(`#f-win_${day}`).fill(`${open}-${close}`);
  }

  it('the admin creates a calendar, a company, a contract with two paragraphs and a customer user', { timeout: STEP_TIMEOUT }, async () => {
    await goto(admin, '/login');
    await admin.getByLabel('Přihlašovací jméno').fill('admin');
    await admin.getByLabel('Heslo').fill(PASSWORD);
    await submit(admin, admin.getByRole('button', { name: 'Přihlásit se' }));

    await goto(admin, '/admin/calendars/new');
    await admin.locator('#f-name').fill('Denně 8–16');
    await setWindows('08:00', '16:00');
    await admin.locator('#f-holiday_country').selectOption('');
    await admin.locator('#f-extra_closed_dates').fill('');
    await submit(admin, form(admin).locator('button[type=submit]'));
    ids.calendar = idIn(admin, /^\/admin\/calendars\/(\d+)$/);

    await goto(admin, '/admin/companies/new');
    await admin.locator('#f-name').fill('Nová Firma s.r.o.');
    await admin.locator('#f-address').fill('Dlouhá 1, Olomouc');
    await submit(admin, form(admin).locator('button[type=submit]'));
    ids.company = idIn(admin, /^\/admin\/companies\/(\d+)$/);

    await goto(admin, `/admin/companies/${ids.company}/contracts/new`);
    await admin.locator('#f-number').fill('NF-1');
    await admin.locator('#f-name').fill('Podpora provozu');
    await admin.locator('#f-calendar_id').selectOption(String(ids.calendar));
    await submit(admin, form(admin).locator('button[type=submit]'));
    ids.contract = idIn(admin, /^\/admin\/contracts\/(\d+)$/);

    for (const [code, name, kind, method] of [['INC', 'Incident', 'incident', 'Hod'], ['DOTAZ', 'Dotaz', 'question', '']] as const) {
      await goto(admin, `/admin/contracts/${ids.contract}/paragraphs/new`);
      await admin.locator('#f-code').fill(code);
      await admin.locator('#f-name').fill(name);
      await admin.locator('#f-kind').selectOption(kind);
      await admin.locator('#f-reaction_method').selectOption(method);
      await admin.locator('#f-resolution_method').selectOption(method);
      if (method) {
        await admin.locator('#f-reaction_amount').fill('2');
        await admin.locator('#f-resolution_amount').fill('16');
      }
      await submit(admin, form(admin).locator('button[type=submit]'));
    }
    const paragraphs = await tdb.db('contract_paragraphs').where({ contract_id: ids.contract }).orderBy('id').select('id', 'code', 'sla_applies', 'reaction_method', 'reaction_amount');
    expect(paragraphs.map((p) => p.code)).toEqual(['INC', 'DOTAZ']);
    expect(paragraphs[0]).toMatchObject({ sla_applies: true, reaction_method: 'Hod', reaction_amount: 2 });
    ids.incident = paragraphs[0].id;
    ids.question = paragraphs[1].id;

    await goto(admin, '/admin/users/new');
    await admin.locator('#f-name').fill('Jana Nová');
    await admin.locator('#f-email').fill('jana.nova@novafirma.cz');
    await admin.locator('#f-login').fill('jana.nova');
    await admin.locator('#f-role').selectOption('customer');
    await admin.locator('#f-active').check();
    await admin.locator('#f-contract_id').selectOption(String(ids.contract));
    await admin.locator('#f-sees_all').check();
    await submit(admin, form(admin).locator('button[type=submit]'));
    ids.user = idIn(admin, /^\/admin\/users\/(\d+)$/);
    expect(await tdb.db('user_contracts').where({ user_id: ids.user }).select('contract_id', 'sees_all_tickets')).toEqual([{ contract_id: ids.contract, sees_all_tickets: true }]);
  });

  it('the invitation mail arrives through the outbox with a link to set the password', { timeout: STEP_TIMEOUT }, async () => {
    const transport = createTransport({ host: sink.host, port: sink.port, secure: false });
    try {
      await sendDueMail(tdb.db, transport, tdb.ctx.mail);
      const mail = await sink.waitFor((m) => m.envelope.to.includes('jana.nova@novafirma.cz'), 10_000);
      expect(mail.parsed.subject).toBe('Pozvánka do portálu helpdesk.tech');
      expect(mail.parsed.text).toContain('jana.nova');
      const link = /(\/password\/set\/[A-Za-z0-9_-]+)/.exec(mail.parsed.text ?? '');
      expect(link, mail.parsed.text).not.toBeNull();
      setPasswordPath = link![1]!;
    } finally {
      transport.close();
    }
  });

  it('the user sets a password through the link and signs in', { timeout: STEP_TIMEOUT }, async () => {
    await goto(customer, setPasswordPath);
    await customer.locator('#f-next').fill(NEW_PASSWORD);
    await customer.locator('#f-confirm').fill(NEW_PASSWORD);
    await submit(customer, customer.locator('main form button[type=submit]'));
    if (!new URL(customer.url()).pathname.startsWith('/login')) await goto(customer, '/login');
    await customer.getByLabel('Přihlašovací jméno').fill('jana.nova');
    await customer.getByLabel('Heslo').fill(NEW_PASSWORD);
    await submit(customer, customer.getByRole('button', { name: 'Přihlásit se' }));
    expect(new URL(customer.url()).pathname).toBe('/tickets');
    expect(await customer.locator('header .who').innerText()).toContain('Jana Nová');
  });

  it('the user reports a ticket whose reaction due follows the calendar (2 service hours, 8–16 every day)', { timeout: STEP_TIMEOUT }, async () => {
    await goto(customer, '/tickets/new');
    await customer.locator('select[name=contract_id]').selectOption(String(ids.contract));
    await customer.locator('select[name=paragraph_id]').selectOption(String(ids.incident));
    await customer.locator('input[name=contact_phone]').fill('602 111 222');
    await customer.locator('input[name=subject]').fill('Nejde přihlášení do aplikace');
    await customer.locator('textarea[name=description]').fill('Od rána nelze přihlásit.');
    await submit(customer, customer.getByRole('button', { name: 'OK', exact: true }));
    ids.ticket = idIn(customer, /^\/tickets\/(\d+)$/);
    const row = await tdb.db('tickets').where({ number: ids.ticket }).first('created_at', 'reaction_due_at', 'paragraph_id');
    expect(row.paragraph_id).toBe(ids.incident);
    expect(row.reaction_due_at.toISOString()).toBe(dueAfter(row.created_at, 2, '08:00', '16:00').toISOString());
  });

  it('the admin changes the calendar and the open ticket’s due moves with it', { timeout: STEP_TIMEOUT }, async () => {
    const before = await tdb.db('tickets').where({ number: ids.ticket }).first('created_at', 'reaction_due_at');
    await goto(admin, `/admin/calendars/${ids.calendar}`);
    await setWindows('10:00', '11:00');
    await submit(admin, form(admin).locator('button[type=submit]'));
    expect(new URL(admin.url()).pathname).toBe(`/admin/calendars/${ids.calendar}`);
    const after = await tdb.db('tickets').where({ number: ids.ticket }).first('reaction_due_at');
    const expected = dueAfter(before.created_at, 2, '10:00', '11:00');
    expect(after.reaction_due_at.toISOString()).toBe(expected.toISOString());
    expect(after.reaction_due_at.getTime()).not.toBe(before.reaction_due_at.getTime());
    // the change is in the audit log, naming the admin
    const audit = await tdb.db('audit_log').where({ object_type: 'calendar', object_id: String(ids.calendar) }).orderBy('id').select('action', 'source');
    expect(audit.map((a) => `${a.action} ${a.source}`)).toEqual(['create web', 'update web']);
  });
});
