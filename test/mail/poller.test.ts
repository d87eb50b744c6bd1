/**
 * The IMAP poller (src/mail/poller.ts, EMAIL.md §4.1) against a real, private Dovecot
 * (test/support/dovecot.ts) and a migrated PostgreSQL of this file's own, with the REAL
 * ingestion wired as src/jobs.ts wires it: `ingestMail(ctx, …)` / `recordMailFailure(ctx, …)`
 * on the context `serviceContext()` builds from the configuration. The tests assert on the
 * tickets, inbound_mail, outbound_mail and mailbox_state rows and on the IMAP folders.
 *
 * The ingestion is only observed (every call is recorded, then handed on unchanged). Where a
 * failure must be injected, it is injected under the real ingestion: a trigger makes the
 * ticket insert of chosen subjects raise, so ingestMail's transaction rolls back and the real
 * recordMailFailure counts the attempt. A crash between the commit and the MOVE is the poller's
 * own test hook (`beforeFile`).
 *
 * Each test uses an IMAP user of its own (`tN@test.local`, password `secret`), so every test starts
 * with an empty INBOX whose UIDs begin at 1; its Message-IDs carry the user (`<a1@tN.test.local>`)
 * so the dedupe keys of different tests never meet. mailbox_state is keyed by the mailbox name,
 * so it is emptied before every test.
 *
 * The IMAP helpers fail the test on any IMAP error (a folder that does not exist included):
 * "the INBOX is empty" is only ever read from a working server.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { serviceContext } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';
import { createMailPoller, type MailPoller, type MailPollerOptions } from '../../src/mail/poller.js';
import type { ServiceContext } from '../../src/services/context.js';
import { ingestMail, recordMailFailure } from '../../src/services/mail/ingest.js';
import type { IngestResult, MailSource } from '../../src/services/mail/types.js';
import type { MailFolder } from '../../src/mail/folders.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { dovecotAvailable, startDovecot, type DovecotServer } from '../support/dovecot.js';
import { seedWorld, type World } from '../support/world.js';

const enabled = dovecotAvailable('mail poller (test/mail/poller.test.ts)');

const FOLDERS: Record<MailFolder, string> = {
  processed: 'Helpdesk/Processed',
  ignored: 'Helpdesk/Ignored',
  rejected: 'Helpdesk/Rejected',
  quarantine: 'Helpdesk/Quarantine',
};
const imapPath = (f: string) => f.split('/');
const fixturesDir = path.resolve(import.meta.dirname, '../fixtures/mail');

let t: TestDatabase;
let dovecot: DovecotServer;
let world: World;
let userSeq = 0;

/** The use cases' context as npm start builds it (src/bootstrap.ts), with the poller's settings. */
function contextFor(env: Record<string, string> = {}): ServiceContext {
  const config = loadConfig({
    NODE_ENV: 'test',
    SEED_DEMO: 'false',
    MAIL_MAX_ATTEMPTS: '3',
    // every test writes from the same authorised address; the hourly limit has a test of its own
    MAIL_SENDER_HOURLY_LIMIT: '100000',
    ...env,
  });
  return serviceContext(t.db, config);
}

// ---- messages ---------------------------------------------------------------------------------

interface Mailbox {
  user: string;
  /** the Message-ID domain of this test's mail */
  domain: string;
}

interface MsgSpec {
  id: string;
  subject?: string;
  from?: string;
  text?: string;
  headers?: Record<string, string>;
}

/** An authorised sender's request unless `from` says otherwise. */
async function message(box: Mailbox, spec: MsgSpec): Promise<Buffer> {
  return new MailComposer({
    from: spec.from ?? 'Jan Novák <jan.novak@example.cz>',
    to: 'helpdesk.tech@seyfor.com',
    subject: spec.subject ?? `Požadavek ${spec.id}`,
    text: spec.text ?? `Dobrý den,\nnefunguje mi tisk faktur (${spec.id}).\n\nS pozdravem\nJan Novák\n`,
    messageId: `<${spec.id}@${box.domain}>`,
    date: new Date('2026-11-20T09:00:00Z'),
    headers: spec.headers,
  })
    .compile()
    .build();
}

// ---- IMAP helpers (every IMAP error fails the test) ---------------------------------------------

function newMailbox(): Mailbox {
  userSeq++;
  return { user: `t${userSeq}@test.local`, domain: `t${userSeq}.test.local` };
}

