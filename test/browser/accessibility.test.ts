import { readFileSync } from 'node:fs';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, serveToBrowser, type ServedApp } from '../support/browser.js';
import { seriousViolations } from '../support/axe.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { adminPages as allAdminPages } from '../support/pages.js';
import { buildApp, login } from '../support/web.js';
import { PASSWORD, seedWorld, type World } from '../support/world.js';

/*
 * Accessibility (issue 10): every customer page and every admin page, at a phone's width and a
 * desktop's, passes axe-core (run inside the page) without a violation of impact serious or
 * critical; the forms are usable by keyboard alone (Tab reaches every field and the submit
 * button, in order). The staff pages are checked by axe-core in responsive.test.ts.
 */

const WIDTHS = [390, 1280];
const STEP_TIMEOUT = 120_000;

const available = browserAvailable('test/browser/accessibility.test.ts');

describe.skipIf(!available)('accessibility of the customer and admin pages (axe-core, keyboard)', () => {
  let tdb: TestDatabase;
  let world: World;
  let web: ReturnType<typeof buildApp>;
  let served: ServedApp;
  let context: BrowserContext;
  let page: Page;
  let fresh: number;
  let resolved: number;
  let calendarId: number;
  let apiTokenId: number;

  beforeAll(async () => {
    tdb = await freshDatabase();
    world = await seedWorld(tdb.db);
    calendarId = Number((await tdb.db('service_calendars').first('id')).id);
    apiTokenId = Number((await tdb.db('api_tokens').insert({ contract_id: world.contractA, paragraph_id: world.paragraphs.A.incident, user_id: world.users.alice.id, name: 'Zabbix', token_hash: 'f'.repeat(64) }).returning('id'))[0].id);
    web = buildApp(tdb);
    served = await serveToBrowser(web.app);

    // a new ticket, and a resolved one with a conversation (its Vyhodnocení tab exists)
    const customer = await login(web.app, 'alice');
    const staff = await login(web.app, 'agent');
    const create = async (subject: string) => {
      const res = await customer.agent
        .post('/tickets/new')
        .field('_csrf', customer.csrf)
        .field('contract_id', String(world.contractA))
        .field('paragraph_id', String(world.paragraphs.A.incident))
        .field('contact_phone', '602123456')
        .field('subject', subject)
        .field('description', 'Po aktualizaci nelze tisknout.')
        .attach('files', Buffer.from('obsah'), { filename: 'příloha.txt', contentType: 'text/plain' });
      expect(res.status).toBe(303);
      return Number(/\/tickets\/(\d+)$/.exec(res.headers.location ?? '')?.[1]);
    };
    fresh = await create('Nelze tisknout');
    resolved = await create('Pomalá aplikace');
    const act = (action: string, fields: Record<string, string> = {}) =>
      staff.agent.post(`/tickets/${resolved}/actions/${action}`).type('form').send({ _csrf: staff.csrf, ...fields });
    expect((await act('accept')).status).toBe(303);
    expect((await staff.agent.post(`/tickets/${resolved}/messages`).field('_csrf', staff.csrf).field('body', 'Prověřujeme.')).status).toBe(303);
    expect((await act('resolve', { resolution: 'Zrychleno.' })).status).toBe(303);
    // something in the audit log for its list
    const admin = await login(web.app, 'admin');
    expect((await admin.agent.post('/admin/migration').field('_csrf', admin.csrf).field('mode', 'import')
      .attach('files', readFileSync(new URL('../fixtures/import/sample.json', import.meta.url)), { filename: 'data.json', contentType: 'application/json' })).status).toBe(200);

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

  /** Runs axe-core on the page as it is, at each width; returns the serious and critical violations, described. */
  async function axe(label: string): Promise<string[]> {
    const found: string[] = [];
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      for (const v of await seriousViolations(page)) found.push(`${label} @${width}px: ${v}`);
    }
    return found;
  }

  async function visit(url: string, expected = 200) {
    const res = await page.goto(url, { waitUntil: 'load' });
    expect(res?.status(), `GET ${url}`).toBe(expected);
  }

  /** Submits a form with the browser's own validation off, so the server's errors show. */
  async function submitUnvalidated(button: Locator, expected = 400) {
    await page.evaluate(() => document.querySelectorAll('form').forEach((f) => (f.noValidate = true)));
    const [res] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), button.click()]);
    expect(res?.status(), `submitted on ${page.url()}`).toBe(expected);
  }

  async function signIn(loginName: string) {
    await context.clearCookies();
    await visit('/login');
    await page.getByLabel('Přihlašovací jméno').fill(loginName);
    await page.getByLabel('Heslo').fill(PASSWORD);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.getByRole('button', { name: 'Přihlásit se' }).click()]);
  }

  const report = (violations: string[]) => `${violations.length} serious or critical violation(s):\n${violations.join('\n')}`;

  /**
   * Tab order in a form: focus its first field, press Tab and note where the focus goes until
   * it leaves the form; each visible, enabled control must be reached once, in document order.
   */
  async function tabOrder(form: Locator): Promise<{ expected: string[]; reached: string[] }> {
    const describe = `(el) => {
      if (!el) return 'nothing';
      const name = el.getAttribute('name');
      const text = (el.textContent || '').trim();
      return el.tagName.toLowerCase() + (name ? '[name=' + name + ']' : '') + (el.tagName === 'BUTTON' ? '(' + text + ')' : '') + (el.type === 'radio' ? '=' + el.value : '');
    }`;
    const expected = (await form.evaluate(
      (f, d) => {
        const fn = eval(d) as (el: Element) => string;
        return [...f.querySelectorAll('input, select, textarea, button, a[href]')]
          .filter((el) => !(el as HTMLInputElement).disabled && (el as HTMLInputElement).type !== 'hidden' && (el as HTMLElement).offsetParent !== null && (el as HTMLElement).tabIndex >= 0)
          .map(fn);
      },
      describe,
    )) as string[];
    await form.evaluate((f) => {
      const first = [...f.querySelectorAll('input, select, textarea, button')].find((el) => (el as HTMLInputElement).type !== 'hidden' && !(el as HTMLInputElement).disabled) as HTMLElement;
      first.focus();
    });
    const reached: string[] = [];
    for (let i = 0; i < expected.length * 4 + 4; i++) {
      const inForm = await form.evaluate((f) => f.contains(document.activeElement));
      if (!inForm) break;
      const here = (await page.evaluate(`(${describe})(document.activeElement)`)) as string;
      // a date input takes several Tabs (day, month, year) without losing the focus
      if (reached.at(-1) !== here) reached.push(here);
      await page.keyboard.press('Tab');
    }
    return { expected, reached };
  }

  // ---------------------------------------------------------------- customer pages

  it('every customer page passes axe-core at 390 and 1280 px', { timeout: STEP_TIMEOUT }, async () => {
    const violations: string[] = [];
    await context.clearCookies();
    await visit('/login');
    violations.push(...(await axe('login')));
    await page.getByLabel('Přihlašovací jméno').fill('alice');
    await page.getByLabel('Heslo').fill('spatne-heslo');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Přihlásit se' }).click()]);
    violations.push(...(await axe('login with an error')));
    const forgot = await page.goto('/password/forgot');
    if (forgot?.status() === 200) violations.push(...(await axe('forgotten password')));

    await signIn('alice');
    for (const list of ['current', 'resolved', 'closed']) {
      await visit(`/tickets?list=${list}`);
      violations.push(...(await axe(`overview ${list}`)));
    }
    await visit('/tickets/search?q=abc', 404);
    violations.push(...(await axe('overview with a search error')));

    await visit('/tickets/new');
    violations.push(...(await axe('new ticket')));
    await submitUnvalidated(page.getByRole('button', { name: 'OK', exact: true }));
    violations.push(...(await axe('new ticket with errors')));
    // each error is tied to its field, so a screen reader reads it with the field
    for (const name of ['subject', 'description', 'contact_phone']) {
      const field = page.locator(`[name=${name}]`);
      expect(await field.getAttribute('aria-invalid'), name).toBe('true');
      const described = (await field.getAttribute('aria-describedby'))!.split(' ');
      expect(described, name).toContain(`err-${name}`);
      expect((await page.locator(`#err-${name}`).innerText()).length, name).toBeGreaterThan(0);
    }
    expect(await page.locator('.alert[role=alert]').count()).toBe(1);

    for (const [number, suffix] of [[fresh, ''], [fresh, '/komunikace'], [fresh, '/historie'], [resolved, ''], [resolved, '/komunikace'], [resolved, '/vyhodnoceni'], [resolved, '/historie']] as const) {
      await visit(`/tickets/${number}${suffix}`);
      violations.push(...(await axe(`ticket ${number}${suffix}`)));
    }
    // the complaint form of a resolved ticket, sent empty
    await visit(`/tickets/${resolved}`);
    const complain = page.locator('form[action$="/complaint"] button[type=submit]');
    expect(await complain.count()).toBe(1);
    await submitUnvalidated(complain);
    violations.push(...(await axe('complaint with an error')));
    expect(await page.locator('textarea[name=reason]').getAttribute('aria-describedby')).toBe('err-reason');

    await visit('/account/password');
    violations.push(...(await axe('account password')));
    await page.locator('input[name=current]').fill('spatne-heslo');
    await submitUnvalidated(page.locator('form[action="/account/password"] button[type=submit]'));
    violations.push(...(await axe('account password with errors')));
    await visit('/account/notifications');
    violations.push(...(await axe('account notifications')));

    await visit('/tickets/999999999', 404);
    violations.push(...(await axe('error page')));

    expect(violations, report(violations)).toEqual([]);
  });

  it('the new-ticket form is usable by keyboard: Tab reaches every field and the submit button, in order', { timeout: STEP_TIMEOUT }, async () => {
    await signIn('alice');
    await visit('/tickets/new');
    const { expected, reached } = await tabOrder(page.locator('form.ticket-form'));
    expect(expected).toEqual(expect.arrayContaining(['select[name=contract_id]', 'input[name=subject]', 'textarea[name=description]', 'button(OK)']));
    expect(reached).toEqual(expected);
  });

  // ---------------------------------------------------------------- admin pages

  /** Every admin page the app has (from its router), with real ids filled in (test/support/pages.ts). */
  const adminPages = (): string[] => allAdminPages(web.app, world, calendarId, { 'api-tokens': apiTokenId }).map((p) => p.url);

  it('every admin page passes axe-core at 390 and 1280 px, forms with errors too', { timeout: 4 * STEP_TIMEOUT }, async () => {
    await signIn('admin');
    const violations: string[] = [];
    const pages = adminPages();
    expect(pages).toEqual(expect.arrayContaining(['/admin', '/admin/migration', '/admin/audit']));
    for (const url of pages) {
      const res = await page.goto(url, { waitUntil: 'load' });
      if (res?.status() !== 200) {
        violations.push(`${url}: HTTP ${res?.status()}`);
        continue;
      }
      violations.push(...(await axe(url)));
    }
    await visit('/admin/audit?type=company');
    violations.push(...(await axe('audit log filtered')));

    // the upload form sent without a file, then with a document full of problems, then a valid one
    await visit('/admin/migration');
    await submitUnvalidated(page.getByRole('button', { name: 'Zkontrolovat nanečisto' }));
    violations.push(...(await axe('migration without a file')));
    await page.getByLabel('Dokument JSON').setInputFiles({ name: 'data.json', mimeType: 'application/json', buffer: Buffer.from('{"companies": [{"name": ""}], "users": [{"login": "x"}]}') });
    await submitUnvalidated(page.getByRole('button', { name: 'Zkontrolovat nanečisto' }));
    violations.push(...(await axe('migration with problems')));
    await page.getByLabel('Dokument JSON').setInputFiles({ name: 'data.json', mimeType: 'application/json', buffer: Buffer.from('{}') });
    await submitUnvalidated(page.getByRole('button', { name: 'Zkontrolovat nanečisto' }), 200);
    violations.push(...(await axe('migration dry run summary')));

    // every other admin form that the pages have ("new" forms), sent empty
    for (const url of pages.filter((p) => p.endsWith('/new'))) {
      if ((await page.goto(url, { waitUntil: 'load' }))?.status() !== 200) continue; // reported above
      const submit = page.locator('main form[method=post] button[type=submit]').first();
      if ((await submit.count()) === 0) continue;
      await page.evaluate(() => document.querySelectorAll('main form[method=post] input:not([type=hidden]), main form[method=post] textarea').forEach((el) => ((el as HTMLInputElement).value = '')));
      await page.evaluate(() => document.querySelectorAll('form').forEach((f) => (f.noValidate = true)));
      const [res] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), submit.click()]);
      if (res?.status() !== 400) violations.push(`${url} sent empty: HTTP ${res?.status()} (expected the form again with its errors, 400)`);
      else violations.push(...(await axe(`${url} sent empty`)));
    }

    // the API token form sent empty, then a token created (shown once) and the revocation unconfirmed
    await visit('/admin/api-tokens');
    await submitUnvalidated(page.getByRole('button', { name: 'Vytvořit token' }));
    violations.push(...(await axe('api tokens sent empty')));
    await page.locator('input[name=name]').fill('Grafana');
    await page.locator('select[name=contract_id]').selectOption(String(world.contractA));
    await page.locator('select[name=paragraph_id]').selectOption(String(world.paragraphs.A.incident));
    await page.locator('select[name=user_id]').selectOption(String(world.users.alice.id));
    await submitUnvalidated(page.getByRole('button', { name: 'Vytvořit token' }), 201);
    violations.push(...(await axe('api token created')));
    await visit(`/admin/api-tokens/${apiTokenId}/revoke`);
    await submitUnvalidated(page.getByRole('button', { name: 'Zrušit token' }));
    violations.push(...(await axe('api token revoke unconfirmed')));

    expect(violations, report(violations)).toEqual([]);
  });

  it('the admin forms are usable by keyboard: Tab reaches every field and the submit buttons, in order', { timeout: STEP_TIMEOUT }, async () => {
    await signIn('admin');
    await visit('/admin/audit');
    const filter = await tabOrder(page.locator('main form.filters'));
    expect(filter.expected).toEqual(['select[name=type]', 'input[name=id]', 'select[name=actor]', 'input[name=from]', 'input[name=to]', 'button(Filtrovat)', 'a']);
    expect(filter.reached).toEqual(filter.expected);
    await visit('/admin/migration');
    const upload = await tabOrder(page.locator('main form[action="/admin/migration"]'));
    expect(upload.expected).toEqual(['input[name=files]', 'button[name=mode](Zkontrolovat nanečisto)', 'button[name=mode](Importovat)']);
    expect(upload.reached).toEqual(upload.expected);
    await visit('/admin/api-tokens');
    const token = await tabOrder(page.locator('main form[action="/admin/api-tokens"]'));
    expect(token.expected).toEqual(['input[name=name]', 'select[name=contract_id]', 'select[name=paragraph_id]', 'select[name=user_id]', 'button(Vytvořit token)']);
    expect(token.reached).toEqual(token.expected);
  });
});
