import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cs } from '../../src/i18n/cs.js';
import { importDocument } from '../../src/services/import/index.js';
import { ingestMail } from '../../src/services/mail/ingest.js';
import { staffQueue } from '../../src/services/reads/lists.js';
import { onePool } from '../../src/services/reads/pools.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { controlCharactersStored } from '../support/snapshot.js';
import { buildApp, login, type Session, visibleText } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';

/*
 * Finding 8 of issue 8: a NUL (or another C0 control character but tab and line breaks) in text
 * is removed on every channel (web forms, url-encoded and multipart, e-mail, the import), never a
 * 500 from PostgreSQL; a form refused for another reason shows what was typed, without it.
 */

let tdb: TestDatabase;
let web: ReturnType<typeof buildApp>;
let w: World;
let staff: Session;
let customer: Session;

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  web = buildApp(tdb);
  staff = await login(web.app, 'agent');
  customer = await login(web.app, 'alice');
});
afterAll(async () => {
  await web?.close();
  await tdb?.drop();
});

const newTicket = (fields: Record<string, string>) => {
  let req = customer.agent.post('/tickets/new').field('_csrf', customer.csrf);
  const all = { contract_id: String(w.contractA), paragraph_id: String(w.paragraphs.A.incident), contact_phone: '602123456', subject: 'S', description: 'D', ...fields };
  for (const [k, v] of Object.entries(all)) req = req.field(k, v);
  return req;
};
const numberOf = (location: string | undefined) => Number(/\/tickets\/(\d+)$/.exec(location ?? '')?.[1]);

