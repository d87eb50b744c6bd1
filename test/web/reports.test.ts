import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginKey } from '../../src/domain/login.js';
import { shiftMonth, monthOf } from '../../src/domain/report/index.js';
import { cs } from '../../src/i18n/cs.js';
import { importDocument } from '../../src/services/import/index.js';
import { onePool } from '../../src/services/reads/pools.js';
import { findReportContract } from '../../src/services/reads/report.js';
import { contractReport } from '../../src/services/report.js';
import { reportCsv } from '../../src/services/report-csv.js';
import { hashPassword } from '../../src/services/users.js';
import { octoberDocument } from '../report/month.fixture.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { type Agent, buildApp, login, type Session, visibleText } from '../support/web.js';
import { PASSWORD, seedWorld, type World } from '../support/world.js';

/*
 * The report's pages (issue 11) on the hand-computed October of test/report/month.fixture.ts:
 * the page shows the report's figures, the CSV is the command's CSV of the same object, the
 * access rule answers every contract a user may not see exactly like a missing one.
 */

let tdb: TestDatabase;
let web: ReturnType<typeof buildApp>;
let world: World;
let contractId: number;
let staff: Session;
let admin: Session;
let seeAll: Session;
let ownOnly: Session;
let otherCompany: Session;
let noReports: Session;

const PAGE = () => `/reports/contracts/${contractId}?month=2026-10`;

beforeAll(async () => {
  tdb = await freshDatabase();
  world = await seedWorld(tdb.db);
  await importDocument(tdb.db, octoberDocument());
  const hash = await hashPassword(PASSWORD);
  await tdb.db('users').where({ login: 'zakaznik' }).update({ password_hash: hash });
  contractId = Number((await tdb.db('contracts').where({ number: 'R-1' }).first('id')).id);
  // a customer of the same contract whose membership lacks the see-all flag
  const [own] = await tdb.db('users').insert({ login: 'vlastni', login_key: loginKey('vlastni'), name: 'Jen Vlastní', email: 'vlastni@report.cz', role: 'customer', password_hash: hash }).returning('id');
  await tdb.db('user_contracts').insert({ user_id: own.id, contract_id: contractId, sees_all_tickets: false });
  web = buildApp(tdb);
  staff = await login(web.app, 'agent');
  admin = await login(web.app, 'admin');
  seeAll = await login(web.app, 'zakaznik');
  ownOnly = await login(web.app, 'vlastni');
  // alice sees all of her own company's contract A-1, not R-1
  otherCompany = await login(web.app, 'alice');
  // carol has no see-all membership at all
  noReports = await login(web.app, 'carol');
});
afterAll(async () => {
  await web?.close();
  await tdb?.drop();
});

async function octoberReport() {
  const pools = onePool(tdb.db);
  return (await contractReport(pools, (await findReportContract(pools, 'Report s.r.o.', 'R-1'))!, '2026-10'))!;
}

/** The body as bytes (the CSV's BOM and line ends included). */
const bytes = (agent: Agent, url: string) =>
  agent
    .get(url)
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });

