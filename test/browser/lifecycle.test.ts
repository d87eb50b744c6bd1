import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, serveToBrowser, type ServedApp } from '../support/browser.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp } from '../support/web.js';
import { PASSWORD, seedWorld, type World } from '../support/world.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHOTS = path.join(ROOT, 'test-output', 'screenshots');
const STEP_TIMEOUT = 60_000;

const FILE_NAME = 'snímek-obrazovky.txt';
const FILE_BODY = 'Chybové hlášení: „Tiskárna není dostupná“ (kód 0x2A)\n';
const SUBJECT = 'Nelze tisknout faktury z modulu Účetnictví';
const DESCRIPTION = 'Po aktualizaci nelze vytisknout žádnou fakturu.\nTiskárna je zapnutá, ostatní moduly tisknou.';
const COOPERATION = 'Pošlete prosím přesný název tiskárny a verzi ovladače.';
const REPLY = 'Tiskárna HP LaserJet M404, ovladač 48.6.4635.';
const RESOLUTION = 'Aktualizován ovladač tiskárny, tisk faktur funguje.';
const COMPLAINT = 'Faktury se tisknou, ale chybí na nich logo společnosti.';
const UPHOLD_NOTE = 'Omlouváme se, logo doplníme.';
const RESOLUTION_2 = 'Doplněna šablona s logem, ověřeno se zákazníkem.';

/** A date a month from now as the date input takes it (YYYY-MM-DD) and as the page shows it (d.m.yyyy). */
const requested = new Date(Date.now() + 30 * 86_400_000);
const REQUESTED_ISO = requested.toISOString().slice(0, 10);
const REQUESTED_SHOWN = `${requested.getUTCDate()}.${requested.getUTCMonth() + 1}.${requested.getUTCFullYear()}`;

const available = browserAvailable('test/browser/lifecycle.test.ts');

