import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTicket } from '../../src/services/create-ticket.js';
import { importDocument } from '../../src/services/import/index.js';
import { ingestMail } from '../../src/services/mail/ingest.js';
import { acceptTicket, pauseTicket, resolveTicket } from '../../src/services/transitions.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { silenceStaffNotifications } from '../support/staff-mail.js';
import { seedWorld, type World } from '../support/world.js';

let tdb: TestDatabase;
let w: World;
let seq = 0;

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  // these tests count the customers' mail and the outbox's; staff mail: staff-notifications.test.ts
  await silenceStaffNotifications(tdb.db);
  await tdb.db('authorized_addresses').insert([
    { address: 'alice@example.cz', user_id: w.users.alice.id, contract_id: w.contractA },
    { address: 'bob@example.cz', user_id: w.users.bob.id, contract_id: w.contractB },
  ]);
});
afterAll(async () => {
  await tdb.drop();
});

/** A real-shaped message; headers override the defaults, `null` drops one. */
function mail(opts: { from?: string; subject?: string; body?: string; headers?: Record<string, string | null>; messageId?: string | null }): Buffer {
  seq += 1;
  const headers: Record<string, string | null> = {
    From: opts.from ?? 'Alice Zákaznice <alice@example.cz>',
    To: 'helpdesk.tech@seyfor.com',
    Subject: opts.subject ?? 'Nefunkční aplikace',
    Date: new Date(Date.UTC(2026, 10, 20, 8, seq)).toUTCString(),
    'Message-ID': opts.messageId === null ? null : `<${opts.messageId ?? `m${seq}.${Date.now()}@alfa.example.cz`}>`,
    'MIME-Version': '1.0',
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Transfer-Encoding': '8bit',
    ...opts.headers,
  };
  const head = Object.entries(headers).filter(([, v]) => v !== null).map(([k, v]) => `${k}: ${v}`).join('\r\n');
  return Buffer.from(`${head}\r\n\r\n${(opts.body ?? 'Dobrý den,\naplikace nejde spustit.\nAlice').replace(/\n/g, '\r\n')}\r\n`, 'utf8');
}

const ingest = (raw: Buffer) => ingestMail(tdb.ctx, raw, { mailbox: null, size: raw.length });
const count = async (table: string) => Number((await tdb.db(table).count('* as n').first())?.n);

describe('a new ticket from an authorised address', () => {
  it('creates the ticket on the address’ contract with the default e-mail paragraph and confirms it once to the sender', async () => {
    const result = await ingest(mail({ subject: 'Re: Fw: Nelze uložit dokument', body: 'Dobrý den,\nnelze uložit dokument faktura1.\n\n> citace zůstane' }));
    expect(result).toMatchObject({
      outcome: 'create_ticket',
      title: 'Nelze uložit dokument',
      text: 'Dobrý den,\nnelze uložit dokument faktura1.\n\n> citace zůstane',
      reporter: 'alice@example.cz',
      contract: 'A-1',
      paragraph: 'I1',
      attachments: [],
    });
    expect(result.notifications).toHaveLength(1);
    expect(result.notifications?.[0]).toMatchObject({ to: 'alice@example.cz', subject: `[${result.ticket}] - Založen nový požadavek: Nelze uložit dokument` });
    const t = await tdb.db('tickets').where({ number: result.ticket }).first();
    expect(t).toMatchObject({ channel: 'email', contact_email: 'alice@example.cz', reporter_id: w.users.alice.id, state: 'new' });
    const audit = await tdb.db('inbound_mail').where({ ticket_number: result.ticket }).first();
    expect(audit).toMatchObject({ outcome: 'create_ticket', from_address: 'alice@example.cz', matched_by: 'none' });
  });

  it('files the same message fetched twice as a duplicate and creates nothing more', async () => {
    const raw = mail({ subject: 'Duplicitní doručení' });
    const first = await ingest(raw);
    const tickets = await count('tickets');
    const outbox = await count('outbound_mail');
    const again = await ingest(raw);
    expect(again).toEqual({ outcome: 'duplicate', reason: 'create_ticket', ticket: first.ticket });
    expect(await count('tickets')).toBe(tickets);
    expect(await count('outbound_mail')).toBe(outbox);
  });

  it('treats re-delivery with other trace headers as the same message', async () => {
    const raw = mail({ subject: 'Přes dva servery', messageId: 'trace-1@alfa.example.cz' });
    await ingest(raw);
    const redelivered = Buffer.concat([Buffer.from('Received: from mx2.example.cz by mx.seyfor.com\r\nDelivered-To: helpdesk.tech@seyfor.com\r\n'), raw]);
    expect((await ingest(redelivered)).outcome).toBe('duplicate');
  });
});

