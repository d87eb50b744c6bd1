/**
 * Issue 14, POST /api/v1/alertmanager: real version-4 notifications, captured from Debian's
 * prometheus-alertmanager 0.25 with amtool (test/fixtures/alertmanager, see its README), replayed
 * in the order Alertmanager sent them. One ticket per (token, groupKey) while it is open; a
 * message only when an alert joined, fired again or resolved; an unchanged repeat adds nothing;
 * resolved never resolves the ticket; another token's group never touches this contract. Every
 * response is checked against the OpenAPI document (test/support/api.ts).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptTicket, resolveTicket } from '../../src/services/transitions.js';
import { apiCall, createTestToken } from '../support/api.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../fixtures/alertmanager/${name}.json`, import.meta.url)), 'utf8')) as Record<string, unknown>;

const FIRING = fixture('firing');
const REPEAT = fixture('repeat');
const SECOND = fixture('second-alert');
const RESOLVED = fixture('resolved');
const NEW_GROUP = fixture('new-group');
const FIRING_AGAIN = fixture('firing-again');

let tdb: TestDatabase;
let w: World;
let web: ReturnType<typeof buildApp>;
let tokenA: string;
let tokenB: string;

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  web = buildApp(tdb);
  tokenA = await createTestToken(tdb.db, { contractId: w.contractA, paragraphId: w.paragraphs.A.incident, userId: w.users.alice.id, name: 'Alertmanager produkce' });
  tokenB = await createTestToken(tdb.db, { contractId: w.contractB, paragraphId: w.paragraphs.B.incident, userId: w.users.bob.id, name: 'Alertmanager Beta' });
});
afterAll(async () => {
  await web.close();
  await tdb.drop();
});

const notify = (body: unknown, token = tokenA) => apiCall(web.app, 'POST', '/api/v1/alertmanager', { token, body });
const messagesOf = (number: number) => tdb.db('ticket_messages').where({ ticket_number: number }).orderBy('id').select('body', 'author_id', 'source', 'internal');
const ticketsOf = (contract: number) => tdb.db('tickets').where({ contract_id: contract }).orderBy('number').select('number', 'subject', 'description', 'state', 'channel', 'reporter_id', 'paragraph_id');

describe('POST /api/v1/alertmanager', () => {
  let first: number;

  it('the first firing creates one ticket through the API channel with the alert in its description', async () => {
    const res = await notify(FIRING);
    expect(res.status).toBe(201);
    expect(res.body.outcome).toBe('created');
    first = res.body.ticket;
    const [ticket, ...others] = await ticketsOf(w.contractA);
    expect(others).toEqual([]);
    expect(ticket).toMatchObject({ number: first, subject: 'HighLatency: Latence API přes 2 s', state: 'new', channel: 'api', reporter_id: w.users.alice.id, paragraph_id: w.paragraphs.A.incident });
    expect(ticket.description).toBe(
      [
        'Alertmanager hlásí upozornění (1):',
        '',
        'Upozornění 1 (aktivní)',
        'Štítky: alertname=HighLatency, instance=db1:9100, job=node, path=/api, severity=critical',
        'Popisky:',
        '  description: p99 latence /api je 2,4 s',
        '  summary: Latence API přes 2 s',
        'Začátek: 2026-11-27T11:38:24.238493617Z',
        'Zdroj: http://prometheus.example:9090/graph?g0.expr=latency',
      ].join('\n'),
    );
    const created = await tdb.db('ticket_events').where({ ticket_number: first, kind: 'created' }).first('data');
    expect(created.data).toEqual({ channel: 'api', via: 'Alertmanager produkce' });
    expect(await messagesOf(first)).toEqual([]);
  });

  it('an unchanged repeat (repeat_interval) answers 200 and adds nothing', async () => {
    const events = await tdb.db('ticket_events').where({ ticket_number: first }).count('* as n').first();
    const res = await notify(REPEAT);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ticket: first, outcome: 'unchanged' });
    expect(await messagesOf(first)).toEqual([]);
    expect(await tdb.db('ticket_events').where({ ticket_number: first }).count('* as n').first()).toEqual(events);
    expect(await ticketsOf(w.contractA)).toHaveLength(1);
  });

  it('a second alert joining the group adds one message with that alert, as the token’s user, and a repeat of it nothing', async () => {
    const res = await notify(SECOND);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ticket: first, outcome: 'message_added' });
    const messages = await messagesOf(first);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ author_id: w.users.alice.id, source: 'api', internal: false });
    expect(messages[0].body).toBe(
      [
        'Alertmanager hlásí změnu ve skupině upozornění:',
        '',
        'nové upozornění ve skupině: Upozornění 1 (aktivní)',
        'Štítky: alertname=HighLatency, instance=db1:9100, job=node, path=/export, severity=warning',
        'Popisky:',
        '  description: p99 latence /export je 3,1 s',
        '  summary: Latence API přes 2 s',
        'Začátek: 2026-11-27T11:38:41.625362982Z',
        'Zdroj: http://prometheus.example:9090/graph?g0.expr=latency_export',
      ].join('\n'),
    );
    expect((await notify(SECOND)).body).toEqual({ ticket: first, outcome: 'unchanged' });
    expect(await messagesOf(first)).toHaveLength(1);
  });

  it('resolved adds a message saying so and leaves the ticket open; firing again adds another', async () => {
    const res = await notify(RESOLVED);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ticket: first, outcome: 'message_added' });
    const messages = await messagesOf(first);
    expect(messages).toHaveLength(2);
    expect(messages[1].body).toContain('vyřešeno: Upozornění 1 (vyřešeno)');
    expect(messages[1].body).toContain('vyřešeno: Upozornění 2 (vyřešeno)');
    expect(messages[1].body).toMatch(/Konec: 2026-11-27T11:38:\d\d/);
    expect(messages[1].body).toMatch(/Požadavek se tím nevyřeší: uzavře jej pracovník podpory\.$/);
    expect((await tdb.db('tickets').where({ number: first }).first('state')).state).toBe('new');

    expect((await notify(RESOLVED)).body).toEqual({ ticket: first, outcome: 'unchanged' });
    const again = await notify(FIRING_AGAIN);
    expect(again.body).toEqual({ ticket: first, outcome: 'message_added' });
    const last = (await messagesOf(first)).at(-1)!;
    expect(last.body).toContain('znovu aktivní: Upozornění 1 (aktivní)');
    expect(last.body).toContain('path=/api');
    expect(await ticketsOf(w.contractA)).toHaveLength(1);
  });

  it('a new group makes a second ticket', async () => {
    const res = await notify(NEW_GROUP);
    expect(res.status).toBe(201);
    expect(res.body.outcome).toBe('created');
    expect(res.body.ticket).not.toBe(first);
    const tickets = await ticketsOf(w.contractA);
    expect(tickets.map((t) => t.subject)).toEqual(['HighLatency: Latence API přes 2 s', 'DiskFull: Na /var zbývá méně než 5 %']);
  });

  it('once staff resolve the group’s ticket, the next firing opens a new ticket; resolved alerts alone open none', async () => {
    const number = (await notify(NEW_GROUP)).body.ticket as number;
    await acceptTicket(tdb.ctx, w.users.agent, number, {});
    await resolveTicket(tdb.ctx, w.users.agent, number, { resolution: 'Disk uklizen.' });
    const resolvedGroup = { ...NEW_GROUP, status: 'resolved', alerts: (NEW_GROUP.alerts as Record<string, unknown>[]).map((a) => ({ ...a, status: 'resolved', endsAt: '2026-11-27T11:40:00Z' })) };
    expect((await notify(resolvedGroup)).body).toEqual({ ticket: null, outcome: 'ignored' });
    const res = await notify(NEW_GROUP);
    expect(res.status).toBe(201);
    expect(res.body.ticket).not.toBe(number);
    const rows = await tdb.db('api_alert_groups').where({ group_key: NEW_GROUP.groupKey as string }).orderBy('ticket_number').pluck('ticket_number');
    expect(rows.map(Number)).toEqual([number, res.body.ticket]);
  });

  it('another contract’s token with the same groupKey makes its own ticket and never touches this contract', async () => {
    const before = await tdb.db('tickets').where({ contract_id: w.contractA }).select('number', 'updated_at');
    const messagesBefore = await tdb.db('ticket_messages').count('* as n').first();
    const res = await notify(SECOND, tokenB);
    expect(res.status).toBe(201);
    const [ticketB] = await ticketsOf(w.contractB);
    expect(ticketB).toMatchObject({ number: res.body.ticket, reporter_id: w.users.bob.id, channel: 'api' });
    expect(await tdb.db('tickets').where({ contract_id: w.contractA }).select('number', 'updated_at')).toEqual(before);
    expect(await tdb.db('ticket_messages').count('* as n').first()).toEqual(messagesBefore);
    // and B's later resolution lands on B's ticket only
    expect((await notify(RESOLVED, tokenB)).body).toEqual({ ticket: ticketB.number, outcome: 'message_added' });
    expect(await tdb.db('ticket_messages').whereNot({ ticket_number: ticketB.number }).count('* as n').first()).toEqual(messagesBefore);
  });

  it('refuses a payload that is not version 4 with 422, and a missing or revoked token with 401', async () => {
    const res = await notify({ ...FIRING, version: '3' });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].path).toBe('/version');
    expect((await notify({ ...FIRING, alerts: [] })).status).toBe(422);
    expect((await apiCall(web.app, 'POST', '/api/v1/alertmanager', { token: null, body: FIRING })).status).toBe(401);
    const revoked = await createTestToken(tdb.db, { contractId: w.contractA, paragraphId: w.paragraphs.A.incident, userId: w.users.alice.id, revoked: true });
    expect((await notify(FIRING, revoked)).status).toBe(401);
  });

  it('takes concurrent first firings of one group as one ticket (the token row is locked)', async () => {
    const group = { ...FIRING, groupKey: '{}:{alertname="Concurrent"}' };
    const answers = await Promise.all(Array.from({ length: 5 }, () => notify(group)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.body.ticket)).size).toBe(1);
  });
});
