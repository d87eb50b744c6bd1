import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { DEMO_HOTLINE_CODE, DEMO_USERS, type DemoSeeded, seedDemo } from '../../src/demo/seed-demo.js';
import { codeHash } from '../../src/domain/hotline-code.js';
import { hotlineCodeKey } from '../../src/services/hotline/code-key.js';
import { monthOf, shiftMonth } from '../../src/domain/report/index.js';
import { passwordWeakness } from '../../src/domain/password.js';
import { reportOverview } from '../../src/services/report.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, login, visibleText } from '../support/web.js';

/*
 * The demo (issue 12, part 1) shows what the product does: passwords that pass the product's
 * own rule, weeks of history with met and breached clocks, a paused ticket, efforts, the three
 * channels, and a monthly report of last month with figures.
 */

let tdb: TestDatabase;
let web: ReturnType<typeof buildApp>;
let seeded: DemoSeeded | null;

beforeAll(async () => {
  tdb = await freshDatabase();
  seeded = await seedDemo(tdb.ctx);
  expect(seeded?.apiToken).toMatch(/^hdt_/);
  web = buildApp(tdb);
}, 120_000);
afterAll(async () => {
  await web?.close();
  await tdb?.drop();
});

describe('the demo data', () => {
  it('is seeded once: a second start finds users and seeds nothing', async () => {
    expect(await seedDemo(tdb.ctx)).toBeNull();
  });

  it('gives tester a HotLine code on contract 1 (stored only as its keyed hash) and contract 1 an API token that reads its tickets', async () => {
    const key = await hotlineCodeKey(tdb.ctx);
    const code = await tdb.db('hotline_codes as h').join('users as u', 'u.id', 'h.user_id').join('contracts as c', 'c.id', 'h.contract_id').first('u.login', 'c.number', 'c.hotline', 'h.code_hash');
    expect(code).toEqual({ login: 'tester', number: '1', hotline: true, code_hash: codeHash(key, DEMO_HOTLINE_CODE) });
    const list = await request(web.app).get('/api/v1/tickets').set('Authorization', `Bearer ${seeded!.apiToken}`);
    expect(list.status).toBe(200);
    const contract1 = await tdb.db('tickets as t').join('contracts as c', 'c.id', 't.contract_id').where('c.number', '1').orderBy('t.number').pluck('t.number');
    expect(contract1.length).toBeGreaterThan(0);
    expect((list.body.items as { number: number }[]).map((t) => t.number).sort((a, b) => a - b)).toEqual(contract1.map(Number));
  });

  it('has demo passwords that pass the password rule, and each demo login signs in', async () => {
    for (const u of DEMO_USERS) {
      expect(passwordWeakness(u.password, u.login), u.login).toBeNull();
      const session = await login(web.app, u.login, u.password);
      expect((await session.agent.get('/')).status, u.login).toBeLessThan(400);
    }
  });

  it('spreads the tickets over weeks, with breached clocks, a paused ticket, efforts and three channels', async () => {
    const tickets = await tdb.db('tickets').select('number', 'created_at', 'state', 'channel', 'reaction_breached', 'resolution_breached');
    const created = tickets.map((t) => new Date(t.created_at).getTime());
    expect((Math.max(...created) - Math.min(...created)) / 86_400_000).toBeGreaterThanOrEqual(14);
    expect(tickets.filter((t) => t.reaction_breached || t.resolution_breached).length).toBeGreaterThanOrEqual(2);
    expect(tickets.filter((t) => !t.reaction_breached && !t.resolution_breached && t.state === 'closed').length).toBeGreaterThanOrEqual(2);
    expect(tickets.filter((t) => t.state === 'paused').length).toBeGreaterThanOrEqual(1);
    expect(new Set(tickets.map((t) => t.channel))).toEqual(new Set(['web', 'email', 'hotline']));
    const efforts = await tdb.db('efforts').select('billable', 'minutes');
    expect(efforts.length).toBeGreaterThan(5);
    expect(efforts.some((e) => e.billable)).toBe(true);
    expect(efforts.some((e) => !e.billable)).toBe(true);
    // the history's state changes at their own instants, not all at the ticket's creation
    const spread = await tdb.db('ticket_events').where('kind', '<>', 'imported').select('at');
    expect(new Set(spread.map((e) => new Date(e.at).toISOString().slice(0, 10))).size).toBeGreaterThan(10);
  });

  it('shows tickets under the staff queue’s “SLA porušeno” filter and durations that are not 0 min', async () => {
    const staff = await login(web.app, 'pokorna', DEMO_USERS.find((u) => u.login === 'pokorna')!.password);
    const queue = await staff.agent.get('/staff/queue?sla=breached&state=all');
    expect(queue.status).toBe(200);
    const rows = queue.text.match(/<tr[^>]*>\s*<td[^>]*><a href="\/tickets\/\d+"/g) ?? [];
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(visibleText(queue.text)).toContain('Kiosek se restartuje');

    const closed = (await tdb.db('tickets').where({ state: 'closed' }).orderBy('number').first('number')).number;
    const evaluation = visibleText((await staff.agent.get(`/tickets/${closed}/vyhodnoceni`)).text);
    expect(evaluation).toMatch(/Doba řešení: (\d+ d )?(\d+ h )?\d+ min/);
    expect(evaluation).not.toMatch(/Doba řešení: 0 min/);
    // the history's import marker of a ticket imported with its state changes names no state
    const history = visibleText((await staff.agent.get(`/tickets/${closed}/historie`)).text);
    expect(history).toContain('Importováno z původního systému');
    expect(history).not.toContain('()');
    expect(history).toMatch(/Změna stavu: Nový → Přijato/);
  });

  it('gives last month’s report figures', async () => {
    const month = shiftMonth(monthOf(new Date(), 'Europe/Prague'), -1);
    const lines = (await reportOverview({ db: tdb.db, reads: tdb.db }, month))!;
    const total = (k: 'received' | 'closed' | 'breached' | 'billable_hours') => lines.reduce((n, l) => n + l[k], 0);
    expect(total('received')).toBeGreaterThan(0);
    expect(total('closed')).toBeGreaterThan(0);
    expect(total('breached')).toBeGreaterThan(0);
    expect(total('billable_hours')).toBeGreaterThan(0);
    expect(DateTime.fromISO(`${month}-01`).isValid).toBe(true);
  });
});