async function withImap<T>(user: string, fn: (c: ImapFlow) => Promise<T>, server: DovecotServer = dovecot): Promise<T> {
  const c = new ImapFlow({ host: server.host, port: server.port, secure: false, auth: { user, pass: 'secret' }, logger: false });
  // the failing command rejects; the event only must not crash the runner
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.logout().catch(() => c.close());
  }
}

async function append(user: string, raws: Buffer[], mailbox: string | string[] = 'INBOX', server: DovecotServer = dovecot): Promise<number[]> {
  return withImap(
    user,
    async (c) => {
      const uids: number[] = [];
      for (const raw of raws) {
        const res = await c.append(mailbox, raw, [], new Date());
        if (!res || !res.uid) throw new Error(`APPEND to ${String(mailbox)} returned no UID`);
        uids.push(res.uid);
      }
      return uids;
    },
    server,
  );
}

interface Listed {
  uid: number;
  messageId: string;
  seen: boolean;
}

/**
 * The messages of a folder. Rejects on any IMAP error — a folder that does not exist is an error
 * too (the poller creates its folders before every run), so a broken server never reads as empty.
 */
async function contents(user: string, folder: string | string[], server: DovecotServer = dovecot): Promise<Listed[]> {
  return withImap(
    user,
    async (c) => {
      const lock = await c.getMailboxLock(folder);
      try {
        const exists = c.mailbox ? c.mailbox.exists : undefined;
        if (exists === undefined) throw new Error(`could not select ${String(folder)}`);
        if (exists === 0) return [];
        const rows = await c.fetchAll('1:*', { uid: true, envelope: true, flags: true });
        if (rows.length !== exists) throw new Error(`FETCH returned ${rows.length} of ${exists} messages in ${String(folder)}`);
        return rows.map((r) => ({ uid: r.uid, messageId: r.envelope?.messageId ?? '', seen: r.flags?.has('\\Seen') ?? false }));
      } finally {
        lock.release();
      }
    },
    server,
  );
}

const ids = (list: Listed[]) => list.map((m) => m.messageId.replace(/^<|@.*$/g, '')).sort();

// ---- the real ingestion, observed ---------------------------------------------------------------

interface Observed {
  calls: { uid: number; mailbox: string | null; rawBytes: number; size: number | null }[];
  results: IngestResult[];
  ingest: MailPollerOptions['ingest'];
  recordFailure: MailPollerOptions['recordFailure'];
}

/** ingestMail / recordMailFailure exactly as src/jobs.ts passes them to the poller; calls are recorded. */
function realIngestion(ctx: ServiceContext): Observed {
  const calls: Observed['calls'] = [];
  const results: IngestResult[] = [];
  return {
    calls,
    results,
    ingest: async (raw: Buffer, source: MailSource) => {
      calls.push({ uid: source.uid ?? -1, mailbox: source.mailbox, rawBytes: raw.length, size: source.size ?? null });
      const result = await ingestMail(ctx, raw, source);
      results.push(result);
      return result;
    },
    recordFailure: (raw: Buffer, source: MailSource, error: unknown) => recordMailFailure(ctx, raw, source, error),
  };
}

function poller(user: string, ingestion: Pick<Observed, 'ingest' | 'recordFailure'>, extra: Partial<MailPollerOptions> = {}): MailPoller {
  return createMailPoller({
    db: t.db,
    imap: { host: dovecot.host, port: dovecot.port, secure: false, user, password: 'secret' },
    mailbox: 'INBOX',
    folders: FOLDERS,
    maxMessageBytes: 25 * 1024 * 1024,
    maxAttempts: 3,
    pollSeconds: 60,
    ingest: ingestion.ingest,
    recordFailure: ingestion.recordFailure,
    log: () => undefined,
    backoff: { baseMs: 50, maxMs: 200, reconnectBaseMs: 100, reconnectMaxMs: 400 },
    ...extra,
  });
}

// ---- database views -----------------------------------------------------------------------------

async function state(mailbox = 'INBOX'): Promise<{ uidvalidity: number; last_uid: number } | undefined> {
  const row = await t.db('mailbox_state').where({ mailbox }).first('uidvalidity', 'last_uid');
  return row && { uidvalidity: Number(row.uidvalidity), last_uid: Number(row.last_uid) };
}

interface AuditRow {
  id: string;
  uid: number;
  uidvalidity: number;
  outcome: string;
  reason: string | null;
  ticket: number | null;
  attempts: number;
  review: string | null;
  size: number | null;
  raw_sha256: string | null;
  last_error: string | null;
}

