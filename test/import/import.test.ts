import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayState } from '../../src/domain/states.js';
import type { Actor } from '../../src/services/actor.js';
import { createTicket } from '../../src/services/create-ticket.js';
import { ImportError, importDocument, parseImportJson } from '../../src/services/import/index.js';
import { authenticate } from '../../src/services/users.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';

const SAMPLE_TEXT = readFileSync(new URL('../fixtures/import/sample.json', import.meta.url), 'utf8');
/** A fresh deep copy of the fixture, to edit per test. */
const sample = (): any => JSON.parse(SAMPLE_TEXT);
const ZERO = { companies: 0, contracts: 0, users: 0, tickets: 0, messages: 0 };

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await freshDatabase();
});
afterAll(async () => {
  await tdb.drop();
});

const TABLES: Record<string, string> = {
  service_calendars: 'id',
  companies: 'id',
  contracts: 'id',
  contract_paragraphs: 'id',
  users: 'id',
  user_contracts: 'user_id, contract_id',
  authorized_addresses: 'address',
  tickets: 'number',
  ticket_messages: 'id',
  ticket_events: 'id',
  outbound_mail: 'id',
};

/** Every row of every table the import writes, plus the ticket number sequence. */
async function snapshot() {
  const out: Record<string, unknown> = {};
  for (const [table, order] of Object.entries(TABLES)) out[table] = (await tdb.db.raw(`select * from ${table} order by ${order}`)).rows;
  out.sequence = (await tdb.db.raw('select last_value, is_called from ticket_number_seq')).rows[0];
  return out;
}

const count = async (table: string) => Number((await tdb.db(table).count('* as n').first())?.n);

async function problemsOf(doc: unknown): Promise<string[]> {
  try {
    await importDocument(tdb.db, doc);
  } catch (e) {
    if (e instanceof ImportError) return e.lines();
    throw e;
  }
  throw new Error('the document was accepted');
}

