import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cs } from '../../src/i18n/cs.js';
import { COUNT_LIMIT, overviewPage, MAX_PAGE, PAGE_SIZE } from '../../src/services/reads/lists.js';
import { onePool } from '../../src/services/reads/pools.js';
import { ingestMail } from '../../src/services/mail/ingest.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { fillPath, routesOf } from '../support/routes.js';
import { buildApp, login, type Session, visibleText } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';

/*
 * Finding 4 of issue 8: every number of a URL or a form is a bounded whole number in plain decimal
 * digits, else 400 (404 for ids in paths); a page past the last is the last page and never costs
 * more than page 1.
 */

/** Not numbers as the portal understands them: each is refused wherever a number is expected. */
const BAD = ['Infinity', '-Infinity', 'NaN', '-1', '0', '1e309', '1e3', '0x10', ' 5', '5.5', '12345678901234567890'];
/** Numbers, but far beyond anything that exists (the second is Number.MAX_SAFE_INTEGER). */
const HUGE = ['100000', '9007199254740991'];
const ALL = [...BAD, ...HUGE];

const BULK = 2 * PAGE_SIZE + 20;

let tdb: TestDatabase;
let web: ReturnType<typeof buildApp>;
let w: World;
let staff: Session;
let customer: Session;
/** the admin reaches every route, the admin area's included (its guard answers others 403 before any id is read) */
let admin: Session;
/** alice's ticket with an attachment (new) and one staff have accepted */
let ticket: number;
let accepted: number;
let attachmentId: number;
let mailId: number;

const q = encodeURIComponent;
const numbersOn = (html: string) => [...html.matchAll(/<td[^>]*><a href="\/tickets\/(\d+)">\1<\/a><\/td>/g)].map((m) => Number(m[1]));
const TABLES = ['tickets', 'ticket_messages', 'ticket_events', 'attachments', 'efforts', 'inbound_mail'];
const rowCounts = async () =>
  Object.fromEntries(await Promise.all(TABLES.map(async (t) => [t, Number((await tdb.db(t).count<{ n: string }[]>('* as n'))[0]!.n)])));

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  // more than two pages of alice's current tickets
  await tdb.db.raw(
    `insert into tickets (contract_id, paragraph_id, reporter_id, subject, description, state, channel, created_at)
     select ?, ?, ?, 'Hromadný ' || i, 'x', 'new', 'web', now() - make_interval(mins => i) from generate_series(1, ?) i`,
    [w.contractA, w.paragraphs.A.incident, w.users.alice.id, BULK],
  );
  web = buildApp(tdb);
  staff = await login(web.app, 'agent');
  customer = await login(web.app, 'alice');
  admin = await login(web.app, 'admin');
  const create = (subject: string) =>
    customer.agent
      .post('/tickets/new')
      .field('_csrf', customer.csrf)
      .field('contract_id', String(w.contractA))
      .field('paragraph_id', String(w.paragraphs.A.incident))
      .field('contact_phone', '602123456')
      .field('subject', subject)
      .field('description', 'Popis')
      .attach('files', Buffer.from('obsah'), { filename: 'priloha.txt', contentType: 'text/plain' });
  const created = await create('S přílohou');
  expect(created.status).toBe(303);
  ticket = Number(/\/tickets\/(\d+)$/.exec(created.headers.location ?? '')?.[1]);
  attachmentId = Number((await tdb.db('attachments').where({ ticket_number: ticket }).first('id')).id);
  accepted = Number(/\/tickets\/(\d+)$/.exec((await create('Přijatý')).headers.location ?? '')?.[1]);
  expect((await staff.agent.post(`/tickets/${accepted}/actions/accept`).type('form').send({ _csrf: staff.csrf })).status).toBe(303);
  await ingestMail(tdb.ctx, Buffer.from('From: cizi@spam.example\r\nSubject: Spam\r\nMessage-ID: <n1@spam.example>\r\n\r\nx\r\n'), { mailbox: null });
  mailId = Number((await tdb.db('inbound_mail').first('id')).id);
}, 120_000);

