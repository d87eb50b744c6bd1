import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileFromBuffer } from '../../src/services/attachments.js';
import { addMessage } from '../../src/services/conversation.js';
import { createTicket } from '../../src/services/create-ticket.js';
import { acceptTicket, pauseTicket } from '../../src/services/transitions.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, login, visibleText } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';

let tdb: TestDatabase;
let w: World;

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  // a storage failure on demand: any blob named "fail" makes the insert raise
  await tdb.db.raw(`
    create function fail_blob() returns trigger language plpgsql as $$
    begin if convert_from(new.data, 'UTF8') = 'fail' then raise exception 'disk full'; end if; return new; end $$;
    create trigger attachment_chunk_fails before insert on attachment_chunks for each row execute function fail_blob();
  `);
});
afterAll(async () => {
  await tdb.drop();
});

/**
 * Tables whose rows a failed use case may leave, and why; every other table of the schema is
 * counted. rate_counters: the hourly upload quota is consumed before the use case's
 * transaction and refunded after it fails (a counter shared by processes, by design outside it).
 * sessions: the web test's own sign-in.
 */
const NOT_COUNTED = new Set(['rate_counters', 'sessions', 'knex_migrations', 'knex_migrations_lock']);
/** The tables the use cases below write; each must be among the counted ones. */
const WRITTEN = ['tickets', 'ticket_messages', 'ticket_events', 'attachments', 'attachment_blobs', 'attachment_chunks', 'outbound_mail'];

/** Row count of every table of the schema but NOT_COUNTED. */
const counts = async (): Promise<Record<string, number>> => {
  const tables = (await tdb.db('pg_tables').where({ schemaname: 'public' }).orderBy('tablename').pluck('tablename')) as string[];
  const out: Record<string, number> = {};
  for (const table of tables) {
    if (!NOT_COUNTED.has(table)) out[table] = Number((await tdb.db(table).count('* as n').first())?.n);
  }
  return out;
};

/** Tables whose count differs between two snapshots, with the difference. */
const grown = (before: Record<string, number>, after: Record<string, number>) =>
  Object.fromEntries(Object.keys(after).filter((k) => after[k] !== before[k]).map((k) => [k, (after[k] ?? 0) - (before[k] ?? 0)]));

describe('one use case, one transaction', () => {
  it('counts every table the use cases write, and the same use cases without the failure do write them', async () => {
    const counted = Object.keys(await counts());
    for (const table of WRITTEN) expect(counted, table).toContain(table);

    // creation with two files: ticket, history, attachments with their content, the confirmation mail
    let before = await counts();
    const input = { contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, contact_phone: '602123456', subject: 'Kontrola', description: 'x' };
    const n = (await createTicket(tdb.ctx, w.users.alice, input, [
      fileFromBuffer('a.txt', 'text/plain', Buffer.from('control a')),
      fileFromBuffer('b.txt', 'text/plain', Buffer.from('control b')),
    ])).number;
    const created = grown(before, await counts());
    expect(created).toMatchObject({ tickets: 1, attachments: 2, attachment_blobs: 2, attachment_chunks: 2 });
    expect(created.ticket_events).toBeGreaterThan(0);
    expect(created.outbound_mail).toBeGreaterThan(0);

    // a customer's reply with a file to a paused ticket: message, attachment, history, the resumption's mail
    await acceptTicket(tdb.ctx, w.users.agent, n, {});
    await pauseTicket(tdb.ctx, w.users.agent, n, { cooperation: 'Pošlete log.' });
    before = await counts();
    await addMessage(tdb.ctx, w.users.alice, n, { body: 'Tady je' }, [fileFromBuffer('log.txt', 'text/plain', Buffer.from('control log'))]);
    const replied = grown(before, await counts());
    expect(replied).toMatchObject({ ticket_messages: 1, attachments: 1, attachment_blobs: 1, attachment_chunks: 1 });
    expect(replied.ticket_events).toBeGreaterThanOrEqual(2); // the message and the resumption
    expect(replied.outbound_mail).toBeGreaterThan(0);
    expect((await tdb.db('tickets').where({ number: n }).first('state')).state).toBe('accepted');
  });

  it('leaves no ticket, message, attachment or history event when an attachment write fails during creation', async () => {
    const before = await counts();
    const input = { contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, contact_phone: '602123456', subject: 'S přílohou', description: 'x' };
    await expect(
      createTicket(tdb.ctx, w.users.alice, input, [
        fileFromBuffer('ok.txt', 'text/plain', Buffer.from('ok')),
        fileFromBuffer('bad.txt', 'text/plain', Buffer.from('fail')),
      ]),
    ).rejects.toThrow(/disk full/);
    expect(await counts()).toEqual(before);
  });

  it('shows the web user an error page and stores nothing when the attachment write fails', async () => {
    const web = buildApp(tdb);
    try {
      const s = await login(web.app, 'alice');
      const before = await counts();
      const res = await s.agent.post('/tickets/new').field('_csrf', s.csrf)
        .field('contract_id', String(w.contractA)).field('paragraph_id', String(w.paragraphs.A.incident))
        .field('contact_phone', '602123456').field('subject', 'Web s chybou').field('description', 'x')
        .attach('files', Buffer.from('fail'), { filename: 'bad.txt', contentType: 'text/plain' });
      expect(res.status).toBe(500);
      expect(visibleText(res.text)).toContain('Došlo k neočekávané chybě');
      expect(await counts()).toEqual(before);
    } finally {
      await web.close();
    }
  });

  it('does not resume a paused ticket when the reply’s attachment cannot be stored', async () => {
    const n = (await createTicket(tdb.ctx, w.users.alice, { contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, contact_phone: '602123456', subject: 'Pauza', description: 'x' })).number;
    await acceptTicket(tdb.ctx, w.users.agent, n, {});
    await pauseTicket(tdb.ctx, w.users.agent, n, { cooperation: 'Pošlete log.' });
    const before = await counts();
    await expect(addMessage(tdb.ctx, w.users.alice, n, { body: 'Tady je' }, [fileFromBuffer('log.txt', 'text/plain', Buffer.from('fail'))])).rejects.toThrow(/disk full/);
    expect(await counts()).toEqual(before);
    expect((await tdb.db('tickets').where({ number: n }).first('state')).state).toBe('paused');
  });

  it('refuses to rewrite history: events cannot be updated or deleted', async () => {
    await expect(tdb.db('ticket_events').update({ kind: 'x' })).rejects.toThrow(/append-only/);
    await expect(tdb.db('ticket_events').delete()).rejects.toThrow(/append-only/);
  });
});
