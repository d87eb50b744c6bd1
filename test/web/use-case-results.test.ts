/**
 * Use cases say what they wrote (the ticket number or message id and the notifications they
 * queued), run inside a caller's transaction when given one (no savepoint: they commit or roll
 * back with it), and a creation reads nothing it has just written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMessage, addMessageInTx } from '../../src/services/conversation.js';
import { createTicket, createTicketInTx } from '../../src/services/create-ticket.js';
import { ticketClocks } from '../../src/services/sla.js';
import { acceptTicket, pauseTicket } from '../../src/services/transitions.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { silenceStaffNotifications } from '../support/staff-mail.js';
import { seedWorld, type World } from '../support/world.js';

let tdb: TestDatabase;
let w: World;
beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  // these tests count the customers' mail and the outbox's; staff mail: staff-notifications.test.ts
  await silenceStaffNotifications(tdb.db);
});
afterAll(() => tdb.drop());

const input = (subject: string, extra: Record<string, unknown> = {}) => ({
  contract_id: w.contractA,
  paragraph_id: w.paragraphs.A.incident,
  contact_phone: '602123456',
  subject,
  description: 'popis',
  ...extra,
});
const outbox = (n: number) => tdb.db('outbound_mail').where({ ticket_number: n }).orderBy('id');
const asQueued = (rows: { id: number; to_address: string; subject: string; text_body: string }[]) =>
  rows.map((r) => ({ id: Number(r.id), to: r.to_address, subject: r.subject, text: r.text_body }));

/** The SQL statements `run` sends through the test database's pool, in order. */
async function statementsOf(run: () => Promise<unknown>): Promise<string[]> {
  const sqls: string[] = [];
  const listen = (q: { sql: string }) => sqls.push(q.sql);
  tdb.db.on('query', listen);
  try {
    await run();
  } finally {
    tdb.db.off('query', listen);
  }
  return sqls;
}

describe('what the use cases return', () => {
  it('createTicket returns the number, the subject as stored and the notifications it queued', async () => {
    const created = await createTicket(tdb.ctx, w.users.alice, input('  Tisk faktur  ', { contact_email: 'kontakt@alfa.cz' }));
    const row = await tdb.db('tickets').where({ number: created.number }).first('subject', 'reporter_id');
    expect(row).toEqual({ subject: 'Tisk faktur', reporter_id: w.users.alice.id });
    expect(created.subject).toBe('Tisk faktur');
    expect(created.notifications).toEqual(asQueued(await outbox(created.number)));
    expect(created.notifications.map((m) => m.to)).toEqual(['kontakt@alfa.cz', 'alice@example.cz']);
  });

  it('createTicket returns no notification where the reporter switched the receipt off', async () => {
    await tdb.db('users').where({ id: w.users.carol.id }).update({ notify_prefs: JSON.stringify({ created: false }) });
    try {
      const created = await createTicket(tdb.ctx, w.users.carol, input('Bez potvrzení'));
      expect(created.notifications).toEqual([]);
      expect(await outbox(created.number)).toEqual([]);
    } finally {
      await tdb.db('users').where({ id: w.users.carol.id }).update({ notify_prefs: '{}' });
    }
  });

  it('addMessage returns the message id and the notifications: a staff message, an internal note, a reply that resumes', async () => {
    const { number } = await createTicket(tdb.ctx, w.users.alice, input('Zprávy'));
    const staff = await addMessage(tdb.ctx, w.users.agent, number, { body: 'Díváme se na to.' });
    const mails = await outbox(number);
    expect(staff).toEqual({ messageId: expect.any(Number), resumed: false, notifications: asQueued(mails.slice(-1)) });
    expect(mails.at(-1)).toMatchObject({ purpose: 'staff_message', to_address: 'alice@example.cz' });
    expect(await tdb.db('ticket_messages').where({ id: staff.messageId }).first('ticket_number', 'body')).toEqual({ ticket_number: number, body: 'Díváme se na to.' });

    const note = await addMessage(tdb.ctx, w.users.agent, number, { body: 'interní', internal: true });
    expect(note).toEqual({ messageId: staff.messageId + 1, resumed: false, notifications: [] });

    await acceptTicket(tdb.ctx, w.users.agent, number, {});
    await pauseTicket(tdb.ctx, w.users.agent, number, { cooperation: 'Pošlete log.' });
    const before = (await outbox(number)).length;
    const reply = await addMessage(tdb.ctx, w.users.alice, number, { body: 'Posílám.' });
    const after = await outbox(number);
    expect(after).toHaveLength(before + 1);
    expect(after.at(-1)).toMatchObject({ purpose: 'state_changed' });
    expect(reply).toEqual({ messageId: expect.any(Number), resumed: true, notifications: asQueued(after.slice(-1)) });
  });

  it('addMessageInTx stores the e-mail Message-ID with the message', async () => {
    const { number } = await createTicket(tdb.ctx, w.users.alice, input('Z e-mailu'));
    const added = await tdb.db.transaction((trx) =>
      addMessageInTx(trx, tdb.ctx, w.users.alice, number, { body: 'Odpověď e-mailem' }, { source: 'email', emailMessageId: 'abc.1@alfa.example.cz' }),
    );
    expect(await tdb.db('ticket_messages').where({ id: added.messageId }).first('source', 'email_message_id')).toEqual({
      source: 'email',
      email_message_id: 'abc.1@alfa.example.cz',
    });
  });
});

