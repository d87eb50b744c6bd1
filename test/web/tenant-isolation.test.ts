import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileFromBuffer } from '../../src/services/attachments.js';
import { createTicket } from '../../src/services/create-ticket.js';
import { addMessage } from '../../src/services/conversation.js';
import { acceptTicket, resolveTicket } from '../../src/services/transitions.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, login, type Session, visibleText } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';

/**
 * A customer of company A tries every URL of company B's tickets and must get 404 each time,
 * exactly as for a number that does not exist, and nothing of B may change.
 */
let tdb: TestDatabase;
let web: ReturnType<typeof buildApp>;
let w: World;
let alice: Session;
let foreignOpen: number;
let foreignResolved: number;
let foreignAttachment: number;
let ownTicket: number;
const SECRET = 'Důvěrné Beta';

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  web = buildApp(tdb);
  const input = { contract_id: w.contractB, paragraph_id: w.paragraphs.B.incident, contact_phone: '602123456', subject: SECRET, description: SECRET };
  foreignOpen = (await createTicket(tdb.ctx, w.users.bob, input, [fileFromBuffer('beta.txt', 'text/plain', Buffer.from(SECRET))])).number;
  foreignAttachment = (await tdb.db('attachments').where({ ticket_number: foreignOpen }).first('id')).id;
  await addMessage(tdb.ctx, w.users.bob, foreignOpen, { body: SECRET });
  foreignResolved = (await createTicket(tdb.ctx, w.users.bob, input)).number;
  await acceptTicket(tdb.ctx, w.users.agent, foreignResolved, {});
  await resolveTicket(tdb.ctx, w.users.agent, foreignResolved, { resolution: SECRET });
  ownTicket = (await createTicket(tdb.ctx, w.users.alice, { ...input, contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, subject: 'Vlastní' })).number;
  alice = await login(web.app, 'alice');
});
afterAll(async () => {
  await web.close();
  await tdb.drop();
});

type Probe = { name: string; run: (s: Session, n: number) => Promise<{ status: number; text: string }> };
const probes: Probe[] = [
  { name: 'detail (Zadání)', run: (s, n) => s.agent.get(`/tickets/${n}`) },
  { name: 'Komunikace tab', run: (s, n) => s.agent.get(`/tickets/${n}/komunikace`) },
  { name: 'Vyhodnocení tab', run: (s, n) => s.agent.get(`/tickets/${n}/vyhodnoceni`) },
  { name: 'Historie tab', run: (s, n) => s.agent.get(`/tickets/${n}/historie`) },
  { name: 'attachment download', run: (s, n) => s.agent.get(`/tickets/${n}/attachments/${foreignAttachment}`) },
  { name: 'comment POST', run: (s, n) => s.agent.post(`/tickets/${n}/messages`).field('_csrf', s.csrf).field('body', 'vniknutí') },
  { name: 'complaint POST', run: (s, n) => s.agent.post(`/tickets/${n}/complaint`).type('form').send({ _csrf: s.csrf, reason: 'vniknutí' }) },
  { name: 'staff action POST', run: (s, n) => s.agent.post(`/tickets/${n}/actions/accept`).type('form').send({ _csrf: s.csrf }) },
  { name: 'staff assign POST', run: (s, n) => s.agent.post(`/tickets/${n}/assign`).type('form').send({ _csrf: s.csrf, assignee_id: '' }) },
  { name: 'staff effort POST', run: (s, n) => s.agent.post(`/tickets/${n}/effort`).type('form').send({ _csrf: s.csrf, minutes: '5' }) },
];

describe('a customer of company A against company B’s tickets', () => {
  for (const probe of probes) {
    for (const which of ['open', 'resolved'] as const) {
      it(`gets 404 for the ${probe.name} of B’s ${which} ticket, like for a missing one`, async () => {
        const n = which === 'open' ? foreignOpen : foreignResolved;
        const res = await probe.run(alice, n);
        expect(res.status).toBe(404);
        expect(res.text).not.toContain(SECRET);
        const missing = await probe.run(alice, 9_999_999);
        expect(missing.status).toBe(404);
        expect(visibleText(res.text)).toBe(visibleText(missing.text).replace('9999999', String(n)));
      });
    }
  }

  it('gets the same "not found" from search for B’s number as for a missing one', async () => {
    const res = await alice.agent.get(`/tickets/search?q=${foreignOpen}`);
    expect(res.status).toBe(404);
    expect(res.text).not.toContain(SECRET);
  });

  it('never sees B’s tickets in any list or page', async () => {
    for (const list of ['current', 'resolved', 'closed']) {
      for (const page of [1, 2]) {
        const html = (await alice.agent.get(`/tickets?list=${list}&page=${page}`)).text;
        expect(html).not.toContain(SECRET);
        expect(html).not.toContain(`/tickets/${foreignOpen}`);
      }
    }
    expect(visibleText((await alice.agent.get('/tickets')).text)).toContain('Vlastní');
  });

  it('cannot reach the staff queue', async () => {
    const res = await alice.agent.get('/staff/queue');
    expect(res.status).toBe(404);
    expect(res.text).not.toContain(SECRET);
  });

  it('leaves B’s tickets untouched after every attempt', async () => {
    const tickets = await tdb.db('tickets').whereIn('number', [foreignOpen, foreignResolved]).orderBy('number').pluck('state');
    expect(tickets).toEqual(['new', 'resolved']);
    const messages = await tdb.db('ticket_messages').where({ ticket_number: foreignOpen }).pluck('body');
    expect(messages).toEqual([SECRET]);
    const events = await tdb.db('ticket_events').whereIn('ticket_number', [foreignOpen, foreignResolved]).whereIn('actor_id', [w.users.alice.id]).count('* as n').first();
    expect(events).toEqual({ n: 0 });
    expect(await tdb.db('efforts').count('* as n').first()).toEqual({ n: 0 });
  });

  it('cannot create a ticket on B’s contract by forging the form', async () => {
    const res = await alice.agent
      .post('/tickets/new')
      .field('_csrf', alice.csrf)
      .field('contract_id', String(w.contractB))
      .field('paragraph_id', String(w.paragraphs.B.incident))
      .field('contact_phone', '602123456')
      .field('subject', 'podvrh')
      .field('description', 'podvrh');
    expect(res.status).toBe(400);
    expect(await tdb.db('tickets').where({ subject: 'podvrh' }).count('* as n').first()).toEqual({ n: 0 });
  });

  it('can still open its own ticket with the same routes (the matrix is not vacuous)', async () => {
    for (const path of ['', '/komunikace', '/historie']) {
      expect((await alice.agent.get(`/tickets/${ownTicket}${path}`)).status).toBe(200);
    }
  });
});
