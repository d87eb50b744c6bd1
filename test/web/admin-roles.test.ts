import { readFileSync } from 'node:fs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { fillPath, type RouteInfo, routesOf } from '../support/routes.js';
import { cs } from '../../src/i18n/cs.js';
import { buildApp, csrfFrom, login, type Session, visibleText } from '../support/web.js';
import { PASSWORD, seedWorld, type World } from '../support/world.js';

/*
 * The admin area × roles (issue 10): every route under /admin, read from the app's router (a
 * new one is tried without being listed here), refuses a customer and an agent with 403 for
 * every GET and for every POST that carries a valid CSRF token, url-encoded or multipart with
 * a real document attached, and nothing in the database changes. Signed out, a GET goes to the
 * sign-in page and a POST is refused. An admin gets every page, and every form on it carries
 * the CSRF token.
 */

const SAMPLE = readFileSync(new URL('../fixtures/import/sample.json', import.meta.url));
const CSV = Buffer.from('login;name;email;role;company;contract\nnovy.uzivatel;Nový Uživatel;novy@example.cz;admin;Alfa s.r.o.;A-1\n');

let tdb: TestDatabase;
let web: ReturnType<typeof buildApp>;
let w: World;
let calendarId: number;
let apiTokenId: number;
let admin: Session;
let customer: Session;
let agent: Session;

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  calendarId = Number((await tdb.db('service_calendars').first('id')).id);
  apiTokenId = Number((await tdb.db('api_tokens').insert({ contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, user_id: w.users.alice.id, name: 'Zabbix', token_hash: 'f'.repeat(64) }).returning('id'))[0].id);
  web = buildApp(tdb);
  admin = await login(web.app, 'admin');
  customer = await login(web.app, 'alice');
  agent = await login(web.app, 'agent');
}, 120_000);

afterAll(async () => {
  await web?.close();
  await tdb?.drop();
});

/** Tables whose rows change by merely being signed in (the session row, the sign-in counters). */
const VOLATILE = new Set(['sessions', 'rate_counters', 'knex_migrations', 'knex_migrations_lock']);

/** Every row of every other table, as one digest per table: a refused request must leave all of them as they were. */
async function everything(): Promise<Record<string, string>> {
  const tables = (await tdb.db.raw("select tablename from pg_tables where schemaname = 'public' order by tablename")).rows as { tablename: string }[];
  const out: Record<string, string> = {};
  for (const { tablename } of tables) {
    if (VOLATILE.has(tablename)) continue;
    const row = (await tdb.db.raw(`select count(*)::int as n, md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as digest from "${tablename}" t`)).rows[0];
    out[tablename] = `${row.n} ${row.digest}`;
  }
  return out;
}

const adminRoutes = (): RouteInfo[] => routesOf(web.app).filter((r) => r.path === '/admin' || r.path.startsWith('/admin/'));

/** The section's real object for `:id` (the first path segment after /admin names it). */
function realUrl(route: RouteInfo): string {
  const section = route.path.split('/')[2] ?? '';
  const ids: Record<string, number> = {
    companies: w.companyA,
    contracts: w.contractA,
    paragraphs: w.paragraphs.A.incident,
    calendars: calendarId,
    users: w.users.alice.id,
    audit: 1,
    'api-tokens': apiTokenId,
  };
  const values: Record<string, string | number> = { token: 'a'.repeat(43) };
  if (route.path.includes(':id')) {
    const id = ids[section];
    if (id === undefined) throw new Error(`no real object for :id of ${route.path}: add section "${section}" to realUrl in this test`);
    values.id = id;
  }
  return fillPath(route.path, values);
}

/** What an admin form might carry: enough for a route without its guard to change something. */
const FIELDS: Record<string, string> = {
  name: 'Podvrh',
  address: 'Podvržená 1',
  number: 'X-1',
  code: 'X1',
  login: 'podvrh',
  email: 'podvrh@example.cz',
  phone: '+420602123456',
  role: 'admin',
  active: '1',
  company_id: '',
  calendar_id: '',
  contract_id: '',
  kind: 'incident',
  timezone: 'Europe/Prague',
  mode: 'import',
  password: PASSWORD,
};

