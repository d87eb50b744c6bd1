import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cs } from '../../src/i18n/cs.js';
import { createDb } from '../../src/db/knex.js';
import { COUNT_LIMIT, overviewPage, MAX_PAGE, PAGE_SIZE, staffQueue } from '../../src/services/reads/lists.js';
import { onePool } from '../../src/services/reads/pools.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, login, visibleText } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';

// a queue longer than the counting limit: the count stops there and the pager says "more than"
const EXTRA = 70;
let tdb: TestDatabase;
let w: World;

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  await tdb.db.raw(
    `insert into tickets (contract_id, paragraph_id, reporter_id, subject, description, state, channel, created_at)
     select ?, ?, ?, 'Hromadný ' || i, 'x', 'new', 'web', now() - make_interval(secs => i) from generate_series(1, ?) i`,
    [w.contractA, w.paragraphs.A.incident, w.users.carol.id, COUNT_LIMIT + EXTRA],
  );
});
afterAll(async () => tdb?.drop());

describe('counting long lists', () => {
  it('stops counting at the limit and pages in order up to the last counted page', async () => {
    const first = await staffQueue(onePool(tdb.db), w.users.agent, { state: 'new' });
    expect(first).toMatchObject({ page: 1, total: COUNT_LIMIT, more: true, pages: COUNT_LIMIT / PAGE_SIZE });
    expect(first.rows.map((r) => r.subject).slice(0, 2)).toEqual(['Hromadný 1', 'Hromadný 2']);
    expect(first.rows[0]).toMatchObject({ reporter_name: expect.any(String), company_name: expect.any(String), contract_number: expect.any(String) });

    const last = await staffQueue(onePool(tdb.db), w.users.agent, { state: 'new', page: MAX_PAGE });
    expect(last).toMatchObject({ page: MAX_PAGE, total: COUNT_LIMIT, more: true, pages: MAX_PAGE });
    expect(last.rows).toHaveLength(PAGE_SIZE);
    expect(last.rows.map((r) => r.subject)[0]).toBe(`Hromadný ${COUNT_LIMIT - PAGE_SIZE + 1}`);
    expect(last.rows.at(-1)?.subject).toBe(`Hromadný ${COUNT_LIMIT}`);
  });

  // a page past the counted ones would cost counting as far as it: it is the last counted page instead
  it('shows the last counted page for a page number past it', async () => {
    for (const page of [MAX_PAGE + 1, 1000, Number.MAX_SAFE_INTEGER, Infinity]) {
      const past = await staffQueue(onePool(tdb.db), w.users.agent, { state: 'new', page });
      expect(past).toMatchObject({ page: MAX_PAGE, total: COUNT_LIMIT, more: true, pages: MAX_PAGE });
      expect(past.rows.at(-1)?.subject).toBe(`Hromadný ${COUNT_LIMIT}`);
    }
  });

  it('tells the staff member there are more than the counted pages, with a link to the next', async () => {
    const web = buildApp(tdb);
    try {
      const staff = await login(web.app, 'agent');
      const html = (await staff.agent.get('/staff/queue?state=new')).text;
      expect(visibleText(html)).toContain(cs.overview.page(1, COUNT_LIMIT / PAGE_SIZE, true));
      expect(html).toContain('page=2');
    } finally {
      await web.close();
    }
  });

  it('plans the staff queue for its values every time, while a customer list keeps its prepared plan', async () => {
    const one = createDb(tdb.url, 1); // one connection: the prepared statements below are all on it
    try {
      for (let i = 0; i < 6; i++) {
        await staffQueue(onePool(one), w.users.agent, { state: 'open', assignee: 'none' });
        await overviewPage(onePool(one), w.users.carol, 'current');
      }
      const statements = (await one.raw('select statement from pg_prepared_statements')).rows as { statement: string }[];
      const lists = statements.map((p) => p.statement).filter((sql) => sql.startsWith('select "c".*, "x".*'));
      expect(lists).toHaveLength(1);
      expect(lists[0]).toContain('exists (select 1 from "user_contracts"');
    } finally {
      await one.destroy();
    }
  });
});