/** The inbound_mail rows of one test's mail, by their short id ('a1'). */
async function audit(box: Mailbox): Promise<Record<string, AuditRow>> {
  const rows = await t.db('inbound_mail').whereLike('message_id', `%@${box.domain}`).orderBy('id');
  return Object.fromEntries(
    rows.map((r) => [
      String(r.message_id).replace(/@.*$/, ''),
      {
        id: String(r.id),
        uid: Number(r.uid),
        uidvalidity: Number(r.uidvalidity),
        outcome: r.outcome,
        reason: r.reason,
        ticket: r.ticket_number === null ? null : Number(r.ticket_number),
        attempts: Number(r.attempts),
        review: r.review,
        size: r.size,
        raw_sha256: r.raw_sha256,
        last_error: r.last_error,
      },
    ]),
  );
}

/** Tickets created from this test's mail: number → subject, channel, reporter. */
async function ticketsOf(box: Mailbox) {
  const rows = await t.db('tickets as t')
    .join('inbound_mail as m', 'm.ticket_number', 't.number')
    .whereLike('m.message_id', `%@${box.domain}`)
    .distinct('t.number', 't.subject', 't.channel', 't.reporter_id', 't.contract_id', 't.state')
    .orderBy('t.number');
  return rows.map((r) => ({ ...r, number: Number(r.number) }));
}