/** The POST bodies tried on each route: url-encoded, and multipart with an import document or a CSV of users. */
function posts(s: Session, url: string) {
  const form = () => s.agent.post(url).type('form').send({ _csrf: s.csrf, ...FIELDS, company_id: String(w.companyA), calendar_id: String(calendarId), contract_id: String(w.contractA) });
  const multipart = (file: Buffer, filename: string, type: string) => {
    let req = s.agent.post(url).field('_csrf', s.csrf);
    for (const [k, v] of Object.entries(FIELDS)) req = req.field(k, v);
    return req.attach('files', file, { filename, contentType: type });
  };
  return [
    ['form', form],
    ['multipart json', () => multipart(SAMPLE, 'data.json', 'application/json')],
    ['multipart csv', () => multipart(CSV, 'users.csv', 'text/csv')],
  ] as const;
}

describe('admin routes × roles', () => {
  it('finds the admin area in the app: the home, the sections and their forms', () => {
    const paths = adminRoutes().map((r) => `${r.method} ${r.path}`);
    expect(paths).toEqual(expect.arrayContaining(['GET /admin', 'GET /admin/migration', 'POST /admin/migration', 'GET /admin/audit']));
  });

  it('refuses a customer and an agent on every admin route, GET and POST with a valid CSRF token, with 403, and changes nothing', async () => {
    const routes = adminRoutes();
    const before = await everything();
    const wrong: string[] = [];
    for (const [who, s] of [['customer', customer], ['agent', agent]] as const) {
      for (const route of routes) {
        const url = realUrl(route);
        if (route.method === 'GET') {
          const res = await s.agent.get(url);
          if (res.status !== 403 || !res.text.includes(cs.errors.forbidden)) wrong.push(`${who} GET ${url}: ${res.status}`);
        } else if (route.method === 'POST') {
          for (const [body, send] of posts(s, url)) {
            const res = await send();
            // refused by the admin guard, not by the token (which is valid): the forbidden page, not the expired-form one
            if (res.status !== 403 || !res.text.includes(cs.errors.forbidden)) wrong.push(`${who} POST ${url} (${body}): ${res.status} ${visibleText(res.text).slice(-120)}`);
          }
        } else {
          const res = await s.agent[route.method.toLowerCase() as 'put'](url).set('x-csrf-token', s.csrf);
          if (res.status !== 403) wrong.push(`${who} ${route.method} ${url}: ${res.status}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(await everything()).toEqual(before);
    // the valid token was valid: the same sessions still post their own forms
    expect((await customer.agent.get('/')).headers.location).toBe('/tickets');
    expect((await agent.agent.get('/')).headers.location).toBe('/staff/queue');
  }, 180_000);

  it('sends a signed-out GET to the sign-in page and refuses a signed-out POST, changing nothing', async () => {
    const anonymous = request.agent(web.app);
    const csrf = csrfFrom((await anonymous.get('/login')).text);
    const before = await everything();
    const wrong: string[] = [];
    for (const route of adminRoutes()) {
      const url = realUrl(route);
      if (route.method === 'GET') {
        const res = await anonymous.get(url);
        if (res.status !== 302 || res.headers.location !== `/login?next=${encodeURIComponent(url)}`) wrong.push(`GET ${url}: ${res.status} ${res.headers.location}`);
      } else {
        const form = await anonymous.post(url).type('form').send({ _csrf: csrf, ...FIELDS });
        const multipart = await anonymous.post(url).field('_csrf', csrf).field('mode', 'import').attach('files', SAMPLE, { filename: 'data.json', contentType: 'application/json' });
        for (const res of [form, multipart]) if (res.status !== 401 && res.status !== 403) wrong.push(`${route.method} ${url}: ${res.status}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(await everything()).toEqual(before);
  }, 120_000);

  it('gives an admin every admin page (real ids filled in), and every form on them carries the CSRF token', async () => {
    const wrong: string[] = [];
    const pages: string[] = [];
    for (const route of adminRoutes().filter((r) => r.method === 'GET')) {
      const url = realUrl(route);
      const res = await admin.agent.get(url);
      if (res.status >= 400) {
        wrong.push(`GET ${url}: ${res.status}`);
        continue;
      }
      if (res.status !== 200) continue;
      pages.push(url);
      for (const form of res.text.match(/<form\b[\s\S]*?<\/form>/g) ?? []) {
        const method = /method="(\w+)"/i.exec(form)?.[1]?.toLowerCase() ?? 'get';
        if (method === 'post' && !form.includes(`name="_csrf" value="${admin.csrf}"`)) wrong.push(`${url}: a form without the CSRF token: ${form.slice(0, 120)}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(pages).toEqual(expect.arrayContaining(['/admin', '/admin/migration', '/admin/audit']));
  }, 120_000);
});