describe('a contract’s monthly report page', () => {
  it('shows staff the figures of the month with the header, the period and the time zone', async () => {
    const res = await staff.agent.get(PAGE());
    expect(res.status).toBe(200);
    // (the links of a figure's tickets are separated by commas right after each link)
    const text = visibleText(res.text).replace(/ ,/g, ',');
    expect(text).toContain('Report s.r.o.');
    expect(text).toContain('R-1 – Reportovaná smlouva');
    expect(text).toContain('říjen 2026 (2026-10)');
    expect(text).toContain('1.10.2026–31.10.2026');
    expect(text).toContain('Europe/Prague');
    // tickets: received 5, resolved 3, closed 2, cancelled 1, open at the end 3 — each with the tickets behind it
    expect(text).toMatch(/Přijato 5 98001, 98002, 98003, 98007, 98008/);
    expect(text).toMatch(/Vyřešeno 3 98001, 98002, 98006/);
    expect(text).toMatch(/Uzavřeno 2 98001, 98002/);
    expect(text).toMatch(/Zrušeno \(pro informaci\) 1 -/);
    expect(text).toMatch(/Otevřeno na konci měsíce 3 98003, 98007, 98008/);
    expect(text).toMatch(/web 3 e-mail 1 HotLine 1 API 0/);
    // SLA: INC reaction 1 met, 1 breached, 50,0 %, median 180, max 300; resolution 2/0, 100,0 %, 540, 600
    expect(text).toMatch(/Reakce 4 h \(Hod\) 1 1 50,0 % 180 300/);
    expect(text).toMatch(/Vyřešení 16 h \(Hod\) 2 0 100,0 % 540 600/);
    // complaints and effort
    expect(text).toMatch(/Podáno 2 Uznáno 1 Zamítnuto 1/);
    expect(text).toContain('Fakturovatelné hodiny 2,75 h');
    expect(text).toContain('Nefakturovatelné minuty celkem 45 min');
    expect(text).toMatch(/98001 Požadavek 98001 INC Incident 30 45/);
    expect(text).toMatch(/98008 Požadavek 98008 HC Hypercare 120 0/);
    // the cancelled ticket and November's are in no list
    expect(res.text).not.toContain('/tickets/98005');
    expect(res.text).not.toContain('/tickets/98004');
    for (const n of [98001, 98002, 98003, 98006, 98007, 98008]) expect(res.text).toContain(`href="/tickets/${n}"`);
  });

  it('draws both charts as SVG with a title, a description naming every number and the table they summarise', async () => {
    const html = (await staff.agent.get(PAGE())).text;
    const charts = [...html.matchAll(/<svg class="chart"[^>]*>[\s\S]*?<\/svg>/g)].map((m) => m[0]);
    expect(charts).toHaveLength(2);
    const [sla, effort] = charts as [string, string];
    expect(sla).toMatch(/role="img"/);
    expect(sla).toMatch(/aria-labelledby="chart-sla-title chart-sla-desc"/);
    expect(sla).toMatch(/aria-describedby="table-sla"/);
    expect(sla).toContain(`<title id="chart-sla-title">${cs.report.chart.title}</title>`);
    expect(sla).toContain('INC Incident – reakce: splněno 1, porušeno 1; INC Incident – vyřešení: splněno 2, porušeno 0');
    expect(html).toContain('id="table-sla"');
    expect(effort).toMatch(/aria-describedby="table-effort-totals"/);
    expect(effort).toContain('Incident: 30 min; Objednávka: 0 min; Dotaz / konzultace / změna: 15 min; Hypercare: 120 min');
    expect(html).not.toMatch(/<script(?! src="\/app\.js")/);
  });

  it('links the month before and after, and the CSV of the month', async () => {
    const html = (await staff.agent.get(PAGE())).text;
    expect(html).toContain(`href="/reports/contracts/${contractId}?month=2026-09" rel="prev"`);
    expect(html).toContain(`href="/reports/contracts/${contractId}?month=2026-11" rel="next"`);
    expect(html).toContain(`href="/reports/contracts/${contractId}/csv?month=2026-10"`);
    const november = visibleText((await staff.agent.get(`/reports/contracts/${contractId}?month=2026-11`)).text);
    expect(november).toContain('listopad 2026');
    expect(november).toMatch(/Přijato 1 98004/);
    // the current month is the last one offered
    const now = monthOf(new Date(), 'Europe/Prague');
    const current = (await staff.agent.get(`/reports/contracts/${contractId}?month=${now}`)).text;
    expect(current).toContain(`?month=${shiftMonth(now, -1)}" rel="prev"`);
    expect(current).not.toContain('rel="next"');
  });

  it('shows the last finished month when none is asked for', async () => {
    const res = await staff.agent.get(`/reports/contracts/${contractId}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain(`(${shiftMonth(monthOf(new Date(), 'Europe/Prague'), -1)})`);
  });

  it('answers a malformed month with 400 and the Czech message, never 500', async () => {
    for (const month of ['2026-13', '2026-1', 'říjen', '2026-10-01', '0000-01', '1899-12', '%00', '2026-10&month=2026-11']) {
      for (const url of [`/reports/contracts/${contractId}?month=${encodeURIComponent(month)}`, `/reports/contracts/${contractId}/csv?month=${encodeURIComponent(month)}`, `/reports?month=${encodeURIComponent(month)}`]) {
        const res = await staff.agent.get(url);
        expect(res.status, url).toBe(400);
        expect(visibleText(res.text), url).toContain(cs.report.page.badMonth);
      }
    }
    const twice = await staff.agent.get(`/reports/contracts/${contractId}?month=2026-10&month=2026-11`);
    expect(twice.status).toBe(400);
  });

  it('downloads the CSV of the very report object the command prints', async () => {
    const res = await bytes(staff.agent, `/reports/contracts/${contractId}/csv?month=2026-10`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="?report-R-1-2026-10\.csv"?$/);
    expect((res.body as Buffer).equals(Buffer.from(reportCsv(await octoberReport()), 'utf8'))).toBe(true);
    expect((res.body as Buffer).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });

  it('shows a customer with the see-all flag the same report and CSV', async () => {
    const page = await seeAll.agent.get(PAGE());
    expect(page.status).toBe(200);
    expect(visibleText(page.text)).toContain('Fakturovatelné hodiny 2,75 h');
    const csv = await bytes(seeAll.agent, `/reports/contracts/${contractId}/csv?month=2026-10`);
    expect(csv.status).toBe(200);
    expect((csv.body as Buffer).equals(Buffer.from(reportCsv(await octoberReport()), 'utf8'))).toBe(true);
    // their list offers the contract; the nav link is staff's
    const list = await seeAll.agent.get('/reports');
    expect(list.status).toBe(200);
    expect(list.text).toContain(`href="/reports/contracts/${contractId}"`);
    expect(list.text).not.toContain(`/reports/contracts/${world.contractA}"`);
    expect(page.text).not.toContain(`<a href="/reports">${cs.nav.reports}</a>`);
  });

  it('answers every contract a user may not see exactly like one that does not exist (404)', async () => {
    const missing = 2_000_000_000;
    for (const s of [ownOnly, otherCompany, noReports]) {
      for (const tail of ['?month=2026-10', '', '/csv?month=2026-10', '?month=bad', '/csv?month=bad']) {
        const denied = await s.agent.get(`/reports/contracts/${contractId}${tail}`);
        const absent = await s.agent.get(`/reports/contracts/${missing}${tail}`);
        expect(denied.status).toBe(404);
        expect(absent.status).toBe(404);
        expect(denied.text).toBe(absent.text);
        expect(denied.headers['content-type']).toBe(absent.headers['content-type']);
      }
    }
    // alice's own see-all contract is hers to see
    expect((await otherCompany.agent.get(`/reports/contracts/${world.contractA}?month=2026-10`)).status).toBe(200);
    // a customer without any see-all membership has no report list
    expect((await noReports.agent.get('/reports')).status).toBe(404);
    // ids that cannot be a contract are 404 as well
    for (const id of ['0', '-1', 'abc', '99999999999', '1e3']) expect((await staff.agent.get(`/reports/contracts/${id}?month=2026-10`)).status).toBe(404);
    // signed out: to the sign-in page first
    const anonymous = await (await import('supertest')).default(web.app).get(PAGE());
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.location).toMatch(/^\/login\?next=/);
  });
});

