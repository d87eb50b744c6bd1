import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTicket } from '../../src/services/create-ticket.js';
import { createTransport, MAX_SEND_ATTEMPTS, sendDueMail } from '../../src/mail/outbox.js';
import { acceptTicket } from '../../src/services/transitions.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.js';
import { silenceStaffNotifications } from '../support/staff-mail.js';
import { seedWorld, type World } from '../support/world.js';

let tdb: TestDatabase;
let w: World;
let sink: SmtpSink;
let transport: ReturnType<typeof createTransport>;

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  // these tests count the customers' mail and the outbox's; staff mail: staff-notifications.test.ts
  await silenceStaffNotifications(tdb.db);
  sink = await startSmtpSink();
  transport = createTransport({ host: sink.host, port: sink.port, secure: false });
});
afterAll(async () => {
  transport.close();
  await sink.close();
  await tdb.drop();
});

const open = (subject: string) =>
  createTicket(tdb.ctx, w.users.alice, { contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, contact_phone: '602123456', subject, description: 'x' }).then((t) => t.number);

describe('the outbox worker', () => {
  it('sends pending notifications over SMTP with our Message-ID, threading and loop-prevention headers', async () => {
    sink.clear();
    const n = await open('Notifikace přes SMTP');
    await acceptTicket(tdb.ctx, w.users.agent, n, {});
    const result = await sendDueMail(tdb.db, transport, tdb.ctx.mail);
    expect(result).toEqual({ sent: 2, failed: 0 });
    const rows = await tdb.db('outbound_mail').where({ ticket_number: n }).orderBy('id');
    expect(rows.map((r) => r.status)).toEqual(['sent', 'sent']);
    const second = await sink.waitFor((m) => m.parsed.subject === `[${n}] - Notifikace přes SMTP – Přijato`);
    expect(second.envelope.to).toEqual(['alice@example.cz']);
    expect(second.parsed.messageId).toBe(rows[1].message_id);
    expect(second.parsed.inReplyTo).toBe(rows[0].message_id);
    expect(second.parsed.headers.get('auto-submitted')).toBe('auto-generated');
    expect(second.parsed.headers.get('x-auto-response-suppress')).toBe('All');
    expect(second.parsed.headers.get('x-helpdesk-ticket')).toBe(String(n));
    expect(second.parsed.from?.value[0]?.address).toBe('helpdesk.tech@seyfor.com');
    expect(second.parsed.text).toContain('Přijato');
    expect(second.parsed.html).toContain(`/tickets/${n}`);
  });

  it('keeps mail when the SMTP server is down and delivers it once it is back, never twice', async () => {
    sink.clear();
    const n = await open('Server je dole');
    sink.down();
    const whileDown = await sendDueMail(tdb.db, transport, tdb.ctx.mail);
    expect(whileDown).toEqual({ sent: 0, failed: 1 });
    let row = await tdb.db('outbound_mail').where({ ticket_number: n }).first();
    expect(row).toMatchObject({ status: 'pending', attempts: 1 });
    expect(row.last_error).toBeTruthy();
    expect(row.next_attempt_at.getTime()).toBeGreaterThan(Date.now());
    // not due yet: nothing happens
    sink.up();
    expect(await sendDueMail(tdb.db, transport, tdb.ctx.mail)).toEqual({ sent: 0, failed: 0 });
    await tdb.db('outbound_mail').where({ ticket_number: n }).update({ next_attempt_at: tdb.db.fn.now() });
    expect(await sendDueMail(tdb.db, transport, tdb.ctx.mail)).toEqual({ sent: 1, failed: 0 });
    row = await tdb.db('outbound_mail').where({ ticket_number: n }).first();
    expect(row).toMatchObject({ status: 'sent', attempts: 2 });
    expect(sink.messages.filter((m) => m.parsed.subject?.includes('Server je dole'))).toHaveLength(1);
    expect(await sendDueMail(tdb.db, transport, tdb.ctx.mail)).toEqual({ sent: 0, failed: 0 });
  });

  it('gives up after the last attempt and marks the mail failed', async () => {
    const n = await open('Trvale odmítnuto');
    await tdb.db('outbound_mail').where({ ticket_number: n }).update({ attempts: MAX_SEND_ATTEMPTS - 1 });
    sink.down();
    try {
      await sendDueMail(tdb.db, transport, tdb.ctx.mail);
    } finally {
      sink.up();
    }
    expect((await tdb.db('outbound_mail').where({ ticket_number: n }).first()).status).toBe('failed');
  });

  it('lets two workers share the outbox without sending any mail twice', async () => {
    sink.clear();
    for (let i = 0; i < 6; i++) await open(`Souběh ${i}`);
    const second = createTransport({ host: sink.host, port: sink.port, secure: false });
    try {
      const [a, b] = await Promise.all([
        sendDueMail(tdb.db, transport, tdb.ctx.mail, 3),
        sendDueMail(tdb.db, second, tdb.ctx.mail, 3),
      ]);
      const rest = await sendDueMail(tdb.db, transport, tdb.ctx.mail);
      expect(a.sent + b.sent + rest.sent).toBe(6);
      const subjects = sink.messages.map((m) => m.parsed.subject);
      expect(new Set(subjects).size).toBe(subjects.length);
    } finally {
      second.close();
    }
  });
});