describe('follow-ups', () => {
  it('adds a reply with the ticket tag as a comment without the quoted history, and resumes a paused ticket', async () => {
    const created = await ingest(mail({ subject: 'Tiskárna netiskne' }));
    const n = created.ticket!;
    await acceptTicket(tdb.ctx, w.users.agent, n, {});
    await pauseTicket(tdb.ctx, w.users.agent, n, { cooperation: 'Pošlete model tiskárny.' });
    const reply = await ingest(mail({
      subject: `Re: [${n}] - Tiskárna netiskne – Pozastaveno`,
      body: `Je to HP LaserJet 400.\n\nDne 20. 11. 2026 v 10:00 Helpdesk <helpdesk.tech@seyfor.com> napsal(a):\n> Pošlete model tiskárny.`,
    }));
    expect(reply).toMatchObject({ outcome: 'comment_on_ticket', ticket: n, text: 'Je to HP LaserJet 400.' });
    expect((await tdb.db('tickets').where({ number: n }).first()).state).toBe('accepted');
    const msg = await tdb.db('ticket_messages').where({ ticket_number: n, source: 'email' }).first();
    expect(msg.body).toBe('Je to HP LaserJet 400.');
    expect(msg.author_id).toBe(w.users.alice.id);
  });

  it('threads a reply without a tag by In-Reply-To onto the notification it answers', async () => {
    const created = await ingest(mail({ subject: 'Chyba 500' }));
    const notification = await tdb.db('outbound_mail').where({ ticket_number: created.ticket }).first('message_id');
    const reply = await ingest(mail({ subject: 'Odpověď bez čísla', body: 'Doplňuji snímek.', headers: { 'In-Reply-To': notification.message_id, References: notification.message_id } }));
    expect(reply).toMatchObject({ outcome: 'comment_on_ticket', ticket: created.ticket });
    expect((await tdb.db('inbound_mail').orderBy('id', 'desc').first()).matched_by).toBe('in_reply_to');
  });

  it('never comments on another company’s ticket: the mail becomes a new ticket that does not mention it', async () => {
    const bobs = (await createTicket(tdb.ctx, w.users.bob, { contract_id: w.contractB, paragraph_id: w.paragraphs.B.incident, contact_phone: '602123456', subject: 'Tajné Beta', description: 'x' })).number;
    const result = await ingest(mail({ subject: `Re: [${bobs}] cizí požadavek`, body: 'Zkouším cizí číslo.' }));
    expect(result.outcome).toBe('create_ticket');
    expect(result.ticket).not.toBe(bobs);
    expect(result.contract).toBe('A-1');
    expect(JSON.stringify(result.notifications)).not.toContain('Tajné Beta');
    expect(await tdb.db('ticket_messages').where({ ticket_number: bobs }).count('* as n').first()).toEqual({ n: 0 });
  });

  it('opens a new ticket that links to a resolved one instead of commenting on it', async () => {
    const created = await ingest(mail({ subject: 'Vyřešený problém' }));
    await acceptTicket(tdb.ctx, w.users.agent, created.ticket!, {});
    await resolveTicket(tdb.ctx, w.users.agent, created.ticket!, { resolution: 'Hotovo.' });
    const result = await ingest(mail({ subject: `Re: [${created.ticket}] Vyřešený problém`, body: 'Problém se vrátil.' }));
    expect(result.outcome).toBe('create_ticket');
    const linked = await tdb.db('ticket_events').where({ ticket_number: result.ticket, kind: 'linked' }).first();
    expect(linked.data).toEqual({ follows: created.ticket });
  });
});