describe.skipIf(!available)('ticket lifecycle in a real browser (customer and staff)', () => {
  let tdb: TestDatabase;
  let world: World;
  let web: ReturnType<typeof buildApp>;
  let served: ServedApp;
  let base: string;
  let customerCtx: BrowserContext;
  let staffCtx: BrowserContext;
  let customer: Page;
  let staff: Page;
  let tmp: string;
  let filePath: string;
  let ticketNo: number;
  /** problems any page reported: failed requests, HTTP errors for sub-resources, script errors, CSP violations */
  const problems: string[] = [];

  function watch(page: Page, who: string) {
    page.on('pageerror', (e) => problems.push(`${who}: page error ${e.message}`));
    page.on('console', (m) => {
      // the app ships no favicon (public/ has none); chromium's automatic request for it is not the page's doing
      if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) problems.push(`${who}: console error ${m.text()} (${m.location().url} on ${page.url()})`);
    });
    page.on('requestfailed', (r) => {
      // a download is aborted as a navigation by design
      if (!r.url().includes('/attachments/')) problems.push(`${who}: request failed ${r.url()} ${r.failure()?.errorText}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${who}: HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
    });
  }

  beforeAll(async () => {
    tdb = await freshDatabase();
    world = await seedWorld(tdb.db);
    web = buildApp(tdb);
    served = await serveToBrowser(web.app);
    base = served.baseURL;

    await mkdir(SHOTS, { recursive: true });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'helpdesk-browser-'));
    filePath = path.join(tmp, FILE_NAME);
    await writeFile(filePath, FILE_BODY, 'utf8');

    customerCtx = await served.context({ acceptDownloads: true });
    staffCtx = await served.context({ acceptDownloads: true });
    customerCtx.setDefaultTimeout(10_000);
    staffCtx.setDefaultTimeout(10_000);
    customer = await customerCtx.newPage();
    staff = await staffCtx.newPage();
    watch(customer, 'customer');
    watch(staff, 'staff');
  });

  afterAll(async () => {
    await served?.close();
    await web?.close();
    await tdb?.drop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  // ---------------------------------------------------------------- helpers

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

  /** Clicks a submit button and waits for the page the server answers with (after its redirect). */
  async function submit(page: Page, button: Locator, expectedStatus = 200) {
    const [response] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), button.click()]);
    expect(response?.status(), `${page.url()} answered with an error page: ${await page.locator('.error-message, .alert').allInnerTexts()}`).toBe(expectedStatus);
    return response;
  }

  async function goto(page: Page, url: string) {
    const response = await page.goto(url, { waitUntil: 'load' });
    expect(response?.status(), `GET ${url}`).toBe(200);
  }

  async function signIn(page: Page, login: string) {
    await goto(page, '/login');
    await page.getByLabel('Přihlašovací jméno').fill(login);
    await page.getByLabel('Heslo').fill(PASSWORD);
    await submit(page, page.getByRole('button', { name: 'Přihlásit se' }));
  }

  const text = async (l: Locator) => (await l.innerText()).replace(/\s+/g, ' ').trim();
  const stateOf = (page: Page) => text(page.locator('dl.ticket-header dd.state'));
  /** the header value next to a label, e.g. "Řeší" */
  const header = (page: Page, label: string) => text(page.locator(`dl.ticket-header dt:text-is("${label}:") + dd`));

  const ticketUrl = (suffix = '') => `/tickets/${ticketNo}${suffix}`;

  async function staffAction(name: string, fill: (form: Locator) => Promise<void> = async () => {}) {
    const form = staff.locator(`form.action.action-${name}`);
    await expect(form.count(), `staff action form "${name}" on ${staff.url()}`).resolves.toBe(1);
    // an action with inputs sits in a closed <details> of the action bar beside the header: open it
    const details = staff.locator(`details.action-details-${name}`);
    if ((await details.count()) === 1 && !(await details.evaluate((d) => (d as HTMLDetailsElement).open))) await details.locator('summary').click();
    await fill(form);
    await submit(staff, form.locator('button[type=submit]'));
    expect(staff.url()).toBe(`${base}${ticketUrl()}`);
  }

  // the actions' names (an action with inputs keeps its button in a closed <details> until opened)
  const actionsShown = (page: Page) => page.locator('form.action button[type=submit]').evaluateAll((bs) => bs.map((b) => (b.textContent ?? '').trim()));

  /** the rows of the Historie tab as "who | what" */
  async function historyRows(page: Page): Promise<string[]> {
    await goto(page, ticketUrl('/historie'));
    const rows = page.locator('table.history tbody tr');
    const out: string[] = [];
    for (const row of await rows.all()) {
      const cells = row.locator('td');
      out.push(`${await text(cells.nth(1))} | ${await text(cells.nth(2))}`);
    }
    return out;
  }

  // ---------------------------------------------------------------- the scenario

  it('the customer signs in and reports a ticket with a Czech-named attachment', { timeout: STEP_TIMEOUT }, async () => {
    await goto(customer, '/login');
    expect(await text(customer.locator('h1'))).toBe('Přihlášení');
    // the stylesheet is applied (body background from style.css)
    expect(await customer.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(245, 246, 248)');
    await shot(customer, '01-login');

    await signIn(customer, 'alice');
    expect(customer.url()).toBe(`${base}/tickets`);
    expect(await text(customer.locator('header .who'))).toContain('Přihlášený uživatel: Alice Zákaznice');
    expect(await text(customer.locator('h1'))).toBe('Přehled požadavků');
    expect(await text(customer.locator('table.tickets tbody'))).toBe('V tomto přehledu nejsou žádné požadavky.');

    await customer.getByRole('link', { name: 'Založení nového incidentu' }).click();
    await customer.waitForURL(`${base}/tickets/new`);
    expect(await text(customer.locator('h1'))).toBe('Založení nového incidentu');
    // app.js turns the single multi-file input into "Přidat přílohu" rows
    await expect(customer.getByRole('button', { name: 'Přidat přílohu' }).isVisible()).resolves.toBe(true);

    await customer.locator('select[name=contract_id]').selectOption(String(world.contractA));
    // only contract A-1's paragraphs stay offered
    expect(await customer.locator(`#paragraph_id optgroup[data-contract="${world.contractA2}"]`).evaluate((g) => (g as HTMLOptGroupElement).disabled)).toBe(true);
    await customer.locator('select[name=paragraph_id]').selectOption(String(world.paragraphs.A.incident));
    await customer.locator('input[name=contact_phone]').fill('602 123 456');
    expect(await customer.locator('input[name=contact_email]').inputValue()).toBe('alice@example.cz');
    await customer.locator('input[name=subject]').fill(SUBJECT);
    await customer.locator('textarea[name=description]').fill(DESCRIPTION);
    await customer.locator('input[name=requested_resolution_date]').fill(REQUESTED_ISO);
    await customer.locator('input[type=file][name=files]').first().setInputFiles(filePath);
    await shot(customer, '02-new-ticket-form');

    await submit(customer, customer.getByRole('button', { name: 'OK', exact: true }));
    const m = /\/tickets\/(\d+)$/.exec(customer.url());
    expect(m, `landed on ${customer.url()}`).not.toBeNull();
    ticketNo = Number(m![1]);
    expect(ticketNo).toBeGreaterThanOrEqual(98000);

    expect(await text(customer.locator('h2.subject'))).toBe(`[${ticketNo}] - ${SUBJECT}`);
    expect(await stateOf(customer)).toBe('Nový');
    expect(await header(customer, 'Zákazník')).toBe('Alfa s.r.o., Brno');
    expect(await header(customer, 'Smlouva')).toBe('A-1 Smlouva Alfa');
    expect(await header(customer, 'Klasifikace')).toBe('I1 – Incident (Incident)');
    expect(await header(customer, 'Požadovaný termín vyřešení')).toBe(REQUESTED_SHOWN);
    expect(await header(customer, 'Řeší')).toBe('-');
    expect(await customer.locator('.tab-body > .text').innerText()).toBe(DESCRIPTION);
    const facts = await text(customer.locator('.tab-body dl.facts'));
    expect(facts).toContain('Zadal: Alice Zákaznice');
    expect(facts).toContain('Kontaktní telefon: +420 602 123 456');
    expect(facts).toContain('Kontaktní e-mail: alice@example.cz');
    expect(await text(customer.locator('ul.attachments'))).toBe(`${FILE_NAME} (${Buffer.byteLength(FILE_BODY)} B)`);
    // no Vyhodnocení tab before there is a resolution
    expect(await customer.locator('nav.tabs a').allInnerTexts()).toEqual(['Zadání', 'Komunikace', 'Historie']);
    await shot(customer, '03-ticket-request-new');
  });

  it('the customer downloads the attachment under its Czech name', { timeout: STEP_TIMEOUT }, async () => {
    const [download] = await Promise.all([customer.waitForEvent('download'), customer.getByRole('link', { name: FILE_NAME }).click()]);
    expect(download.suggestedFilename()).toBe(FILE_NAME);
    expect(await readFile((await download.path())!, 'utf8')).toBe(FILE_BODY);
  });

  it('the customer sees the new ticket in the overview and its history', { timeout: STEP_TIMEOUT }, async () => {
    await goto(customer, '/tickets');
    const row = customer.locator('table.tickets tbody tr', { has: customer.getByRole('link', { name: SUBJECT }) });
    const cells = await row.locator('td').allInnerTexts();
    expect(cells[0]).toBe(String(ticketNo));
    expect(cells[2]).toBe(SUBJECT);
    expect(cells[3]).toBe('Nový');
    expect(cells[4]).toBe('-');
    await shot(customer, '04-overview-current');

    expect(await historyRows(customer)).toEqual([
      'Alice Zákaznice | Požadavek založen',
      `Alice Zákaznice | Příloha ${FILE_NAME}`,
    ]);
    await shot(customer, '05-ticket-history-new');
  });

  it('staff find the ticket in the queue, accept it, escalate it and ask for cooperation', { timeout: STEP_TIMEOUT }, async () => {
    await signIn(staff, 'agent');
    expect(staff.url()).toBe(`${base}/staff/queue`);
    expect(await text(staff.locator('h1'))).toBe('Fronta požadavků');
    const row = staff.locator('table.queue tbody tr', { has: staff.getByRole('link', { name: SUBJECT }) });
    const cells = await row.locator('td').allInnerTexts();
    expect([cells[0], cells[2], cells[3], cells[4], cells[5], cells[6], cells[7]]).toEqual([
      String(ticketNo), 'Alfa s.r.o.', 'A-1', SUBJECT, 'Alice Zákaznice', 'Nový', '-',
    ]);
    await shot(staff, '06-staff-queue');

    await row.getByRole('link', { name: SUBJECT }).click();
    await staff.waitForURL(`${base}${ticketUrl()}`);
    expect(await stateOf(staff)).toBe('Nový');
    expect(await text(staff.locator('.staff-panel h3'))).toBe('Akce pracovníka podpory');
    expect(await actionsShown(staff)).toEqual(['Přijmout', 'Zrušit']);
    // staff always see the Vyhodnocení tab
    expect(await staff.locator('nav.tabs a').allInnerTexts()).toEqual(['Zadání', 'Komunikace', 'Vyhodnocení', 'Historie']);
    await shot(staff, '07-staff-ticket-new-actions');

    await staffAction('accept');
    expect(await stateOf(staff)).toBe('Přijato');
    expect(await header(staff, 'Řeší')).toBe('Dana Pokorná');
    expect(await actionsShown(staff)).toEqual(['Eskalovat na řešitele', 'Pozastavit (požádat o součinnost)', 'Vyřešit', 'Zrušit']);

    await staffAction('escalate', (f) => f.locator('select[name=assignee_id]').selectOption({ label: 'Pavel Jedlička' }).then(() => undefined));
    expect(await stateOf(staff)).toBe('Eskalováno');
    expect(await header(staff, 'Řeší')).toBe('Pavel Jedlička');

    await staffAction('pause', (f) => f.locator('textarea[name=cooperation]').fill(COOPERATION));
    expect(await stateOf(staff)).toBe('Pozastaveno');
    expect(await header(staff, 'Řeší')).toBe('Pavel Jedlička');
    expect(await actionsShown(staff)).toEqual(['Obnovit řešení', 'Zrušit']);
    await shot(staff, '08-staff-ticket-paused-actions');
  });

  it('the customer reads the cooperation request and replies, which resumes the ticket', { timeout: STEP_TIMEOUT }, async () => {
    await goto(customer, ticketUrl());
    expect(await stateOf(customer)).toBe('Pozastaveno');
    expect(await header(customer, 'Řeší')).toBe('Pavel Jedlička');
    await customer.getByRole('link', { name: 'Komunikace' }).click();
    await customer.waitForURL(`${base}${ticketUrl('/komunikace')}`);
    const messages = customer.locator('ol.messages > li');
    expect(await messages.count()).toBe(1);
    const request = messages.first();
    expect(await request.getAttribute('class')).toContain('from-staff');
    expect(await text(request.locator('.meta strong'))).toBe('Dana Pokorná');
    expect(await request.locator('.text').innerText()).toBe(COOPERATION);
    await shot(customer, '09-ticket-conversation-paused');

    await customer.getByLabel('Zpráva').fill(REPLY);
    await submit(customer, customer.getByRole('button', { name: 'Odeslat' }));
    expect(customer.url()).toBe(`${base}${ticketUrl('/komunikace')}`);
    expect(await stateOf(customer)).toBe('Eskalováno');
    expect(await messages.count()).toBe(2);
    expect(await messages.nth(1).getAttribute('class')).toContain('from-customer');
    expect(await text(messages.nth(1).locator('.meta strong'))).toBe('Alice Zákaznice');
    expect(await messages.nth(1).locator('.text').innerText()).toBe(REPLY);
    await shot(customer, '10-ticket-conversation-replied');
  });

  it('staff see the reply and resolve the ticket', { timeout: STEP_TIMEOUT }, async () => {
    await goto(staff, ticketUrl('/komunikace'));
    expect(await stateOf(staff)).toBe('Eskalováno');
    expect(await staff.locator('ol.messages > li .text').allInnerTexts()).toEqual([COOPERATION, REPLY]);
    await goto(staff, ticketUrl());
    await staffAction('resolve', (f) => f.locator('textarea[name=resolution]').fill(RESOLUTION));
    expect(await stateOf(staff)).toBe('Vyřešeno');
    expect(await actionsShown(staff)).toEqual(['Uzavřít']);
  });

  it('the customer sees the resolution and files a complaint', { timeout: STEP_TIMEOUT }, async () => {
    await goto(customer, '/tickets?list=resolved');
    const row = customer.locator('table.tickets tbody tr', { has: customer.getByRole('link', { name: SUBJECT }) });
    expect((await row.locator('td').allInnerTexts())[3]).toBe('Vyřešeno');
    await shot(customer, '11-overview-resolved');

    await row.getByRole('link', { name: String(ticketNo) }).click();
    await customer.waitForURL(`${base}${ticketUrl()}`);
    expect(await stateOf(customer)).toBe('Vyřešeno');
    expect(await customer.locator('nav.tabs a').allInnerTexts()).toEqual(['Zadání', 'Komunikace', 'Vyhodnocení', 'Historie']);
    await shot(customer, '12-ticket-request-resolved');

    await customer.getByRole('link', { name: 'Vyhodnocení' }).click();
    await customer.waitForURL(`${base}${ticketUrl('/vyhodnoceni')}`);
    expect(await customer.locator('.tab-body .resolution').innerText()).toBe(RESOLUTION);
    expect(await text(customer.locator('.tab-body dl.facts'))).toMatch(/^Vyřešeno: \d{1,2}\.\d{1,2}\.\d{4} \d{2}:\d{2} Doba řešení: (\d+ d )?(\d+ h )?\d+ min$/);
    // effort is for staff only
    expect(await customer.locator('table.efforts').count()).toBe(0);
    await shot(customer, '13-ticket-evaluation');

    // the conversation is closed for a resolved ticket
    await goto(customer, ticketUrl('/komunikace'));
    expect(await text(customer.locator('.tab-body p.notice'))).toBe('Požadavek je vyřešen, do komunikace již nelze psát.');
    expect(await customer.locator('form.message-form').count()).toBe(0);

    await goto(customer, ticketUrl());
    await customer.locator('#complaint textarea[name=reason]').fill(COMPLAINT);
    await submit(customer, customer.locator('#complaint').getByRole('button', { name: 'Reklamovat' }));
    expect(customer.url()).toBe(`${base}${ticketUrl()}`);
    expect(await stateOf(customer)).toBe('Reklamováno');
    expect(await text(customer.locator('p.notice'))).toBe(`Důvod reklamace: ${COMPLAINT}`);
    expect(await customer.locator('#complaint').count()).toBe(0);
  });

  it('staff uphold the complaint, resolve again and close the ticket', { timeout: STEP_TIMEOUT }, async () => {
    await goto(staff, ticketUrl());
    expect(await stateOf(staff)).toBe('Reklamováno');
    expect(await text(staff.locator('p.notice'))).toBe(`Důvod reklamace: ${COMPLAINT}`);
    expect(await actionsShown(staff)).toEqual(['Uznat reklamaci', 'Zamítnout reklamaci']);
    await shot(staff, '14-staff-ticket-complained-actions');

    await staffAction('uphold_complaint', async (f) => {
      await f.locator('select[name=target]').selectOption({ label: 'Eskalováno' });
      await f.locator('textarea[name=note]').fill(UPHOLD_NOTE);
    });
    expect(await stateOf(staff)).toBe('Eskalováno');
    expect(await header(staff, 'Řeší')).toBe('Pavel Jedlička');

    await staffAction('resolve', (f) => f.locator('textarea[name=resolution]').fill(RESOLUTION_2));
    expect(await stateOf(staff)).toBe('Vyřešeno');
    await staffAction('close');
    expect(await stateOf(staff)).toBe('Uzavřeno');
    expect(await staff.locator('form.action').count()).toBe(0);
    await shot(staff, '15-staff-ticket-closed');

    await goto(staff, ticketUrl('/vyhodnoceni'));
    expect(await staff.locator('.tab-body .resolution').innerText()).toBe(RESOLUTION_2);
    await shot(staff, '16-staff-ticket-evaluation');
  });

  it('the customer finds the ticket among the closed ones, with its whole history', { timeout: STEP_TIMEOUT }, async () => {
    await goto(customer, '/tickets');
    expect(await customer.getByRole('link', { name: SUBJECT }).count()).toBe(0);
    await customer.getByRole('link', { name: 'Uzavřené požadavky' }).click();
    await customer.waitForURL(`${base}/tickets?list=closed`);
    // the tab carries its count: the one closed ticket
    expect(await text(customer.locator('nav.tabs a.active'))).toBe('Uzavřené požadavky (1)');
    const row = customer.locator('table.tickets tbody tr', { has: customer.getByRole('link', { name: SUBJECT }) });
    const cells = await row.locator('td').allInnerTexts();
    expect(cells[0]).toBe(String(ticketNo));
    expect(cells[3]).toBe('Uzavřeno');
    expect(cells[4]).toBe('Pavel Jedlička');
    await shot(customer, '17-overview-closed');

    await row.getByRole('link', { name: SUBJECT }).click();
    await customer.waitForURL(`${base}${ticketUrl()}`);
    expect(await stateOf(customer)).toBe('Uzavřeno');
    expect(await customer.locator('#complaint').count()).toBe(0);

    await goto(customer, ticketUrl('/komunikace'));
    expect(await customer.locator('ol.messages > li .text').allInnerTexts()).toEqual([
      COOPERATION,
      REPLY,
      `Reklamace byla uznána, pokračujeme v řešení.\n${UPHOLD_NOTE}`,
    ]);
    await shot(customer, '18-ticket-conversation-closed');

    const history = await historyRows(customer);
    expect(history).toEqual([
      'Alice Zákaznice | Požadavek založen',
      `Alice Zákaznice | Příloha ${FILE_NAME}`,
      'Dana Pokorná | Změna stavu: Nový → Přijato – Přiděleno řešiteli Dana Pokorná',
      'Dana Pokorná | Změna stavu: Přijato → Eskalováno – Přiděleno řešiteli Pavel Jedlička',
      'Dana Pokorná | Nová zpráva v komunikaci',
      'Dana Pokorná | Změna stavu: Eskalováno → Pozastaveno',
      'Alice Zákaznice | Nová zpráva v komunikaci',
      'Alice Zákaznice | Změna stavu: Pozastaveno → Eskalováno (obnoveno odpovědí zákazníka)',
      `Dana Pokorná | Změna stavu: Eskalováno → Vyřešeno Řešení: ${RESOLUTION}`,
      `Alice Zákaznice | Reklamace podána Důvod: ${COMPLAINT}`,
      'Dana Pokorná | Reklamace uznána (Reklamováno → Eskalováno)',
      `Dana Pokorná | Změna stavu: Eskalováno → Vyřešeno Řešení: ${RESOLUTION_2}`,
      'Dana Pokorná | Změna stavu: Vyřešeno → Uzavřeno',
    ]);
    await shot(customer, '19-ticket-history-closed');
  });

  it('no page reported a failed request, an HTTP error or a script error', () => {
    expect(problems).toEqual([]);
  });
});