describe('migration import of the IMPORT.md sample', () => {
  it('refuses an invalid document listing every problem with its JSON path, and writes nothing', async () => {
    const before = await snapshot();
    const doc = sample();
    doc.contracts[1].paragraphs[0].sla.reaction.method = 'Hodd';
    doc.calendars[0].windows.mon = [['08:00', '07:00']];
    doc.companies[1].name = '';
    doc.users[0].email = 'není e-mail';
    doc.users[1].role = 'boss';
    doc.users[3].favourite_colour = 'blue';
    doc.tickets[0].state = 'open';
    doc.tickets[0].created_at = '2026-10-15 09:12';
    doc.tickets[1].assignee = 'nikdo';
    doc.tickets[2].messages[0].kind = 'notification';
    const lines = await problemsOf(doc);
    expect(lines).toEqual(
      expect.arrayContaining([
        'calendars[0].windows.mon[0]: end 07:00 is not after start 08:00',
        'companies[1].name: must not be empty',
        'contracts[1].paragraphs[0].sla.reaction.method: unknown method "Hodd"',
        'users[0].email: must be an e-mail address',
        'users[1].role: unknown role "boss"',
        'users[3].favourite_colour: unknown field',
        'tickets[0].state: unknown state "open"',
        expect.stringMatching(/^tickets\[0\]\.created_at: must be an ISO 8601 instant/),
        'tickets[1].assignee: unknown login "nikdo" (neither in the document nor in the database)',
        'tickets[2].messages[0].message_id: is required for a notification (replies thread by it)',
      ]),
    );
    // the emptied company name also leaves its references dangling
    expect(lines).toContain('contracts[1].company: unknown company "Město Horní Lhota" (neither in the document nor in the database)');
    expect(await snapshot()).toEqual(before);
  });

  it('reports references to a calendar, company, contract, paragraph or login that exist neither in the document nor in the database', async () => {
    const doc = sample();
    doc.contracts[0].calendar = 'Po–Pá 7–15';
    doc.users[1].contracts[0].company = 'Město Dolní Lhota';
    doc.users[0].authorized_email.number = '2';
    doc.tickets[0].reporter = 'jana.novak';
    doc.tickets[0].paragraph = 'INC-WEB';
    doc.tickets[1].contract = '8';
    doc.tickets[2].messages[0].author = 'dana.pokorny';
    const lines = await problemsOf(doc);
    expect(lines).toEqual([
      'contracts[0].calendar: unknown calendar "Po–Pá 7–15" (neither in the document nor in the database)',
      'users[0].authorized_email.number: unknown contract "2" of company "Úřední desky - Kiosky" (neither in the document nor in the database)',
      'users[1].contracts[0].company: unknown company "Město Dolní Lhota" (neither in the document nor in the database)',
      'tickets[0].paragraph: unknown paragraph "INC-WEB" of contract "1" (neither in the document nor in the database)',
      'tickets[0].reporter: unknown login "jana.novak" (neither in the document nor in the database)',
      'tickets[1].contract: unknown contract "8" of company "Město Horní Lhota" (neither in the document nor in the database)',
      'tickets[2].messages[0].author: unknown login "dana.pokorny" (neither in the document nor in the database)',
    ]);
    expect(await count('companies')).toBe(0);
  });

  it('refuses an authorised address bound to a contract the user does not have', async () => {
    const doc = sample();
    doc.users[1].authorized_email = { address: 'petr.dvorak@hornilhota.cz', company: 'Úřední desky - Kiosky', number: '1' };
    expect(await problemsOf(doc)).toEqual([
      'users[1].authorized_email: must be bound to one of the user\'s contracts; "1" of "Úřední desky - Kiosky" is not in users[1].contracts',
    ]);
  });

  it('a dry run reports the summary and writes nothing', async () => {
    const before = await snapshot();
    expect(await importDocument(tdb.db, sample(), { dryRun: true })).toEqual({ companies: 2, contracts: 2, users: 4, tickets: 3, messages: 4 });
    expect(await snapshot()).toEqual(before);
  });

  it('imports the sample with the exact summary', async () => {
    expect(await importDocument(tdb.db, parseImportJson(SAMPLE_TEXT))).toEqual({
      companies: 2,
      contracts: 2,
      users: 4,
      tickets: 3,
      messages: 4,
    });
    expect(await count('companies')).toBe(2);
    expect(await count('service_calendars')).toBe(2);
    expect(await tdb.db('contracts').orderBy('number').pluck('number')).toEqual(['1', '7']);
    expect(await count('contract_paragraphs')).toBe(4);
    expect(await count('users')).toBe(4);
    expect(await tdb.db('tickets').orderBy('number').pluck('number')).toEqual([98570, 98571, 98575]);

    const para = await tdb.db('contract_paragraphs').where({ code: 'INC-MAIL' }).first();
    expect(para).toMatchObject({ kind: 'incident', sla_applies: true, reaction_method: 'NBD-Hod', reaction_amount: 4, resolution_method: 'Hod', resolution_amount: 16, is_email_default: true });
    expect(await tdb.db('contract_paragraphs').where({ code: 'DOTAZ' }).first()).toMatchObject({ sla_applies: false, reaction_method: null, is_email_default: false });
    const calendar = await tdb.db('service_calendars').where({ name: 'Po–Pá 8–16' }).first();
    expect(calendar).toMatchObject({ holiday_country: 'CZ', extra_closed_dates: ['2026-12-31'] });
    expect(calendar.windows.mon).toEqual([['08:00', '16:00']]);
    expect(await tdb.db('service_calendars').where({ name: 'Nepřetržitě 24×7' }).first('holiday_country')).toEqual({ holiday_country: null });
  });

  it('hashes a given password and leaves the others unusable until an invitation', async () => {
    expect(await authenticate(tdb.db, 'jana.novakova', 'Novakova2026!')).toMatchObject({ login: 'jana.novakova', role: 'customer' });
    const petr = await tdb.db('users').where({ login: 'petr.dvorak' }).first();
    expect(petr.password_hash).toMatch(/^\$argon2id\$/);
    expect(await authenticate(tdb.db, 'petr.dvorak', '')).toBeNull();
    expect(petr.phone).toBe('+420602555111');
    expect(await tdb.db('users').where({ login: 'dana.pokorna' }).first('role', 'phone')).toEqual({ role: 'agent', phone: null });
  });

  it('binds users to contracts and stores the authorised address lower-cased', async () => {
    const jana = await tdb.db('users').where({ login: 'jana.novakova' }).first('id');
    const c1 = await tdb.db('contracts').where({ number: '1' }).first('id');
    expect(await tdb.db('authorized_addresses').select('address', 'user_id', 'contract_id')).toEqual([
      { address: 'jana.novakova@kiosky.cz', user_id: jana.id, contract_id: c1.id },
    ]);
    const memberships = await tdb.db('user_contracts as uc')
      .join('users as u', 'u.id', 'uc.user_id')
      .join('contracts as c', 'c.id', 'uc.contract_id')
      .orderBy('u.login')
      .select('u.login', 'c.number', 'uc.sees_all_tickets');
    expect(memberships).toEqual([
      { login: 'jana.novakova', number: '1', sees_all_tickets: false },
      { login: 'petr.dvorak', number: '7', sees_all_tickets: true },
    ]);
  });

  it('starts each ticket\'s history with one "imported" event whose replay gives the stored state', async () => {
    for (const t of await tdb.db('tickets').orderBy('number').select('number', 'state', 'created_at')) {
      const events = await tdb.db('ticket_events').where({ ticket_number: t.number }).orderBy('id').select('kind', 'from_state', 'to_state', 'at', 'actor_id');
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ kind: 'imported', from_state: null, to_state: t.state, actor_id: null });
      expect(events[0].at).toEqual(t.created_at);
      expect(replayState(events)).toBe(t.state);
    }
    expect(await tdb.db('tickets').orderBy('number').pluck('state')).toEqual(['accepted', 'escalated', 'paused']);
  });

  it('keeps the ticket fields and computes the stored SLA so the queue has its due', async () => {
    const t = await tdb.db('tickets as t').join('users as u', 'u.id', 't.assignee_id').where('t.number', 98571).first('t.*', 'u.login as assignee');
    expect(t).toMatchObject({ channel: 'email', contact_phone: '+420602555111', contact_email: 'petr.dvorak@hornilhota.cz', assignee: 'pavel.jedlicka' });
    expect(t.created_at).toEqual(new Date('2026-11-02T06:45:00Z'));
    expect(t.sla_computed_at).not.toBeNull();
    // escalated on a 24×7 calendar: the resolution clock runs (8 hours from creation)
    expect(t.resolution_due_at).toEqual(new Date('2026-11-02T14:45:00Z'));
    expect(t.resolution_breached).toBe(true);
    // the question paragraph has no SLA
    expect(await tdb.db('tickets').where({ number: 98575 }).first('sla_computed_at', 'resolution_due_at')).toMatchObject({ resolution_due_at: null });
  });

  it("records the old system's sent notification in the outbox as imported, with its Message-ID", async () => {
    const sent = await tdb.db('outbound_mail').select('*');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      ticket_number: 98570,
      message_id: '<hd-notif.98570.3.4f8a1c0e@helpdesk.seyfor.com>',
      to_address: 'jana.novakova@kiosky.cz',
      subject: '[98570] - Nefunkční aplikace – Pozastaveno',
      status: 'imported',
      purpose: 'imported',
    });
    expect(sent[0].sent_at).toEqual(new Date('2026-10-15T08:00:00Z'));
  });

  it('puts comments and internal notes into the conversation, with the Message-ID of inbound mail', async () => {
    const messages = await tdb.db('ticket_messages as m')
      .leftJoin('users as u', 'u.id', 'm.author_id')
      .orderBy('m.ticket_number')
      .select('m.ticket_number', 'u.login as author', 'm.source', 'm.internal', 'm.email_message_id', 'm.body');
    expect(messages).toEqual([
      { ticket_number: 98570, author: 'jana.novakova', source: 'email', internal: false, email_message_id: '<CAF1x2y3z@mail.kiosky.cz>', body: 'Posílám snímek obrazovky.' },
      { ticket_number: 98571, author: 'dana.pokorna', source: 'web', internal: true, email_message_id: null, body: 'Předáno vývoji, chyba v podpisovém modulu.' },
      { ticket_number: 98575, author: 'dana.pokorna', source: 'web', internal: false, email_message_id: null, body: 'Upřesněte prosím, o který seznam jde.' },
    ]);
  });

  it('imports the same document a second time without changing anything and reports zeros', async () => {
    const before = await snapshot();
    expect(await importDocument(tdb.db, sample())).toEqual(ZERO);
    expect(await snapshot()).toEqual(before);
  });

  it('counts only what a changed document changes, appending the new state to the history', async () => {
    const doc = sample();
    doc.tickets[0].state = 'resolved';
    doc.tickets[0].messages.push({ at: '2026-11-20T09:00:00+01:00', author: 'jana.novakova', direction: 'in', body: 'Děkuji, funguje to.', kind: 'comment' });
    doc.companies[0].address = 'Traťová 2, Brno';
    expect(await importDocument(tdb.db, doc)).toEqual({ ...ZERO, companies: 1, tickets: 1, messages: 1 });
    const events = await tdb.db('ticket_events').where({ ticket_number: 98570 }).orderBy('id').select('kind', 'from_state', 'to_state');
    expect(events).toEqual([
      { kind: 'imported', from_state: null, to_state: 'accepted' },
      { kind: 'imported', from_state: 'accepted', to_state: 'resolved' },
    ]);
    expect(replayState(events)).toBe('resolved');
    expect(await tdb.db('tickets').where({ number: 98570 }).first('state', 'resolved_at')).toMatchObject({ state: 'resolved', resolved_at: expect.any(Date) });
    expect(await importDocument(tdb.db, doc)).toEqual(ZERO);
  });

  it('accepts references to what is already in the database', async () => {
    const doc = {
      tickets: [
        {
          number: 98580, company: 'Úřední desky - Kiosky', contract: '1', paragraph: 'INC-MAIL', reporter: 'Jana.Novakova',
          subject: 'Další požadavek', description: '', channel: 'email', state: 'new', assignee: null,
          created_at: '2026-11-24T10:00:00Z', messages: [],
        },
      ],
    };
    expect(await importDocument(tdb.db, doc)).toEqual({ ...ZERO, tickets: 1 });
    // the contact e-mail defaults to the reporter's
    expect(await tdb.db('tickets').where({ number: 98580 }).first('contact_email')).toEqual({ contact_email: 'jana.novakova@kiosky.cz' });
  });

  it('keeps the ticket numbers: the next ticket created in the portal gets a higher number', async () => {
    const jana = (await tdb.db('users').where({ login: 'jana.novakova' }).first('id', 'login', 'name', 'email', 'role')) as Actor;
    const contract = await tdb.db('contracts').where({ number: '1' }).first('id');
    const paragraph = await tdb.db('contract_paragraphs').where({ contract_id: contract.id, code: 'INC-MAIL' }).first('id');
    const number = (await createTicket(tdb.ctx, jana, {
      contract_id: contract.id, paragraph_id: paragraph.id, contact_phone: '603111222', subject: 'Nový po migraci', description: 'Nový.',
    })).number;
    expect(number).toBe(98581);
  });

  it('refuses to overwrite a ticket the portal created itself, or mail it sent itself', async () => {
    const portalMail = '<hd-notif.98581.own.0a1b2c3d@helpdesk.seyfor.com>';
    await tdb.db('outbound_mail').insert({
      ticket_number: 98581, message_id: portalMail, to_address: 'jana.novakova@kiosky.cz', subject: '[98581] - Nový po migraci',
      text_body: 'Přijato.', purpose: 'created',
    });
    const before = await snapshot();
    const [t98570, t98571, t98575] = sample().tickets;
    t98571.messages.push({ at: '2026-11-02T09:00:00+01:00', direction: 'out', to: 'petr.dvorak@hornilhota.cz', body: 'x', message_id: portalMail, kind: 'notification' });
    t98575.messages.push({ at: '2026-11-10T15:00:00+01:00', direction: 'in', body: 'x', message_id: '<CAF1x2y3z@mail.kiosky.cz>', kind: 'comment' });
    // everything else it refers to is already in the database
    const doc = { tickets: [{ ...t98570, number: 98581, messages: [] }, t98571, t98575] };
    expect(await problemsOf(doc)).toEqual([
      'tickets[0].number: ticket 98581 already exists in the portal and was not imported; it cannot be overwritten',
      `tickets[1].messages[1].message_id: ${portalMail} is mail the portal sent itself (status pending); it cannot be replaced by an import`,
      'tickets[2].messages[1].message_id: <CAF1x2y3z@mail.kiosky.cz> is already a message of ticket 98570',
    ]);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses roles that do not fit: a customer as assignee or author of an internal note, a reporter without the contract', async () => {
    const doc = sample();
    doc.tickets[1].assignee = 'jana.novakova';
    doc.tickets[1].messages[0].author = 'petr.dvorak';
    doc.tickets[2].reporter = 'petr.dvorak';
    expect(await problemsOf(doc)).toEqual([
      'tickets[1].assignee: "jana.novakova" is a customer; only staff (agent, admin) can be assigned',
      'tickets[1].messages[0].author: "petr.dvorak" is a customer; internal notes are written by staff',
      'tickets[2].reporter: customer "petr.dvorak" is not bound to contract "1" of company "Úřední desky - Kiosky"',
    ]);
  });
});