describe('mail that must not create anything', () => {
  it('rejects an unauthorised sender silently: no ticket, no reply, an audit row', async () => {
    const tickets = await count('tickets');
    const outbox = await count('outbound_mail');
    const result = await ingest(mail({ from: 'Cizí <nekdo@spam.example>', subject: 'Koupte si' }));
    expect(result).toEqual({ outcome: 'reject_unauthorized', reason: 'not_authorized' });
    expect(await count('tickets')).toBe(tickets);
    expect(await count('outbound_mail')).toBe(outbox);
    expect((await tdb.db('inbound_mail').where({ from_address: 'nekdo@spam.example' }).first()).outcome).toBe('reject_unauthorized');
  });

  it('ignores an out-of-office reply to a paused ticket: no comment and the ticket stays paused', async () => {
    const created = await ingest(mail({ subject: 'Čeká na součinnost' }));
    await acceptTicket(tdb.ctx, w.users.agent, created.ticket!, {});
    await pauseTicket(tdb.ctx, w.users.agent, created.ticket!, { cooperation: 'Potřebujeme přístup.' });
    const result = await ingest(mail({ subject: `Automatická odpověď: [${created.ticket}]`, body: 'Jsem na dovolené.', headers: { 'Auto-Submitted': 'auto-replied' } }));
    expect(result.outcome).toBe('ignore_auto_reply');
    expect((await tdb.db('tickets').where({ number: created.ticket }).first()).state).toBe('paused');
  });

  it('ignores our own notification coming back', async () => {
    const result = await ingest(mail({ from: 'helpdesk.tech@seyfor.com', subject: '[98000] - Založen nový požadavek', messageId: 'hd-notif.98000.x@helpdesk.seyfor.com' }));
    expect(result).toMatchObject({ outcome: 'ignore_auto_reply', reason: 'own_message' });
  });

  it('ignores a bounce and marks the notification it returns as undelivered', async () => {
    const created = await ingest(mail({ subject: 'Neplatná adresa' }));
    const sent = await tdb.db('outbound_mail').where({ ticket_number: created.ticket }).first('message_id');
    const dsn = Buffer.from([
      'From: Mail Delivery System <MAILER-DAEMON@mx.alfa.example.cz>',
      'To: helpdesk.tech@seyfor.com',
      'Subject: Undelivered Mail Returned to Sender',
      `Message-ID: <dsn${Date.now()}@mx.alfa.example.cz>`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'Delivery failed.',
      '--b1',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.alfa.example.cz',
      '',
      'Final-Recipient: rfc822; alice@example.cz',
      'Action: failed',
      'Status: 5.1.1',
      '--b1',
      'Content-Type: text/rfc822-headers',
      '',
      `Message-ID: ${sent.message_id}`,
      'Subject: x',
      '--b1--',
      '',
    ].join('\r\n'));
    const result = await ingest(dsn);
    expect(result.outcome).toBe('ignore_bounce');
    expect((await tdb.db('outbound_mail').where({ message_id: sent.message_id }).first()).status).toBe('delivery_failed');
  });

  it('rejects mail whose trusted Authentication-Results say DMARC failed', async () => {
    const strict = { ...tdb.ctx, inbound: { trustedAuthservId: 'mx.seyfor.com', requireDmarcPass: false, ticketIdDigits: { min: 5, max: 8 }, senderHourlyLimit: 20, maxMessageBytes: 1e7, maxAttempts: 5 } };
    const raw = mail({ subject: 'Podvržený', headers: { 'Authentication-Results': 'mx.seyfor.com; spf=fail smtp.mailfrom=example.cz; dkim=none; dmarc=fail header.from=example.cz' } });
    const result = await ingestMail(strict, raw, { mailbox: null });
    expect(result).toEqual({ outcome: 'reject_unauthorized', reason: 'spoofed' });
  });
});

describe('charsets', () => {
  it('decodes a windows-1250 body and an RFC 2047 ISO-8859-2 subject', async () => {
    const head = [
      'From: alice@example.cz', 'To: helpdesk.tech@seyfor.com', `Message-ID: <cp1250-${Date.now()}@alfa.example.cz>`,
      'Subject: =?iso-8859-2?Q?P=F8=EDli=B9_=BElu=BBou=E8k=FD_k=F9=F2?=', 'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=windows-1250', 'Content-Transfer-Encoding: 8bit', '', '',
    ].join('\r\n');
    const body = Buffer.from([0x50, 0xf8, 0xed, 0x6c, 0x69, 0x9a, 0x20, 0x9e, 0x6c, 0x75, 0x9d, 0x6f, 0x75, 0xe8, 0x6b, 0xfd]); // "Příliš žluťoučký" in cp1250
    const result = await ingest(Buffer.concat([Buffer.from(head), body, Buffer.from('\r\n')]));
    expect(result.title).toBe('Příliš žluťoučký kůň');
    expect(result.text).toBe('Příliš žluťoučký');
  });
});

describe('mailgate command', () => {
  it('runs the same ingestion on standard input and prints the outcome as the last line of JSON', async () => {
    const raw = mail({ subject: 'Z MTA roury' });
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/mailgate.ts'], { env: { ...process.env, DATABASE_URL: tdb.url }, stdio: ['pipe', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('close', (c) => resolve({ code: c, stdout: out }));
      child.stdin.end(raw);
    });
    expect(code).toBe(0);
    const last = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(last).toMatchObject({ outcome: 'create_ticket', title: 'Z MTA roury', reporter: 'alice@example.cz', contract: 'A-1', paragraph: 'I1' });
    expect(await tdb.db('tickets').where({ number: last.ticket, channel: 'email' }).count('* as n').first()).toEqual({ n: 1 });
  }, 60_000);
});