describe('the staff overview of every contract', () => {
  const rowsOf = (html: string) =>
    [...html.matchAll(/<tr class="[^"]*">\s*<td[^>]*>([^<]*)<\/td>\s*<td[^>]*><a href="\/reports\/contracts\/(\d+)\?month=[^"]*">([^<]*)<\/a><\/td>\s*<td class="num"[^>]*>(\d+)<\/td>\s*<td class="num"[^>]*>(\d+)<\/td>\s*<td class="num breached-count"[^>]*>(\d+)<\/td>\s*<td class="num"[^>]*>([^<]*)<\/td>/g)].map(
      (m) => ({ company: m[1], id: Number(m[2]), contract: m[3], received: Number(m[4]), closed: Number(m[5]), breached: Number(m[6]), hours: m[7] }),
    );

  it('lists every active contract with received, closed, SLA breaches and billable hours, linking each report', async () => {
    const res = await staff.agent.get('/reports?month=2026-10');
    expect(res.status).toBe(200);
    const rows = rowsOf(res.text);
    expect(rows.map((r) => r.contract)).toEqual(['A-1 – Smlouva Alfa', 'A-2 – Smlouva Alfa 2', 'B-1 – Smlouva Beta', 'R-1 – Reportovaná smlouva']);
    expect(rows[3]).toEqual({ company: 'Report s.r.o.', id: contractId, contract: 'R-1 – Reportovaná smlouva', received: 5, closed: 2, breached: 1, hours: '2,75' });
    expect(rows[0]).toMatchObject({ received: 0, closed: 0, breached: 0, hours: '0,00' });
    expect(res.text).toMatch(/<th scope="col" class="" aria-sort="ascending">/);
    expect(res.text).toContain('href="/reports?month=2026-09&amp;sort=company&amp;dir=asc" rel="prev"');
    // an inactive contract is left out
    await tdb.db('contracts').where({ id: world.contractA2 }).update({ active: false });
    try {
      expect(rowsOf((await staff.agent.get('/reports?month=2026-10')).text).map((r) => r.contract)).not.toContain('A-2 – Smlouva Alfa 2');
    } finally {
      await tdb.db('contracts').where({ id: world.contractA2 }).update({ active: true });
    }
  });

  it('sorts by any column, both ways, on the server; a sort it does not know falls back to the company', async () => {
    const received = await staff.agent.get('/reports?month=2026-10&sort=received&dir=desc');
    expect(rowsOf(received.text)[0]!.contract).toBe('R-1 – Reportovaná smlouva');
    expect(received.text).toMatch(/aria-sort="descending">\s*<a href="\/reports\?month=2026-10&amp;sort=received&amp;dir=asc">/);
    const hours = rowsOf((await staff.agent.get('/reports?month=2026-10&sort=hours&dir=asc')).text);
    expect(hours.at(-1)!.contract).toBe('R-1 – Reportovaná smlouva');
    const company = rowsOf((await staff.agent.get('/reports?month=2026-10&sort=company&dir=desc')).text);
    expect(company[0]!.company).toBe('Report s.r.o.');
    const unknown = await staff.agent.get('/reports?month=2026-10&sort=%3Cx%3E&dir=sideways');
    expect(unknown.status).toBe(200);
    expect(rowsOf(unknown.text)[0]!.company).toBe('Alfa s.r.o.');
  });

  it('is the agent’s and the admin’s, with the nav link; the default month is the last finished one', async () => {
    for (const s of [staff, admin]) {
      const res = await s.agent.get('/reports');
      expect(res.status).toBe(200);
      expect(res.text).toContain(`<a href="/reports">${cs.nav.reports}</a>`);
      expect(res.text).toContain(`value="${shiftMonth(monthOf(new Date(), 'Europe/Prague'), -1)}"`);
    }
  });
});
