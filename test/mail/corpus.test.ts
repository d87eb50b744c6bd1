import { loginKey } from '../../src/domain/login.js';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMail } from '../../src/domain/mail/index.js';
import type { ServiceContext } from '../../src/services/context.js';
import { ingestMail } from '../../src/services/mail/ingest.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';

import { seedWorld, type World } from '../support/world.js';

/** Every message of the corpus through the real ingestion, with the outcome the rules give it. */
const DIR = 'test/fixtures/mail';
const EXPECTED: Record<string, string> = {
  'gmail-cs-reply-with-quote.eml': 'comment_on_ticket',
  'gmail-en-reply.eml': 'comment_on_ticket',
  'outlook-cs-html-only.eml': 'comment_on_ticket',
  'outlook-en-reply.eml': 'comment_on_ticket',
  'thunderbird-reply.eml': 'comment_on_ticket',
  'outlook-cs-original-message.eml': 'comment_on_ticket',
  'seznam-reply.eml': 'comment_on_ticket',
  'encoded-word-ticket-tag.eml': 'comment_on_ticket',
  'out-of-office-auto-submitted.eml': 'ignore_auto_reply',
  'x-autoreply.eml': 'ignore_auto_reply',
  'precedence-bulk.eml': 'ignore_auto_reply',
  'list-id-newsletter.eml': 'ignore_auto_reply',
  'read-receipt-mdn.eml': 'ignore_auto_reply',
  'own-notification-looped.eml': 'ignore_auto_reply',
  'dsn-bounce.eml': 'ignore_bounce',
  'dsn-bounce-headers-only.eml': 'ignore_bounce',
  'mailer-daemon-bounce.eml': 'ignore_bounce',
  'dmarc-fail.eml': 'reject_unauthorized',
  'multiple-from-addresses.eml': 'reject_unauthorized',
};

let tdb: TestDatabase;
let w: World;
let ctx: ServiceContext;
let files: string[];

beforeAll(async () => {
  tdb = await freshDatabase({ MAIL_TRUSTED_AUTHSERV_ID: 'mx.seyfor.com', MAIL_SENDER_HOURLY_LIMIT: '100' });
  w = await seedWorld(tdb.db);
  ctx = tdb.ctx;
  files = (await readdir(DIR)).filter((f) => f.endsWith('.eml')).sort();
  // every single sender of the corpus is an authorised customer of contract A-1 who sees all its tickets
  const senders = new Set<string>();
  for (const f of files) {
    const m = await parseMail(await readFile(path.join(DIR, f)));
    if (m.from.address && !/^(mailer-daemon|postmaster)@/.test(m.from.address) && m.from.address !== 'helpdesk.tech@seyfor.com') senders.add(m.from.address);
  }
  const hash = (await tdb.db('users').where({ login: 'alice' }).first('password_hash')).password_hash;
  for (const address of senders) {
    const [u] = await tdb.db('users').insert({ login: address, login_key: loginKey(address), name: address, email: address, role: 'customer', password_hash: hash }).returning('id');
    await tdb.db('user_contracts').insert({ user_id: u.id, contract_id: w.contractA, sees_all_tickets: true });
    await tdb.db('authorized_addresses').insert({ address, user_id: u.id, contract_id: w.contractA });
  }
  // ticket 98570 with the notification the replies of the corpus answer
  await tdb.db('tickets').insert({ number: 98570, contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, reporter_id: w.users.alice.id, subject: 'Nefunkční aplikace', description: 'x', state: 'accepted', channel: 'web' });
  await tdb.db('ticket_events').insert([
    { ticket_number: 98570, kind: 'created', to_state: 'new' },
    { ticket_number: 98570, kind: 'state_changed', from_state: 'new', to_state: 'accepted' },
  ]);
  for (const id of ['ticket-98570.1773648720.ab12', 'ticket-98570.1773648720.cd34', 'ticket-98571.1773648760.ef56']) {
    await tdb.db('outbound_mail').insert({ ticket_number: 98570, message_id: `<${id}@helpdesk.seyfor.com>`, to_address: 'alice@example.cz', subject: 'x', text_body: 'x', purpose: 'created', status: 'sent' });
  }
});
afterAll(async () => {
  await tdb.drop();
});

describe('the corpus through the ingestion', () => {
  it('handles every message by the rules, creating tickets and comments only from real requests', async () => {
    const outcomes: Record<string, string> = {};
    for (const f of files) {
      const result = await ingestMail(ctx, await readFile(path.join(DIR, f)), { mailbox: null });
      outcomes[f] = result.outcome;
    }
    const wrong = files.filter((f) => outcomes[f] !== (EXPECTED[f] ?? 'create_ticket')).map((f) => `${f}: ${outcomes[f]}`);
    expect(wrong).toEqual([]);
    expect(await tdb.db('inbound_mail').count('* as n').first()).toEqual({ n: files.length });
  });

  it('answers every message a second time as a duplicate, creating nothing', async () => {
    const tickets = Number((await tdb.db('tickets').count('* as n').first())?.n);
    for (const f of files) expect((await ingestMail(ctx, await readFile(path.join(DIR, f)), { mailbox: null })).outcome).toBe('duplicate');
    expect(Number((await tdb.db('tickets').count('* as n').first())?.n)).toBe(tickets);
  });

  it('stores the unpacked winmail.dat files and the inline image of the corpus', async () => {
    const names = await tdb.db('attachments').pluck('name');
    expect(names).toEqual(expect.arrayContaining(['výkaz práce.txt', 'snimek.png', 'Nabídka servisní smlouvy 2026.pdf', 'Výkaz práce březen.xlsx']));
    expect(await tdb.db('attachments').where({ inline: true }).count('* as n').first()).not.toEqual({ n: 0 });
  });
});