describe('replies to mail of the old system', () => {
  it('threads a reply to an imported notification onto the imported ticket, like a reply to our own', async () => {
    const imported = await freshDatabase();
    try {
      const doc = JSON.parse(await readFile('test/fixtures/import/sample.json', 'utf8'));
      await importDocument(imported.db, doc);
      const reply = Buffer.from([
        'From: Jana Nováková <jana.novakova@kiosky.cz>', 'To: helpdesk.tech@seyfor.com', 'Subject: Re: Nefunkční aplikace',
        `Message-ID: <reply-${Date.now()}@mail.kiosky.cz>`, 'In-Reply-To: <hd-notif.98570.3.4f8a1c0e@helpdesk.seyfor.com>',
        'References: <hd-notif.98570.3.4f8a1c0e@helpdesk.seyfor.com>', 'Date: Mon, 16 Nov 2026 09:00:00 +0100',
        'Content-Type: text/plain; charset=utf-8', '', 'Posílám požadované údaje.', '',
      ].join('\r\n'));
      const result = await ingestMail(imported.ctx, reply, { mailbox: null });
      expect(result).toMatchObject({ outcome: 'comment_on_ticket', ticket: 98570, text: 'Posílám požadované údaje.' });
      const ref = Buffer.from([
        'From: jana.novakova@kiosky.cz', 'To: helpdesk.tech@seyfor.com', 'Subject: Doplnění',
        `Message-ID: <reply2-${Date.now()}@mail.kiosky.cz>`, 'In-Reply-To: <CAF1x2y3z@mail.kiosky.cz>', 'Date: Mon, 16 Nov 2026 10:00:00 +0100',
        'Content-Type: text/plain; charset=utf-8', '', 'Ještě jedna věc.', '',
      ].join('\r\n'));
      expect(await ingestMail(imported.ctx, ref, { mailbox: null })).toMatchObject({ outcome: 'comment_on_ticket', ticket: 98570 });
    } finally {
      await imported.drop();
    }
  });
});

describe('too large mail', () => {
  it('creates nothing and tells an authorised sender once, without downloading the body', async () => {
    const header = mail({ subject: 'Obrovská příloha', body: '' });
    const tickets = await count('tickets');
    const result = await ingestMail(tdb.ctx, header, { mailbox: 'INBOX', uid: 77, size: 50 * 1024 * 1024 });
    expect(result.outcome).toBe('too_large');
    expect(result.notifications).toEqual([{ to: 'alice@example.cz', subject: 'Zprávu nelze přijmout: Obrovská příloha', text: expect.stringContaining('větší než 25 MB') }]);
    expect(await count('tickets')).toBe(tickets);
    const forged = await ingestMail(tdb.ctx, mail({ from: 'cizi@spam.example', subject: 'Velký spam' }), { mailbox: 'INBOX', uid: 78, size: 50 * 1024 * 1024 });
    expect(forged).toEqual({ outcome: 'too_large', reason: `size ${50 * 1024 * 1024} > ${25 * 1024 * 1024}` });
    expect((await tdb.db('mailbox_state').where({ mailbox: 'INBOX' }).first()).last_uid).toBe(78);
  });
});

describe('mail beyond the form limits', () => {
  it('cuts an over-long subject and body instead of failing the message', async () => {
    const long = 'Velmi dlouhý předmět '.repeat(20);
    const result = await ingest(mail({ subject: long, body: 'x'.repeat(60_000) }));
    expect(result.outcome).toBe('create_ticket');
    expect(result.title?.length).toBe(255);
    expect(result.text?.length).toBe(50_000);
    expect(result.text?.endsWith('[…zkráceno]')).toBe(true);
  });
});

describe('too large mail in the sender’s language', () => {
  it('tells an authorised sender whose language is en in English', async () => {
    await tdb.db('users').where({ id: w.users.alice.id }).update({ language: 'en' });
    try {
      const result = await ingestMail(tdb.ctx, mail({ subject: 'Huge attachment', body: '' }), { mailbox: 'INBOX', uid: 90, size: 50 * 1024 * 1024 });
      expect(result.outcome).toBe('too_large');
      expect(result.notifications).toEqual([{ to: 'alice@example.cz', subject: 'Your message could not be accepted: Huge attachment', text: expect.stringContaining('larger than 25 MB') }]);
    } finally {
      await tdb.db('users').where({ id: w.users.alice.id }).update({ language: null });
    }
  });
});