describe('NUL and control characters in text', () => {
  it('web forms (multipart and url-encoded): removed from what is stored', async () => {
    const created = await newTicket({ subject: 'Po\u0000rucha\u0007 tisku', description: 'Řádek 1\r\nŘádek\u0000 2\ttab\u001b', contact_phone: '602\u0000123456' });
    expect(created.status).toBe(303);
    const n = numberOf(created.headers.location);
    expect(await tdb.db('tickets').where({ number: n }).first('subject', 'description', 'contact_phone')).toEqual({
      subject: 'Porucha tisku',
      description: 'Řádek 1\nŘádek 2\ttab',
      contact_phone: '+420602123456',
    });

    const message = await customer.agent.post(`/tickets/${n}/messages`).field('_csrf', customer.csrf).field('body', '\u0000Zpráva\u0000 bez NUL');
    expect(message.status).toBe(303);
    const accept = await staff.agent.post(`/tickets/${n}/actions/accept`).type('form').send({ _csrf: staff.csrf });
    expect(accept.status).toBe(303);
    const resolve = await staff.agent.post(`/tickets/${n}/actions/resolve`).type('form').send({ _csrf: staff.csrf, resolution: 'Vyřešeno\u0000.' });
    expect(resolve.status).toBe(303);
    const effort = await staff.agent.post(`/tickets/${n}/effort`).type('form').send({ _csrf: staff.csrf, minutes: '15', note: 'Po\u0000známka' });
    expect(effort.status).toBe(303);
    const complaint = await customer.agent.post(`/tickets/${n}/complaint`).type('form').send({ _csrf: customer.csrf, reason: 'Ne\u0000funguje' });
    expect(complaint.status).toBe(303);
    const uphold = await staff.agent.post(`/tickets/${n}/actions/uphold_complaint`).type('form').send({ _csrf: staff.csrf, target: 'accepted', note: 'Uzná\u0000no' });
    expect(uphold.status).toBe(303);

    const messages = (await tdb.db('ticket_messages').where({ ticket_number: n }).orderBy('id').pluck('body')) as string[];
    expect(messages).toContain('Zpráva bez NUL');
    expect(messages.some((m) => m.includes('Uznáno'))).toBe(true);
    expect(await tdb.db('efforts').where({ ticket_number: n }).first('note')).toEqual({ note: 'Poznámka' });
    expect(await controlCharactersStored(tdb.db)).toBe(0);
  });

  it('a form refused for another reason shows again what was typed, without the NUL', async () => {
    const refused = await newTicket({ subject: 'Můj\u0000 předmět', description: 'Můj popis\u0000', contact_phone: '' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('value="Můj předmět"');
    expect(visibleText(refused.text)).toContain('Můj popis');
    expect(visibleText(refused.text)).toContain(cs.errors.required);
    expect(refused.text).not.toContain('\u0000');

    const form = await staff.agent.post('/tickets/999999/assign').type('form').send({ _csrf: staff.csrf, assignee_id: '1\u0000' });
    expect(form.status).toBe(404);
  });

  it('query strings: the queue text filter and the ticket search', async () => {
    expect((await staff.agent.get(`/staff/queue?text=${encodeURIComponent('Po\u0000rucha')}`)).status).toBe(200);
    expect((await customer.agent.get(`/tickets/search?q=${encodeURIComponent('98\u0000000')}`)).status).not.toBeGreaterThanOrEqual(500);
    // the service itself, whichever channel calls it
    const found = await staffQueue(onePool(tdb.db), w.users.agent, { state: undefined, text: 'Po\u0000rucha' });
    expect(found.rows.map((r) => r.subject)).toContain('Porucha tisku');
  });

  it('e-mail: subject, sender name and text lose them', async () => {
    await tdb.db('authorized_addresses').insert({ address: 'alice@example.cz', user_id: w.users.alice.id, contract_id: w.contractA });
    const raw = Buffer.concat([
      Buffer.from('From: "Ali\u0000ce" <alice@example.cz>\r\nTo: helpdesk.tech@seyfor.com\r\nSubject: Tisk\u0000 nefunguje\u0001\r\n'),
      Buffer.from('Message-ID: <nul-1@example.cz>\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'),
      Buffer.from('Dobrý\u0000 den,\r\ntiskárna\u0007 netiskne.\r\n'),
    ]);
    const result = await ingestMail(tdb.ctx, raw, { mailbox: null });
    expect(result.outcome).toBe('create_ticket');
    const t = await tdb.db('tickets').where({ number: result.ticket }).first('subject', 'description');
    expect(t.subject).toBe('Tisk nefunguje');
    expect(t.description).toBe('Dobrý den,\ntiskárna netiskne.');
    const audit = await tdb.db('inbound_mail').where({ ticket_number: result.ticket }).first('from_raw', 'subject');
    expect(audit.from_raw).not.toContain('\u0000');
    expect(audit.subject).toBe('Tisk nefunguje');
    expect(await controlCharactersStored(tdb.db)).toBe(0);
  });

  it('import: every string of the document loses them (removed, not refused)', async () => {
    const doc = JSON.parse(readFileSync(new URL('../fixtures/import/sample.json', import.meta.url), 'utf8'));
    doc.companies[0].address = 'Traťová\u0000 1, Brno';
    doc.tickets[0].subject = 'Nefunkční\u0000 aplikace';
    doc.tickets[0].description = 'Dobrý den,\u0000 kiosek\u0001 ukazuje chybu.';
    doc.tickets[0].messages[0].body = 'Text\u0000 oznámení';
    doc.tickets[0].messages[1].body = 'Text\u0000 zprávy';
    const summary = await importDocument(tdb.db, doc);
    expect(summary).toBeTruthy();
    expect(await tdb.db('companies').where({ name: doc.companies[0].name }).first('address')).toEqual({ address: 'Traťová 1, Brno' });
    const t = await tdb.db('tickets').where({ number: doc.tickets[0].number }).first('subject', 'description');
    expect(t).toEqual({ subject: 'Nefunkční aplikace', description: 'Dobrý den, kiosek ukazuje chybu.' });
    expect(await tdb.db('ticket_messages').where({ ticket_number: doc.tickets[0].number }).pluck('body')).toContain('Text zprávy');
    expect(await tdb.db('outbound_mail').where({ ticket_number: doc.tickets[0].number }).pluck('text_body')).toContain('Text oznámení');
    expect(await controlCharactersStored(tdb.db)).toBe(0);
  });
});