afterAll(async () => {
  await web?.close();
  await tdb?.drop();
});

/** The SQL a block issues on the use-case pool (the staff queue reads through it). */
async function statementsOf(run: () => Promise<unknown>, db = tdb.db) {
  const seen: { sql: string; bindings: unknown[] }[] = [];
  const listener = (q: { sql: string; bindings?: unknown[] }) => seen.push({ sql: q.sql, bindings: [...(q.bindings ?? [])] });
  db.on('query', listener);
  try {
    await run();
  } finally {
    db.removeListener('query', listener);
  }
  return seen;
}

/** Every value bound to a `limit` or `offset` of the statements (placeholders `?` or `$n`). */
function limitsAndOffsets(statements: { sql: string; bindings: unknown[] }[]) {
  const out: { kind: 'limit' | 'offset'; value: number }[] = [];
  for (const { sql, bindings } of statements) {
    let index = 0;
    for (const m of sql.matchAll(/(\blimit\s+|\boffset\s+)?(\?|\$(\d+))/gi)) {
      const position = m[3] ? Number(m[3]) - 1 : index;
      index++;
      if (m[1]) out.push({ kind: m[1].trim().toLowerCase() as 'limit' | 'offset', value: Number(bindings[position]) });
    }
    // limits written into the SQL as literals
    for (const m of sql.matchAll(/\b(limit|offset)\s+(\d+)/gi)) out.push({ kind: m[1]!.toLowerCase() as 'limit' | 'offset', value: Number(m[2]) });
  }
  return out;
}

