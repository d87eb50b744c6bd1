import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestMail, recordMailFailure } from '../../src/services/mail/ingest.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, login, type Session, visibleText } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';

let tdb: TestDatabase;
let w: World;
let web: ReturnType<typeof buildApp>;
let staff: Session;

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  await tdb.db('authorized_addresses').insert({ address: 'alice@example.cz', user_id: w.users.alice.id, contract_id: w.contractA });
  web = buildApp(tdb);
  staff = await login(web.app, 'agent');
});
afterAll(async () => {
  await web.close();
  await tdb.drop();
});

const raw = (subject: string) =>
  Buffer.from(`From: alice@example.cz\r\nTo: helpdesk.tech@seyfor.com\r\nSubject: ${subject}\r\nMessage-ID: <${encodeURIComponent(subject)}.${Date.now()}@alfa.example.cz>\r\nDate: Fri, 20 Nov 2026 09:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nText zprávy.\r\n`);

/** A message whose processing failed as often as allowed ends in the quarantine. */
async function quarantined(subject: string): Promise<number> {
  const ctx = { ...tdb.ctx, inbound: { ...tdb.ctx.inbound, maxAttempts: 2 } };
  const message = raw(subject);
  expect(await recordMailFailure(ctx, message, { mailbox: 'INBOX', uid: 1 }, new Error('database timeout'))).toEqual({ attempts: 1, quarantined: false });
  expect(await recordMailFailure(ctx, message, { mailbox: 'INBOX', uid: 1 }, new Error('database timeout'))).toEqual({ attempts: 2, quarantined: true });
  return (await tdb.db('inbound_mail').where({ subject }).first('id')).id;
}

describe('staff pages of the e-mail channel', () => {
  it('lists every fetched message in the audit log with its outcome', async () => {
    await ingestMail(tdb.ctx, raw('Do auditu'), { mailbox: null });
    await ingestMail(tdb.ctx, Buffer.from('From: cizi@spam.example\r\nSubject: Spam\r\nMessage-ID: <s1@spam.example>\r\n\r\nx\r\n'), { mailbox: null });
    const page = visibleText((await staff.agent.get('/staff/mail')).text);
    expect(page).toContain('alice@example.cz Do auditu založen požadavek');
    expect(page).toContain('cizi@spam.example Spam neautorizovaný odesílatel odesílatel není uživatelem portálu');
    const filtered = visibleText((await staff.agent.get('/staff/mail?outcome=reject_unauthorized')).text);
    expect(filtered).toContain('Spam');
    expect(filtered).not.toContain('Do auditu');
  });

  it('releases a quarantined message: it is ingested again and becomes a ticket', async () => {
    const id = await quarantined('Uvolnit z karantény');
    const list = visibleText((await staff.agent.get('/staff/mail?quarantine=1')).text);
    expect(list).toContain('Uvolnit z karantény karanténa zpracování opakovaně selhalo – database timeout');
    const res = await staff.agent.post(`/staff/mail/${id}/release`).type('form').send({ _csrf: staff.csrf });
    expect(res.status).toBe(303);
    const row = await tdb.db('inbound_mail').where({ id }).first();
    expect(row).toMatchObject({ outcome: 'create_ticket', review: 'released' });
    expect(await tdb.db('tickets').where({ number: row.ticket_number, subject: 'Uvolnit z karantény' }).count('* as n').first()).toEqual({ n: 1 });
    const raw = await staff.agent.get(`/staff/mail/${id}/raw`);
    expect(raw.headers['content-disposition']).toContain(`mail-${id}.eml`);
  });

  it('discards a quarantined message, keeping it in the log', async () => {
    const id = await quarantined('Zahodit');
    expect((await staff.agent.post(`/staff/mail/${id}/discard`).type('form').send({ _csrf: staff.csrf })).status).toBe(303);
    expect(await tdb.db('inbound_mail').where({ id }).first('outcome', 'review')).toEqual({ outcome: 'quarantine', review: 'discarded' });
    expect((await staff.agent.post(`/staff/mail/${id}/release`).type('form').send({ _csrf: staff.csrf })).status).toBe(409);
  });

  it('is not there for customers', async () => {
    const customer = await login(web.app, 'alice');
    expect((await customer.agent.get('/staff/mail')).status).toBe(404);
  });
});