async function outboxOf(tickets: number[]): Promise<number> {
  if (tickets.length === 0) return 0;
  return Number((await t.db('outbound_mail').whereIn('ticket_number', tickets).count('* as n').first())?.n);
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 20_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// ---- the suite --------------------------------------------------------------------------------

describe.skipIf(!enabled)('mail poller against Dovecot, with the real ingestion', () => {
  let ctx: ServiceContext;

  beforeAll(async () => {
    [t, dovecot] = await Promise.all([freshDatabase(), startDovecot()]);
    world = await seedWorld(t.db);
    await t.db('authorized_addresses').insert([
      { address: 'jan.novak@example.cz', user_id: world.users.alice.id, contract_id: world.contractA },
      { address: 'jan.novak@firma.cz', user_id: world.users.alice.id, contract_id: world.contractA },
    ]);
    // failure injection under the real ingestion: creating a ticket with a listed subject raises
    await t.db.raw(`
      create table test_failing_subjects (subject text primary key);
      create function test_fail_ticket() returns trigger language plpgsql as $$
      begin
        if exists (select 1 from test_failing_subjects f where f.subject = new.subject) then
          raise exception 'simulated storage failure for %', new.subject;
        end if;
        return new;
      end $$;
      create trigger test_fail_ticket before insert on tickets for each row execute function test_fail_ticket();
    `);
    ctx = contextFor();
  });

  afterAll(async () => {
    dovecot?.stop();
    await t?.drop();
  });

  beforeEach(async () => {
    await t.db.raw('truncate mailbox_state, test_failing_subjects');
  });

  it('the IMAP helpers fail on IMAP errors instead of reading an empty mailbox', async () => {
    const box = newMailbox();
    await append(box.user, [await message(box, { id: 'h1' })]);
    expect(ids(await contents(box.user, 'INBOX'))).toEqual(['h1']);
    // a folder that does not exist is an error, not an empty list
    await expect(contents(box.user, ['Helpdesk', 'DoesNotExist'])).rejects.toThrow();
    // a server that is gone is an error, not an empty list
    const gone = await startDovecot();
    gone.stop();
    await expect(contents(box.user, 'INBOX', gone)).rejects.toThrow();
  });

  it('ingests in ascending UID order, once per message, and files into the outcome folder with \\Seen', async () => {
    const box = newMailbox();
    const raws = [
      await message(box, { id: 'a1' }),
      await message(box, { id: 'a2' }),
      await message(box, { id: 'a3', subject: 'Automatická odpověď: Požadavek', headers: { 'Auto-Submitted': 'auto-replied' } }),
      await message(box, { id: 'a4', from: 'Cizí <nekdo@cizi.example.org>' }),
      await message(box, { id: 'a5' }),
    ];
    expect(await append(box.user, raws)).toEqual([1, 2, 3, 4, 5]);
    const real = realIngestion(ctx);
    const p = poller(box.user, real, { batchSize: 2 });

    const r1 = await p.runOnce();
    expect(r1).toMatchObject({ skipped: false, ingested: 2, remaining: 3, lastUid: 2, failed: null });
    const r2 = await p.runOnce();
    const r3 = await p.runOnce();
    expect(r2.ingested + r3.ingested).toBe(3);
    expect(r3.remaining).toBe(0);

    expect(real.calls.map((c) => c.uid)).toEqual([1, 2, 3, 4, 5]);
    expect(real.calls.every((c) => c.mailbox === 'INBOX')).toBe(true);
    expect(real.results.map((r) => r.outcome)).toEqual(['create_ticket', 'create_ticket', 'ignore_auto_reply', 'reject_unauthorized', 'create_ticket']);

    const rows = await audit(box);
    expect(Object.fromEntries(Object.entries(rows).map(([k, r]) => [k, [r.uid, r.outcome]]))).toEqual({
      a1: [1, 'create_ticket'],
      a2: [2, 'create_ticket'],
      a3: [3, 'ignore_auto_reply'],
      a4: [4, 'reject_unauthorized'],
      a5: [5, 'create_ticket'],
    });
    const tickets = await ticketsOf(box);
    expect(tickets.map((x) => x.subject)).toEqual(['Požadavek a1', 'Požadavek a2', 'Požadavek a5']);
    expect(tickets.every((x) => x.channel === 'email' && x.reporter_id === world.users.alice.id && x.contract_id === world.contractA && x.state === 'new')).toBe(true);
    expect([rows.a1?.ticket, rows.a2?.ticket, rows.a5?.ticket]).toEqual(tickets.map((x) => x.number));
    expect(await state()).toMatchObject({ last_uid: 5 });

    expect(await contents(box.user, 'INBOX')).toEqual([]);
    const processed = await contents(box.user, imapPath(FOLDERS.processed));
    expect(ids(processed)).toEqual(['a1', 'a2', 'a5']);
    expect(processed.every((m) => m.seen)).toBe(true);
    const ignored = await contents(box.user, imapPath(FOLDERS.ignored));
    expect(ids(ignored)).toEqual(['a3']);
    expect(ignored.every((m) => m.seen)).toBe(true);
    expect(ids(await contents(box.user, imapPath(FOLDERS.rejected)))).toEqual(['a4']);
    expect(await contents(box.user, imapPath(FOLDERS.quarantine))).toEqual([]);

    // nothing left: another run does nothing
    const r4 = await p.runOnce();
    expect(r4).toMatchObject({ ingested: 0, refiled: 0, remaining: 0 });
    expect(real.calls).toHaveLength(5);
  });

  it('a crash between the ingest commit and the MOVE loses nothing and duplicates nothing', async () => {
    const box = newMailbox();
    await append(box.user, [
      await message(box, { id: 'c1' }),
      await message(box, { id: 'c2', headers: { 'Auto-Submitted': 'auto-replied' } }),
      await message(box, { id: 'c3' }),
    ]);
    const real = realIngestion(ctx);
    let crash = true;
    const p = poller(box.user, real, {
      beforeFile: () => {
        if (crash) throw new Error('simulated crash before MOVE');
      },
    });
    await expect(p.runOnce()).rejects.toThrow('simulated crash before MOVE');
    // committed: tickets, audit rows, notifications and last_uid — but the mail is still in the INBOX, unflagged
    expect(await state()).toMatchObject({ last_uid: 3 });
    const committed = await audit(box);
    expect(Object.fromEntries(Object.entries(committed).map(([k, r]) => [k, r.outcome]))).toEqual({ c1: 'create_ticket', c2: 'ignore_auto_reply', c3: 'create_ticket' });
    const tickets = (await ticketsOf(box)).map((x) => x.number);
    expect(tickets).toHaveLength(2);
    const outbox = await outboxOf(tickets);
    expect(outbox).toBeGreaterThan(0);
    const inbox = await contents(box.user, 'INBOX');
    expect(inbox.map((m) => m.uid)).toEqual([1, 2, 3]);
    expect(inbox.some((m) => m.seen)).toBe(false);

    crash = false;
    const r = await p.runOnce();
    expect(r).toMatchObject({ refiled: 3, ingested: 0, outcomes: { duplicate: 3 }, lastUid: 3, failed: null });
    expect(real.calls.map((c) => c.uid)).toEqual([1, 2, 3, 1, 2, 3]);
    // the re-ingestion created nothing: same tickets, same audit rows, no second notification
    expect((await ticketsOf(box)).map((x) => x.number)).toEqual(tickets);
    expect(await audit(box)).toEqual(committed);
    expect(await outboxOf(tickets)).toBe(outbox);
    // filed where the first copy belonged
    expect(await contents(box.user, 'INBOX')).toEqual([]);
    expect(ids(await contents(box.user, imapPath(FOLDERS.processed)))).toEqual(['c1', 'c3']);
    expect(ids(await contents(box.user, imapPath(FOLDERS.ignored)))).toEqual(['c2']);
    expect(await state()).toMatchObject({ last_uid: 3 });

    // new mail afterwards is ingested once, leftovers are not re-run again
    await append(box.user, [await message(box, { id: 'c4' })]);
    const r2 = await p.runOnce();
    expect(r2).toMatchObject({ refiled: 0, ingested: 1, lastUid: 4, outcomes: { create_ticket: 1 } });
    expect(real.calls.map((c) => c.uid)).toEqual([1, 2, 3, 1, 2, 3, 4]);
    expect(await ticketsOf(box)).toHaveLength(3);
  });

  it('a UIDVALIDITY change (folder deleted and recreated) rescans from UID 1 without duplicates', async () => {
    const box = newMailbox();
    const folder = 'Support';
    await withImap(box.user, (c) => c.mailboxCreate(folder));
    await append(box.user, [await message(box, { id: 'v1' }), await message(box, { id: 'v2' }), await message(box, { id: 'v3' })], folder);
    const real = realIngestion(ctx);
    const p = poller(box.user, real, { mailbox: folder });
    const r1 = await p.runOnce();
    expect(r1).toMatchObject({ ingested: 3, lastUid: 3, uidvalidityChanged: false, outcomes: { create_ticket: 3 } });
    const before = await state(folder);
    const firstTickets = (await ticketsOf(box)).map((x) => x.number);
    expect(firstTickets).toHaveLength(3);

    // the server lost its index / the folder was restored from a backup: new UIDVALIDITY, UIDs from 1
    await withImap(box.user, async (c) => {
      await c.mailboxDelete(folder);
      await c.mailboxCreate(folder);
    });
    expect(await append(box.user, [await message(box, { id: 'v1' }), await message(box, { id: 'v4' })], folder)).toEqual([1, 2]);

    const r2 = await p.runOnce();
    expect(r2.uidvalidityChanged).toBe(true);
    expect(r2.uidvalidity).not.toBe(before?.uidvalidity);
    expect(r2).toMatchObject({ ingested: 2, refiled: 0, outcomes: { duplicate: 1, create_ticket: 1 }, lastUid: 2 });
    expect(real.calls.map((c) => [c.uid, c.mailbox])).toEqual([
      [1, folder],
      [2, folder],
      [3, folder],
      [1, folder],
      [2, folder],
    ]);
    // v1 again is the ticket it made the first time; only v4 is new
    expect(real.results[3]).toMatchObject({ outcome: 'duplicate', ticket: firstTickets[0] });
    const rows = await audit(box);
    expect(Object.keys(rows).sort()).toEqual(['v1', 'v2', 'v3', 'v4']);
    expect(rows.v1).toMatchObject({ uid: 1, uidvalidity: before?.uidvalidity, outcome: 'create_ticket' });
    expect(rows.v4).toMatchObject({ uid: 2, uidvalidity: r2.uidvalidity, outcome: 'create_ticket' });
    const tickets = await ticketsOf(box);
    expect(tickets.map((x) => x.subject)).toEqual(['Požadavek v1', 'Požadavek v2', 'Požadavek v3', 'Požadavek v4']);
    expect(await state(folder)).toEqual({ uidvalidity: r2.uidvalidity, last_uid: 2 });
    expect(await contents(box.user, folder)).toEqual([]);
    // both copies of v1 are filed; the audit and the tickets have it once
    expect(ids(await contents(box.user, imapPath(FOLDERS.processed)))).toEqual(['v1', 'v1', 'v2', 'v3', 'v4']);
  });

  it('a UIDVALIDITY change of INBOX (doveadm) resets last_uid and refiles what is still there', async () => {
    const box = newMailbox();
    await append(box.user, [await message(box, { id: 'd1' }), await message(box, { id: 'd2' })]);
    const real = realIngestion(ctx);
    let crash = true;
    const p = poller(box.user, real, {
      beforeFile: () => {
        if (crash) throw new Error('crash');
      },
    });
    await expect(p.runOnce()).rejects.toThrow('crash');
    const tickets = (await ticketsOf(box)).map((x) => x.number);
    expect(tickets).toHaveLength(2);
    const outbox = await outboxOf(tickets);
    crash = false;
    await dovecot.doveadm('mailbox', 'update', '-u', box.user, '--uid-validity', '12345', 'INBOX');
    const r = await p.runOnce();
    expect(r).toMatchObject({ uidvalidity: 12345, uidvalidityChanged: true, ingested: 2, refiled: 0, outcomes: { duplicate: 2 } });
    expect(await state()).toEqual({ uidvalidity: 12345, last_uid: 2 });
    expect((await ticketsOf(box)).map((x) => x.number)).toEqual(tickets);
    expect(Object.keys(await audit(box)).sort()).toEqual(['d1', 'd2']);
    expect(await outboxOf(tickets)).toBe(outbox);
    expect(await contents(box.user, 'INBOX')).toEqual([]);
    expect(ids(await contents(box.user, imapPath(FOLDERS.processed)))).toEqual(['d1', 'd2']);
  });

  it('a message whose ingestion fails (failure injected by a database trigger) is retried in order, and succeeds once the failure is gone', async () => {
    const box = newMailbox();
    await t.db('test_failing_subjects').insert({ subject: 'Požadavek g2' });
    await append(box.user, [await message(box, { id: 'g1' }), await message(box, { id: 'g2' }), await message(box, { id: 'g3' })]);
    const real = realIngestion(ctx);
    const p = poller(box.user, real, { maxAttempts: 3 });

    const r1 = await p.runOnce();
    expect(r1).toMatchObject({ ingested: 1, failed: { uid: 2, attempts: 1 }, lastUid: 1, remaining: 2 });
    expect(r1.failed?.error).toContain('simulated storage failure');
    expect(real.calls.map((c) => c.uid)).toEqual([1, 2]); // g3 not touched: strict order
    let rows = await audit(box);
    expect(rows.g2).toMatchObject({ uid: 2, outcome: 'failed', attempts: 1, ticket: null, review: null });
    expect(rows.g2?.last_error).toContain('simulated storage failure');
    expect(rows.g3).toBeUndefined();
    expect((await ticketsOf(box)).map((x) => x.subject)).toEqual(['Požadavek g1']);
    expect(await t.db('tickets').where({ subject: 'Požadavek g2' }).count('* as n').first()).toEqual({ n: 0 });
    expect((await contents(box.user, 'INBOX')).map((m) => m.uid)).toEqual([2, 3]);

    await t.db('test_failing_subjects').delete();
    const r2 = await p.runOnce();
    expect(r2).toMatchObject({ ingested: 2, failed: null, lastUid: 3, remaining: 0, retryInMs: null, outcomes: { create_ticket: 2 } });
    expect(real.calls.map((c) => c.uid)).toEqual([1, 2, 2, 3]);
    rows = await audit(box);
    // the failed row became the message's audit row: one row, its attempts counted
    expect(rows.g2).toMatchObject({ uid: 2, outcome: 'create_ticket', attempts: 2, last_error: null });
    expect(Object.keys(rows).sort()).toEqual(['g1', 'g2', 'g3']);
    expect((await ticketsOf(box)).map((x) => x.subject)).toEqual(['Požadavek g1', 'Požadavek g2', 'Požadavek g3']);
    expect(await contents(box.user, 'INBOX')).toEqual([]);
    expect(ids(await contents(box.user, imapPath(FOLDERS.processed)))).toEqual(['g1', 'g2', 'g3']);
  });

  it('a message whose ingestion keeps failing (failure injected by a database trigger) is quarantined after maxAttempts, and later mail is not skipped', async () => {
    const box = newMailbox();
    await t.db('test_failing_subjects').insert({ subject: 'Požadavek f2' });
    await append(box.user, [await message(box, { id: 'f1' }), await message(box, { id: 'f2' }), await message(box, { id: 'f3' })]);
    const real = realIngestion(ctx);
    const p = poller(box.user, real, { maxAttempts: 3 });

    const r1 = await p.runOnce();
    expect(r1).toMatchObject({ ingested: 1, failed: { uid: 2, attempts: 1 }, lastUid: 1, remaining: 2 });
    expect(r1.retryInMs).toBeGreaterThan(0);
    expect(real.calls.map((c) => c.uid)).toEqual([1, 2]);

    const r2 = await p.runOnce();
    expect(r2).toMatchObject({ ingested: 0, failed: { uid: 2, attempts: 2 }, lastUid: 1 });
    expect(r2.retryInMs).toBeGreaterThan(r1.retryInMs ?? 0); // exponential
    expect((await audit(box)).f2).toMatchObject({ outcome: 'failed', attempts: 2 });

    const r3 = await p.runOnce();
    expect(r3).toMatchObject({ quarantined: 1, ingested: 1, failed: null, lastUid: 3, retryInMs: null });
    expect(real.calls.map((c) => c.uid)).toEqual([1, 2, 2, 2, 3]);
    const rows = await audit(box);
    expect(rows.f2).toMatchObject({ uid: 2, outcome: 'quarantine', reason: 'failed_repeatedly', review: 'pending', attempts: 3, ticket: null });
    expect(rows.f2?.raw_sha256).toMatch(/^[0-9a-f]{64}$/); // the raw message is kept for the staff's review
    expect(rows.f3).toMatchObject({ uid: 3, outcome: 'create_ticket' });
    expect((await ticketsOf(box)).map((x) => x.subject)).toEqual(['Požadavek f1', 'Požadavek f3']);
    expect(await contents(box.user, 'INBOX')).toEqual([]);
    expect(ids(await contents(box.user, imapPath(FOLDERS.quarantine)))).toEqual(['f2']);
    expect(ids(await contents(box.user, imapPath(FOLDERS.processed)))).toEqual(['f1', 'f3']);
  });

  it('a message over maxMessageBytes is ingested from its header only, recorded as too_large and filed into Rejected', async () => {
    const box = newMailbox();
    const big = await message(box, { id: 'b1', text: 'x'.repeat(60_000) });
    await append(box.user, [big, await message(box, { id: 'b2' })]);
    const small = contextFor({ MAIL_MAX_MESSAGE_BYTES: '20000' });
    const real = realIngestion(small);
    const p = poller(box.user, real, { maxMessageBytes: 20_000 });
    const r = await p.runOnce();
    expect(r).toMatchObject({ ingested: 2, tooLarge: 1, outcomes: { too_large: 1, create_ticket: 1 } });
    const [first, second] = real.calls;
    expect(first?.size).toBeGreaterThan(60_000);
    expect(first?.rawBytes).toBeLessThan(2_000); // the header, not the body
    expect(second?.rawBytes).toBe(second?.size);
    const rows = await audit(box);
    expect(rows.b1).toMatchObject({ outcome: 'too_large', ticket: null, raw_sha256: null });
    expect(rows.b1?.size).toBe(first?.size);
    expect(rows.b2).toMatchObject({ outcome: 'create_ticket' });
    expect((await ticketsOf(box)).map((x) => x.subject)).toEqual(['Požadavek b2']);
    // the authorised sender is told once why nothing was created
    expect(real.results[0]?.notifications).toHaveLength(1);
    expect(real.results[0]?.notifications?.[0]?.to).toBe('jan.novak@example.cz');
    expect(ids(await contents(box.user, imapPath(FOLDERS.rejected)))).toEqual(['b1']);
    expect(ids(await contents(box.user, imapPath(FOLDERS.processed)))).toEqual(['b2']);
  });

  it('two pollers on one database: only one processes a mailbox at a time', async () => {
    const box = newMailbox();
    await append(box.user, await Promise.all(Array.from({ length: 20 }, (_, i) => message(box, { id: `p${i}` }))));
    const realA = realIngestion(ctx);
    const realB = realIngestion(ctx);
    const a = poller(box.user, realA);
    const b = poller(box.user, realB);
    const [ra, rb] = await Promise.all([a.runOnce(), b.runOnce()]);
    expect([ra.skipped, rb.skipped].sort()).toEqual([false, true]);
    expect(realA.calls.length + realB.calls.length).toBe(20);
    expect(Math.min(realA.calls.length, realB.calls.length)).toBe(0);
    expect(await ticketsOf(box)).toHaveLength(20);

    // the same with both started (IDLE loops): new mail is processed exactly once
    a.start();
    b.start();
    try {
      await append(box.user, await Promise.all(Array.from({ length: 10 }, (_, i) => message(box, { id: `q${i}` }))));
      await until('30 audit rows', async () => (Object.keys(await audit(box)).length === 30 ? true : null));
      await until('INBOX empty', async () => ((await contents(box.user, 'INBOX')).length === 0 ? true : null));
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    const all = [...realA.calls, ...realB.calls].map((c) => c.uid).sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect([...realA.results, ...realB.results].every((r) => r.outcome === 'create_ticket')).toBe(true);
    expect(await ticketsOf(box)).toHaveLength(30);
    expect(ids(await contents(box.user, imapPath(FOLDERS.processed)))).toHaveLength(30);
  });

  it('IDLE: a message appended while the poller runs is processed without waiting for the poll; stop() ends cleanly', async () => {
    const box = newMailbox();
    await append(box.user, [await message(box, { id: 'i1' })]);
    const real = realIngestion(ctx);
    // the fallback poll is 10 minutes away: only the IDLE push can bring i2 in within the wait below
    const p = poller(box.user, real, { pollSeconds: 600 });
    p.start();
    try {
      await until('the first message', async () => real.results.length === 1);
      await until('INBOX empty', async () => ((await contents(box.user, 'INBOX')).length === 0 ? true : null));
      await append(box.user, [await message(box, { id: 'i2' })]);
      await until('the IDLE push', async () => real.results.length === 2, 60_000);
      await until('i2 filed', async () => (ids(await contents(box.user, imapPath(FOLDERS.processed))).includes('i2') ? true : null));
    } finally {
      await p.stop();
    }
    expect(real.calls.map((c) => c.uid)).toEqual([1, 2]);
    expect((await ticketsOf(box)).map((x) => x.subject)).toEqual(['Požadavek i1', 'Požadavek i2']);
  });

  it('reconnects with back-off after the IMAP server went away', async () => {
    const box = newMailbox();
    const own = await startDovecot();
    const port = own.port;
    let second: DovecotServer | null = null;
    const real = realIngestion(ctx);
    const logs: string[] = [];
    const p = createMailPoller({
      db: t.db,
      imap: { host: own.host, port, secure: false, user: box.user, password: 'secret' },
      mailbox: 'INBOX',
      folders: FOLDERS,
      maxMessageBytes: 1024 * 1024,
      maxAttempts: 3,
      pollSeconds: 300,
      ingest: real.ingest,
      recordFailure: real.recordFailure,
      log: (m) => logs.push(m),
      backoff: { reconnectBaseMs: 100, reconnectMaxMs: 400 },
    });
    try {
      p.start();
      // the first run stored the mailbox's state: the poller is connected
      await until('the first run', () => state());
      own.stop(); // SIGKILL: connection reset while idling
      await until('a reconnect attempt', async () => logs.some((l) => l.startsWith('reconnecting')));
      second = await startDovecot({ port });
      await append(box.user, [await message(box, { id: 'r1' })], 'INBOX', second);
      await until('r1 after the reconnect', async () => real.results.length > 0, 30_000);
      // a new server: new UIDVALIDITY, rescanned from UID 1
      expect(real.calls.at(-1)?.uid).toBe(1);
      expect(real.results.at(-1)?.outcome).toBe('create_ticket');
      await until('r1 filed', async () => (ids(await contents(box.user, imapPath(FOLDERS.processed), second!)).includes('r1') ? true : null));
    } finally {
      await p.stop();
      own.stop();
      second?.stop();
    }
    expect((await audit(box)).r1).toMatchObject({ uid: 1, outcome: 'create_ticket' });
  });

  it('the real ingestion with fixtures from test/fixtures/mail', async () => {
    const fixture = (name: string) => readFileSync(path.join(fixturesDir, name));
    const box = newMailbox();
    await append(box.user, [
      fixture('new-request-plain.eml'), // authorised sender → ticket
      fixture('new-request-plain.eml'), // the same mail again → duplicate
      fixture('out-of-office-auto-submitted.eml'), // → ignored
      fixture('multiple-from-addresses.eml'), // two From addresses → rejected
    ]);
    const real = realIngestion(ctx);
    const p = poller(box.user, real);
    const lastAudit = Number((await t.db('inbound_mail').max('id as id').first())?.id ?? 0);
    const rep = await p.runOnce();
    expect(rep).toMatchObject({ failed: null, ingested: 4, lastUid: 4, remaining: 0 });
    expect(real.results.map((r) => r.outcome)).toEqual(['create_ticket', 'duplicate', 'ignore_auto_reply', 'reject_unauthorized']);
    expect(real.results[1]?.ticket).toBe(real.results[0]?.ticket);
    const ticket = await t.db('tickets').where({ number: real.results[0]?.ticket }).first('channel', 'contract_id', 'reporter_id');
    expect(ticket).toEqual({ channel: 'email', contract_id: world.contractA, reporter_id: world.users.alice.id });
    expect(await t.db('inbound_mail').where('id', '>', lastAudit).orderBy('uid').pluck('outcome')).toEqual([
      'create_ticket',
      'ignore_auto_reply',
      'reject_unauthorized',
    ]);
    expect(await state()).toMatchObject({ last_uid: 4 });
    expect(await contents(box.user, 'INBOX')).toEqual([]);
    expect(await contents(box.user, imapPath(FOLDERS.processed))).toHaveLength(2);
    expect(await contents(box.user, imapPath(FOLDERS.ignored))).toHaveLength(1);
    expect(await contents(box.user, imapPath(FOLDERS.rejected))).toHaveLength(1);
  });
});