describe('page numbers', () => {
  it('refuses a page that is not a plain whole number on every customer list (400, Czech page)', async () => {
    for (const list of ['current', 'resolved', 'closed']) {
      for (const page of BAD) {
        const res = await customer.agent.get(`/tickets?list=${list}&page=${q(page)}`);
        expect(res.status, `${list} page=${page}`).toBe(400);
        expect(visibleText(res.text)).toContain(cs.errors.number);
      }
      // absent or empty: the first page
      expect((await customer.agent.get(`/tickets?list=${list}&page=`)).status).toBe(200);
      expect((await customer.agent.get(`/tickets?list=${list}`)).status).toBe(200);
    }
  });

  it('answers a huge page number with the last page of a customer list', async () => {
    const first = await customer.agent.get('/tickets?list=current');
    const pages = Math.ceil((BULK + 2) / PAGE_SIZE);
    expect(visibleText(first.text)).toContain(cs.overview.page(1, pages));
    const last = await customer.agent.get(`/tickets?list=current&page=${pages}`);
    expect(numbersOn(last.text)).toHaveLength((BULK + 2) % PAGE_SIZE);
    for (const page of HUGE) {
      const res = await customer.agent.get(`/tickets?list=current&page=${page}`);
      expect(res.status).toBe(200);
      expect(visibleText(res.text)).toContain(cs.overview.page(pages, pages));
      expect(numbersOn(res.text)).toEqual(numbersOn(last.text));
    }
    for (const list of ['resolved', 'closed']) {
      for (const page of HUGE) {
        const res = await customer.agent.get(`/tickets?list=${list}&page=${page}`);
        expect(res.status).toBe(200);
        expect(visibleText(res.text)).toContain(cs.overview.empty);
      }
    }
  });

  it('refuses bad queue filters and pages, keeps empty ones as "all", shows the last page for a huge one', async () => {
    for (const value of BAD) {
      for (const param of ['page', 'contract', 'assignee', 'sla']) {
        const res = await staff.agent.get(`/staff/queue?${param}=${q(value)}`);
        expect(res.status, `${param}=${value}`).toBe(400);
        expect(visibleText(res.text)).toContain(cs.errors.number);
      }
    }
    // beyond int4 an id cannot exist; 100000 can, and there is none
    for (const param of ['contract', 'assignee']) {
      expect((await staff.agent.get(`/staff/queue?${param}=9007199254740991`)).status).toBe(400);
      const none = await staff.agent.get(`/staff/queue?${param}=100000`);
      expect(none.status).toBe(200);
      expect(numbersOn(none.text)).toEqual([]);
    }
    for (const value of [...HUGE, '5', '2']) expect((await staff.agent.get(`/staff/queue?sla=${value}`)).status, `sla=${value}`).toBe(400);
    for (const value of ['1', '4', '8', '24', 'breached', '']) expect((await staff.agent.get(`/staff/queue?sla=${value}`)).status).toBe(200);
    const all = await staff.agent.get('/staff/queue?state=&contract=&assignee=&sla=&text=&page=');
    expect(all.status).toBe(200);
    expect(numbersOn(all.text)).toHaveLength(PAGE_SIZE);
    expect((await staff.agent.get('/staff/queue?assignee=none')).status).toBe(200);
    expect((await staff.agent.get(`/staff/queue?contract=${w.contractA}&assignee=${w.users.agent.id}`)).status).toBe(200);

    const pages = Math.ceil((BULK + 2) / PAGE_SIZE);
    const last = await staff.agent.get(`/staff/queue?state=&page=${pages}`);
    for (const page of HUGE) {
      const res = await staff.agent.get(`/staff/queue?state=&page=${page}`);
      expect(res.status).toBe(200);
      expect(visibleText(res.text)).toContain(cs.overview.page(pages, pages));
      expect(numbersOn(res.text)).toEqual(numbersOn(last.text));
    }
  });

  it('never counts or skips past the counting limit, however large the page', async () => {
    const queue = await statementsOf(async () => {
      for (const page of HUGE) expect((await staff.agent.get(`/staff/queue?state=&page=${page}`)).status).toBe(200);
    });
    const lists = await statementsOf(async () => {
      for (const page of [Number.MAX_SAFE_INTEGER, 100_000, Infinity, MAX_PAGE + 1]) await overviewPage(onePool(tdb.db), w.users.alice, 'current', page);
    });
    for (const statements of [queue, lists]) {
      const bounds = limitsAndOffsets(statements);
      expect(bounds.filter((b) => b.kind === 'limit').length).toBeGreaterThan(0);
      for (const b of bounds) {
        expect(Number.isFinite(b.value), JSON.stringify(b)).toBe(true);
        expect(b.value, JSON.stringify(b)).toBeLessThanOrEqual(b.kind === 'limit' ? COUNT_LIMIT + 1 : COUNT_LIMIT - PAGE_SIZE);
      }
    }
  });
});

describe('numbers in paths', () => {
  const valid = () => ({ number: ticket, id: attachmentId, action: 'accept' });
  const validFor = (path: string) => ({ ...valid(), ...(path.startsWith('/staff/mail') ? { id: mailId } : {}) });

  it('answers 404 for every ticket number and id of a path (attachments, mails, administered rows) that is not a plain whole number or does not exist, and writes nothing', async () => {
    // (the API's numbers need a bearer token, not a session, and a number that is no number is its 422 at the parameter: test/api/tickets.test.ts)
    const routes = routesOf(web.app).filter((r) => /:(number|id)\b/.test(r.path) && !r.path.startsWith('/api/'));
    expect(routes.length).toBeGreaterThanOrEqual(12);
    const before = await rowCounts();
    for (const route of routes) {
      for (const param of ['number', 'id'].filter((p) => route.path.includes(`:${p}`))) {
        for (const value of ALL) {
          const url = fillPath(route.path, { ...validFor(route.path), [param]: value });
          const res =
            route.method === 'GET' ? await admin.agent.get(url) : await admin.agent.post(url).type('form').send({ _csrf: admin.csrf });
          expect(res.status, `${route.method} ${url}`).toBe(404);
        }
      }
    }
    expect(await rowCounts()).toEqual(before);
  });

  it('still finds the real ones', async () => {
    expect((await staff.agent.get(`/tickets/${ticket}`)).status).toBe(200);
    expect((await customer.agent.get(`/tickets/${ticket}/attachments/${attachmentId}`)).status).toBe(200);
    expect((await staff.agent.get(`/staff/mail/${mailId}/raw`)).status).toBe(200);
    expect((await customer.agent.get(`/tickets/search?q=${ticket}`)).status).toBe(302);
    for (const value of ALL) expect((await customer.agent.get(`/tickets/search?q=${q(value)}`)).status).toBe(404);
  });
});

