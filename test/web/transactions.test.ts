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

const counts = async () => ({
  tickets: Number((await tdb.db('tickets').count('* as n').first())?.n),
  messages: Number((await tdb.db('ticket_messages').count('* as n').first())?.n),
  events: Number((await tdb.db('ticket_events').count('* as n').first())?.n),
  attachments: Number((await tdb.db('attachments').count('* as n').first())?.n),
});

describe('one use case, one transaction', () => {
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
    const n = await createTicket(tdb.ctx, w.users.alice, { contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, contact_phone: '602123456', subject: 'Pauza', description: 'x' });
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