describe('a use case in the caller’s transaction', () => {
  it('joins it without a savepoint and is rolled back with it', async () => {
    const tables = ['tickets', 'ticket_events', 'ticket_messages', 'outbound_mail'];
    const counts = async () => Object.fromEntries(await Promise.all(tables.map(async (t) => [t, Number((await tdb.db(t).count('* as n').first())?.n)])));
    const { number: existing } = await createTicket(tdb.ctx, w.users.alice, input('Existující'));
    const before = await counts();
    const seen: { number?: number; state?: string } = {};
    const sqls = await statementsOf(() =>
      tdb.db
        .transaction(async (trx) => {
          const created = await createTicketInTx(trx, tdb.ctx, w.users.alice, input('Zmizí'));
          seen.number = created.number;
          await addMessageInTx(trx, tdb.ctx, w.users.agent, created.number, { body: 'Zmizí také.' });
          seen.state = await acceptTicket.inTx(trx, tdb.ctx, w.users.agent, existing, {});
          // inside, the caller sees what the use cases wrote
          expect(await trx('tickets').where({ number: created.number }).first('state')).toEqual({ state: 'new' });
          throw new Error('the caller fails after the use cases');
        })
        .catch((e: Error) => expect(e.message).toBe('the caller fails after the use cases')),
    );
    expect(seen).toEqual({ number: expect.any(Number), state: 'accepted' });
    expect(sqls.filter((s) => /savepoint/i.test(s))).toEqual([]);
    expect(sqls.filter((s) => /^BEGIN/i.test(s))).toHaveLength(1);
    expect(await counts()).toEqual(before);
    expect(await tdb.db('tickets').where({ number: seen.number! }).first()).toBeUndefined();
    expect(await tdb.db('tickets').where({ number: existing }).first('state')).toEqual({ state: 'new' });
  });
});

describe('the cost of a creation', () => {
  it('takes 2 statements with two recipients and reads back nothing it wrote (it took 13, then 7, then 4 with BEGIN and COMMIT)', async () => {
    let number = 0;
    const sqls = await statementsOf(async () => {
      ({ number } = await createTicket(tdb.ctx, w.users.alice, input('Počítané příkazy', { contact_email: 'kontakt@alfa.cz' })));
    });
    // the contract check with the paragraph, its SLA setup, the reporter and the number; the ticket, its event and the two receipts (one statement: no BEGIN or COMMIT needed)
    expect(sqls).toHaveLength(2);
    expect(sqls.filter((s) => /^\s*(begin|commit)\b/i.test(s))).toEqual([]);
    expect(sqls.filter((s) => /\binsert into "?outbound_mail"?/.test(s))).toHaveLength(1);
    expect(sqls.filter((s) => /\binsert into "?tickets"?/.test(s))).toEqual(sqls.filter((s) => /\binsert into "?outbound_mail"?/.test(s)));
    const reads = sqls.filter((s) => /^\s*select\b/i.test(s));
    for (const table of ['tickets', 'ticket_events', 'outbound_mail', 'inbound_mail']) {
      expect(reads.filter((s) => s.includes(`"${table}"`)), table).toEqual([]);
    }
    expect(await outbox(number)).toHaveLength(2);
  });

  it('stores the SLA a recomputation from the history gives', async () => {
    for (const paragraph of [w.paragraphs.A.incident, w.paragraphs.A.question]) {
      const { number } = await createTicket(tdb.ctx, w.users.alice, input('SLA při založení', { paragraph_id: paragraph }));
      const stored = await tdb.db('tickets')
        .where({ number })
        .first('created_at', 'sla_computed_at', 'reaction_due_at', 'resolution_due_at', 'reaction_breached', 'resolution_breached');
      expect(stored.sla_computed_at).toEqual(stored.created_at);
      const clocks = await ticketClocks(tdb.db, number, stored.created_at);
      const due = (c: typeof clocks.reaction) => (c && c.clock === 'running' && c.due ? c.due.toJSDate() : null);
      expect(stored).toMatchObject({
        reaction_due_at: due(clocks.reaction),
        resolution_due_at: due(clocks.resolution),
        reaction_breached: clocks.reaction?.breached ?? null,
        resolution_breached: clocks.resolution?.breached ?? null,
      });
      if (paragraph === w.paragraphs.A.incident) expect(stored.resolution_due_at).toBeInstanceOf(Date);
      else expect(stored.resolution_due_at).toBeNull();
    }
  });
});