describe('numbers in forms', () => {
  const post = (s: Session, url: string, fields: Record<string, string>) => s.agent.post(url).type('form').send({ _csrf: s.csrf, ...fields });

  it('refuses bad staff form numbers (assignee, paragraph, minutes) with 400 and the form, writing nothing', async () => {
    const before = await rowCounts();
    const ticketBefore = await tdb.db('tickets').where({ number: ticket }).first('state', 'assignee_id', 'paragraph_id');
    for (const value of ALL) {
      const forms: [string, Record<string, string>][] = [
        [`/tickets/${ticket}/assign`, { assignee_id: value }],
        [`/tickets/${ticket}/classification`, { paragraph_id: value, category: '' }],
        [`/tickets/${ticket}/effort`, { minutes: value, work_date: '', note: '' }],
        [`/tickets/${accepted}/actions/escalate`, { assignee_id: value }],
      ];
      for (const [url, fields] of forms) {
        const res = await post(staff, url, fields);
        expect(res.status, `${url} ${JSON.stringify(fields)}`).toBe(400);
      }
    }
    for (const work_date of ['2026-02-30', '0000-01-01', '2026-13-01', '9999-99-99', 'x']) {
      expect((await post(staff, `/tickets/${ticket}/effort`, { minutes: '30', work_date })).status, work_date).toBe(400);
    }
    expect(await rowCounts()).toEqual(before);
    expect(await tdb.db('tickets').where({ number: ticket }).first('state', 'assignee_id', 'paragraph_id')).toEqual(ticketBefore);
    expect((await post(staff, `/tickets/${ticket}/effort`, { minutes: '30', work_date: '' })).status).toBe(303);
    expect((await post(staff, `/tickets/${ticket}/assign`, { assignee_id: String(w.users.solver.id) })).status).toBe(303);
  });

  it('refuses a bad contract or paragraph on the new-ticket form with 400, keeping what was typed', async () => {
    const before = await rowCounts();
    for (const value of ALL) {
      for (const field of ['contract_id', 'paragraph_id']) {
        const fields = {
          contract_id: String(w.contractA),
          paragraph_id: String(w.paragraphs.A.incident),
          contact_phone: '602123456',
          subject: 'Číslo mimo rozsah',
          description: 'Popis',
          [field]: value,
        };
        const res = await post(customer, '/tickets/new', fields);
        expect(res.status, `${field}=${value}`).toBe(400);
        expect(res.text).toContain('Číslo mimo rozsah');
      }
    }
    expect(await rowCounts()).toEqual(before);
  });

  it('refuses a paragraph of the SLA calculator that is not a plain whole number or does not exist', async () => {
    for (const value of ALL) {
      for (const start of ['', '&start=2026-11-02T09:00']) {
        const res = await staff.agent.get(`/staff/sla-calculator?paragraph_id=${q(value)}${start}`);
        expect(res.status, `paragraph_id=${value}${start}`).toBe(400);
        expect(visibleText(res.text)).toContain(cs.errors.choice);
      }
    }
    expect((await staff.agent.get('/staff/sla-calculator?paragraph_id=')).status).toBe(200);
    expect((await staff.agent.get(`/staff/sla-calculator?paragraph_id=${w.paragraphs.A.incident}&start=2026-11-02T09:00`)).status).toBe(200);
  });
});
