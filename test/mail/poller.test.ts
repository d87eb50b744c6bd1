/**
 * The IMAP poller (src/mail/poller.ts, EMAIL.md §4.1) against a real, private Dovecot
 * (test/support/dovecot.ts) and a migrated PostgreSQL of this file's own.
 *
 * Each test uses an IMAP user of its own (`tN@test.local`, password `secret`), so every test starts
 * with an empty INBOX whose UIDs begin at 1. mailbox_state is keyed by the mailbox name, so the
 * poller tables are emptied before every test.
 *
 * Until a test runs the real ingestion, a FAKE ingest stands in: one transaction that inserts into
 * `test_ingested` (deduped by Message-ID → outcome `duplicate`) and sets mailbox_state.last_uid,
 * exactly as the real one is specified to.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMailPoller, type MailPoller, type MailPollerOptions } from '../../src/mail/poller.js';
import type { IngestResult, MailFolder, MailSource } from '../../src/services/mail/types.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { dovecotAvailable, startDovecot, type DovecotServer } from '../support/dovecot.js';
import { seedWorld } from '../support/world.js';

const enabled = dovecotAvailable('mail poller (test/mail/poller.test.ts)');

const FOLDERS: Record<MailFolder, string> = {
  processed: 'Helpdesk/Processed',
  ignored: 'Helpdesk/Ignored',
  rejected: 'Helpdesk/Rejected',
  quarantine: 'Helpdesk/Quarantine',
};
const imapPath = (f: string) => f.split('/');

let t: TestDatabase;
let dovecot: DovecotServer;
let userSeq = 0;

// ---- messages ---------------------------------------------------------------------------------

interface MsgSpec {
  id: string;
  subject?: string;
  from?: string;
  text?: string;
  headers?: Record<string, string>;
}

async function message(spec: MsgSpec): Promise<Buffer> {
  return new MailComposer({
    from: spec.from ?? 'Jan Novák <jan.novak@example.cz>',
    to: 'helpdesk@seyfor.com',
    subject: spec.subject ?? `Požadavek ${spec.id}`,
    text: spec.text ?? `Dobrý den,\nnefunguje mi tisk faktur (${spec.id}).\n\nS pozdravem\nJan Novák\n`,
    messageId: `<${spec.id}@test.local>`,
    date: new Date('2026-11-20T09:00:00Z'),
    headers: spec.headers,
  })
    .compile()
    .build();
}

function header(raw: Buffer, name: string): string | null {
  const head = raw.toString('utf8').split(/\r?\n\r?\n/)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(unfolded);
  return m?.[1]?.trim() ?? null;
}

// ---- IMAP helpers -----------------------------------------------------------------------------

function newUser(): string {
  userSeq++;
  return `t${userSeq}@test.local`;
}

async function withImap<T>(user: string, fn: (c: ImapFlow) => Promise<T>): Promise<T> {
  const c = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user, pass: 'secret' }, logger: false });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.logout().catch(() => c.close());
  }
}

async function append(user: string, raws: Buffer[], mailbox: string | string[] = 'INBOX'): Promise<number[]> {
  return withImap(user, async (c) => {
    const uids: number[] = [];
    for (const raw of raws) {
      const res = await c.append(mailbox, raw, [], new Date());
      uids.push(res && res.uid ? res.uid : -1);
    }
    return uids;
  });
}

interface Listed {
  uid: number;
  messageId: string;
  seen: boolean;
}

/** Messages in a folder (empty when the folder does not exist). */
async function contents(user: string, folder: string | string[]): Promise<Listed[]> {
  return withImap(user, async (c) => {
    const status = await c.status(folder, { messages: true }).catch(() => false as const);
    if (!status || !status.messages) return [];
    const lock = await c.getMailboxLock(folder);
    try {
      const rows = await c.fetchAll('1:*', { uid: true, envelope: true, flags: true });
      return rows.map((r) => ({ uid: r.uid, messageId: r.envelope?.messageId ?? '', seen: r.flags?.has('\\Seen') ?? false }));
    } finally {
      lock.release();
    }
  });
}

const ids = (list: Listed[]) => list.map((m) => m.messageId.replace(/^<|@test\.local>$/g, '')).sort();

// ---- fake ingestion ---------------------------------------------------------------------------

interface Fake {
  calls: { uid: number; mailbox: string | null; rawBytes: number; size: number | null }[];
  ingest: MailPollerOptions['ingest'];
  recordFailure: MailPollerOptions['recordFailure'];
}

function fakeIngestion(opts: { maxBytes?: number; maxAttempts?: number; delayMs?: number } = {}): Fake {
  const db = t.db;
  const calls: Fake['calls'] = [];
  const ingest = async (raw: Buffer, source: MailSource): Promise<IngestResult> => {
    calls.push({ uid: source.uid ?? -1, mailbox: source.mailbox, rawBytes: raw.length, size: source.size ?? null });
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
    if (header(raw, 'X-Test-Fail')) throw new Error('simulated ingestion failure');
    const messageId = header(raw, 'Message-ID') ?? `fp:${createHash('sha256').update(raw).digest('hex')}`;
    const tooLarge = source.size != null && opts.maxBytes != null && source.size > opts.maxBytes;
    const auto = header(raw, 'Auto-Submitted');
    return db.transaction(async (trx) => {
      const inserted = (await trx('test_ingested')
        .insert({
          message_id: messageId,
          mailbox: source.mailbox,
          uidvalidity: source.uidvalidity,
          uid: source.uid,
          size: source.size,
          raw_bytes: raw.length,
        })
        .onConflict('message_id')
        .ignore()
        .returning('id')) as { id: number }[];
      await trx.raw(
        `insert into mailbox_state (mailbox, uidvalidity, last_uid) values (?, ?, ?)
         on conflict (mailbox) do update set last_uid = excluded.last_uid, updated_at = now()`,
        [source.mailbox, source.uidvalidity ?? null, source.uid ?? 0],
      );
      if (inserted.length === 0) return { outcome: 'duplicate' };
      if (tooLarge) return { outcome: 'too_large' };
      if (auto && auto !== 'no') return { outcome: 'ignore_auto_reply' };
      return { outcome: 'create_ticket' };
    });
  };
  const recordFailure = async (_raw: Buffer, source: MailSource, error: unknown) => {
    const rows = await db.raw(
      `insert into test_failures (mailbox, uidvalidity, uid, attempts, last_error) values (?, ?, ?, 1, ?)
       on conflict (mailbox, uidvalidity, uid) do update set attempts = test_failures.attempts + 1, last_error = excluded.last_error
       returning attempts`,
      [source.mailbox, source.uidvalidity ?? 0, source.uid ?? 0, String(error)],
    );
    const attempts = Number(rows.rows[0].attempts);
    return { attempts, quarantined: attempts >= (opts.maxAttempts ?? 5) };
  };
  return { calls, ingest, recordFailure };
}

function poller(user: string, fake: Pick<Fake, 'ingest' | 'recordFailure'>, extra: Partial<MailPollerOptions> = {}): MailPoller {
  return createMailPoller({
    db: t.db,
    imap: { host: dovecot.host, port: dovecot.port, secure: false, user, password: 'secret' },
    mailbox: 'INBOX',
    folders: FOLDERS,
    maxMessageBytes: 25 * 1024 * 1024,
    maxAttempts: 3,
    pollSeconds: 60,
    ingest: fake.ingest,
    recordFailure: fake.recordFailure,
    log: () => undefined,
    backoff: { baseMs: 50, maxMs: 200, reconnectBaseMs: 100, reconnectMaxMs: 400 },
    ...extra,
  });
}

async function state(mailbox = 'INBOX'): Promise<{ uidvalidity: number; last_uid: number } | undefined> {
  return t.db('mailbox_state').where({ mailbox }).first('uidvalidity', 'last_uid');
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 5000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// ---- the suite --------------------------------------------------------------------------------

describe.skipIf(!enabled)('mail poller against Dovecot', () => {
  beforeAll(async () => {
    [t, dovecot] = await Promise.all([freshDatabase(), startDovecot()]);
    await t.db.schema.createTable('test_ingested', (tb) => {
      tb.increments('id');
      tb.text('message_id').notNullable().unique();
      tb.text('mailbox');
      tb.bigInteger('uidvalidity');
      tb.bigInteger('uid');
      tb.integer('size');
      tb.integer('raw_bytes');
    });
    await t.db.schema.createTable('test_failures', (tb) => {
      tb.text('mailbox').notNullable();
      tb.bigInteger('uidvalidity').notNullable();
      tb.bigInteger('uid').notNullable();
      tb.integer('attempts').notNullable();
      tb.text('last_error');
      tb.primary(['mailbox', 'uidvalidity', 'uid']);
    });
  });

  afterAll(async () => {
    dovecot?.stop();
    await t?.drop();
  });

  beforeEach(async () => {
    await t.db.raw('truncate mailbox_state, test_ingested, test_failures');
  });

  it('ingests in ascending UID order, once per message, and files into the outcome folder with \\Seen', async () => {
    const user = newUser();
    const raws = [
      await message({ id: 'a1' }),
      await message({ id: 'a2' }),
      await message({ id: 'a3', subject: 'Automatická odpověď: Požadavek', headers: { 'Auto-Submitted': 'auto-replied' } }),
      await message({ id: 'a4' }),
      await message({ id: 'a5' }),
    ];
    expect(await append(user, raws)).toEqual([1, 2, 3, 4, 5]);
    const fake = fakeIngestion();
    const p = poller(user, fake, { batchSize: 2 });

    const r1 = await p.runOnce();
    expect(r1).toMatchObject({ skipped: false, ingested: 2, remaining: 3, lastUid: 2, failed: null });
    const r2 = await p.runOnce();
    const r3 = await p.runOnce();
    expect(r2.ingested + r3.ingested).toBe(3);
    expect(r3.remaining).toBe(0);

    expect(fake.calls.map((c) => c.uid)).toEqual([1, 2, 3, 4, 5]);
    expect(fake.calls.every((c) => c.mailbox === 'INBOX')).toBe(true);
    expect(await t.db('test_ingested').count('* as n').first()).toEqual({ n: 5 });
    expect(await state()).toMatchObject({ last_uid: 5 });

    expect(await contents(user, 'INBOX')).toEqual([]);
    const processed = await contents(user, imapPath(FOLDERS.processed));
    expect(ids(processed)).toEqual(['a1', 'a2', 'a4', 'a5']);
    expect(processed.every((m) => m.seen)).toBe(true);
    const ignored = await contents(user, imapPath(FOLDERS.ignored));
    expect(ids(ignored)).toEqual(['a3']);
    expect(ignored.every((m) => m.seen)).toBe(true);

    // nothing left: another run does nothing
    const r4 = await p.runOnce();
    expect(r4).toMatchObject({ ingested: 0, refiled: 0, remaining: 0 });
    expect(fake.calls).toHaveLength(5);
  });

  it('a crash between the ingest commit and the MOVE loses nothing and duplicates nothing', async () => {
    const user = newUser();
    await append(user, [await message({ id: 'c1' }), await message({ id: 'c2' }), await message({ id: 'c3' })]);
    const fake = fakeIngestion();
    let crash = true;
    const p = poller(user, fake, {
      beforeFile: () => {
        if (crash) throw new Error('simulated crash before MOVE');
      },
    });
    await expect(p.runOnce()).rejects.toThrow('simulated crash before MOVE');
    // committed: last_uid advanced, rows there — but the mail is still in the INBOX, unflagged
    expect(await state()).toMatchObject({ last_uid: 3 });
    expect(await t.db('test_ingested').count('* as n').first()).toEqual({ n: 3 });
    const inbox = await contents(user, 'INBOX');
    expect(inbox.map((m) => m.uid)).toEqual([1, 2, 3]);
    expect(inbox.some((m) => m.seen)).toBe(false);

    crash = false;
    const r = await p.runOnce();
    expect(r).toMatchObject({ refiled: 3, ingested: 0, outcomes: { duplicate: 3 }, lastUid: 3, failed: null });
    expect(fake.calls.map((c) => c.uid)).toEqual([1, 2, 3, 1, 2, 3]);
    expect(await t.db('test_ingested').count('* as n').first()).toEqual({ n: 3 });
    expect(await contents(user, 'INBOX')).toEqual([]);
    expect(ids(await contents(user, imapPath(FOLDERS.processed)))).toEqual(['c1', 'c2', 'c3']);
    // the fake ingestion wrote last_uid = <leftover uid>; the poller put the pointer back
    expect(await state()).toMatchObject({ last_uid: 3 });

    // new mail afterwards is ingested once, leftovers are not re-run again
    await append(user, [await message({ id: 'c4' })]);
    const r2 = await p.runOnce();
    expect(r2).toMatchObject({ refiled: 0, ingested: 1, lastUid: 4 });
    expect(fake.calls.map((c) => c.uid)).toEqual([1, 2, 3, 1, 2, 3, 4]);
  });

  it('a UIDVALIDITY change (folder deleted and recreated) rescans from UID 1 without duplicates', async () => {
    const user = newUser();
    const box = 'Support';
    await withImap(user, (c) => c.mailboxCreate(box));
    await append(user, [await message({ id: 'v1' }), await message({ id: 'v2' }), await message({ id: 'v3' })], box);
    const fake = fakeIngestion();
    const p = poller(user, fake, { mailbox: box });
    const r1 = await p.runOnce();
    expect(r1).toMatchObject({ ingested: 3, lastUid: 3, uidvalidityChanged: false });
    const before = await state(box);

    // the server lost its index / the folder was restored from a backup: new UIDVALIDITY, UIDs from 1
    await withImap(user, async (c) => {
      await c.mailboxDelete(box);
      await c.mailboxCreate(box);
    });
    expect(await append(user, [await message({ id: 'v1' }), await message({ id: 'v4' })], box)).toEqual([1, 2]);

    const r2 = await p.runOnce();
    expect(r2.uidvalidityChanged).toBe(true);
    expect(r2.uidvalidity).not.toBe(before?.uidvalidity);
    expect(r2).toMatchObject({ ingested: 2, refiled: 0, outcomes: { duplicate: 1, create_ticket: 1 }, lastUid: 2 });
    expect(fake.calls.map((c) => [c.uid, c.mailbox])).toEqual([
      [1, box],
      [2, box],
      [3, box],
      [1, box],
      [2, box],
    ]);
    expect((await t.db('test_ingested').orderBy('message_id').pluck('message_id')).map((m: string) => m.slice(1, 3))).toEqual([
      'v1',
      'v2',
      'v3',
      'v4',
    ]);
    expect(await state(box)).toMatchObject({ uidvalidity: r2.uidvalidity, last_uid: 2 });
    expect(await contents(user, box)).toEqual([]);
  });

  it('a UIDVALIDITY change of INBOX (doveadm) resets last_uid and refiles what is still there', async () => {
    const user = newUser();
    await append(user, [await message({ id: 'd1' }), await message({ id: 'd2' })]);
    const fake = fakeIngestion();
    let crash = true;
    const p = poller(user, fake, {
      beforeFile: () => {
        if (crash) throw new Error('crash');
      },
    });
    await expect(p.runOnce()).rejects.toThrow('crash');
    crash = false;
    await dovecot.doveadm('mailbox', 'update', '-u', user, '--uid-validity', '12345', 'INBOX');
    const r = await p.runOnce();
    expect(r).toMatchObject({ uidvalidity: 12345, uidvalidityChanged: true, ingested: 2, refiled: 0, outcomes: { duplicate: 2 } });
    expect(await state()).toMatchObject({ uidvalidity: 12345, last_uid: 2 });
    expect(await t.db('test_ingested').count('* as n').first()).toEqual({ n: 2 });
    expect(ids(await contents(user, imapPath(FOLDERS.processed)))).toEqual(['d1', 'd2']);
  });

  it('a failing message is retried in order, quarantined after maxAttempts, and later mail is not skipped', async () => {
    const user = newUser();
    await append(user, [
      await message({ id: 'f1' }),
      await message({ id: 'f2', headers: { 'X-Test-Fail': 'yes' } }),
      await message({ id: 'f3' }),
    ]);
    const fake = fakeIngestion({ maxAttempts: 3 });
    const p = poller(user, fake, { maxAttempts: 3 });

    const r1 = await p.runOnce();
    expect(r1).toMatchObject({ ingested: 1, failed: { uid: 2, attempts: 1 }, lastUid: 1, remaining: 2 });
    expect(r1.retryInMs).toBeGreaterThan(0);
    // f3 was not touched: strict order
    expect(fake.calls.map((c) => c.uid)).toEqual([1, 2]);
    expect((await contents(user, 'INBOX')).map((m) => m.uid)).toEqual([2, 3]);

    const r2 = await p.runOnce();
    expect(r2).toMatchObject({ ingested: 0, failed: { uid: 2, attempts: 2 }, lastUid: 1 });
    expect(r2.retryInMs).toBeGreaterThan(r1.retryInMs ?? 0); // exponential

    const r3 = await p.runOnce();
    expect(r3).toMatchObject({ quarantined: 1, ingested: 1, failed: null, lastUid: 3, retryInMs: null });
    expect(fake.calls.map((c) => c.uid)).toEqual([1, 2, 2, 2, 3]);
    expect(await contents(user, 'INBOX')).toEqual([]);
    expect(ids(await contents(user, imapPath(FOLDERS.quarantine)))).toEqual(['f2']);
    expect(ids(await contents(user, imapPath(FOLDERS.processed)))).toEqual(['f1', 'f3']);
    expect(await t.db('test_failures').first('uid', 'attempts')).toEqual({ uid: 2, attempts: 3 });
  });

  it('a message over maxMessageBytes is ingested from its header only and filed into Rejected', async () => {
    const user = newUser();
    const big = await message({ id: 'b1', text: 'x'.repeat(60_000) });
    await append(user, [big, await message({ id: 'b2' })]);
    const fake = fakeIngestion({ maxBytes: 20_000 });
    const p = poller(user, fake, { maxMessageBytes: 20_000 });
    const r = await p.runOnce();
    expect(r).toMatchObject({ ingested: 2, tooLarge: 1, outcomes: { too_large: 1, create_ticket: 1 } });
    const [first, second] = fake.calls;
    expect(first?.size).toBeGreaterThan(60_000);
    expect(first?.rawBytes).toBeLessThan(2_000); // the header, not the body
    expect(second?.rawBytes).toBe(second?.size);
    expect(ids(await contents(user, imapPath(FOLDERS.rejected)))).toEqual(['b1']);
    expect(ids(await contents(user, imapPath(FOLDERS.processed)))).toEqual(['b2']);
  });

  it('two pollers on one database: only one processes a mailbox at a time', async () => {
    const user = newUser();
    const raws = await Promise.all(Array.from({ length: 20 }, (_, i) => message({ id: `p${i}` })));
    await append(user, raws);
    const fakeA = fakeIngestion({ delayMs: 5 });
    const fakeB = fakeIngestion({ delayMs: 5 });
    const a = poller(user, fakeA);
    const b = poller(user, fakeB);
    const [ra, rb] = await Promise.all([a.runOnce(), b.runOnce()]);
    expect([ra.skipped, rb.skipped].sort()).toEqual([false, true]);
    expect(fakeA.calls.length + fakeB.calls.length).toBe(20);
    expect(Math.min(fakeA.calls.length, fakeB.calls.length)).toBe(0);

    // the same with both started (IDLE loops): new mail is processed exactly once
    a.start();
    b.start();
    try {
      await new Promise((r) => setTimeout(r, 200));
      await append(user, await Promise.all(Array.from({ length: 10 }, (_, i) => message({ id: `q${i}` }))));
      await until('30 messages ingested', async () => ((await t.db('test_ingested').count('* as n').first())?.n === 30 ? true : null));
      await until('INBOX empty', async () => ((await contents(user, 'INBOX')).length === 0 ? true : null));
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    const all = [...fakeA.calls, ...fakeB.calls].map((c) => c.uid).sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(ids(await contents(user, imapPath(FOLDERS.processed)))).toHaveLength(30);
  });

  it('IDLE: a message appended while the poller runs is processed within ~2 s; stop() ends cleanly', async () => {
    const user = newUser();
    await append(user, [await message({ id: 'i1' })]);
    const fake = fakeIngestion();
    const p = poller(user, fake, { pollSeconds: 300 });
    p.start();
    try {
      await until('the first message', async () => fake.calls.length === 1);
      await until('INBOX empty', async () => ((await contents(user, 'INBOX')).length === 0 ? true : null));
      const t0 = Date.now();
      await append(user, [await message({ id: 'i2' })]);
      await until('the IDLE push', async () => fake.calls.length === 2, 4000);
      const ms = Date.now() - t0;
      expect(ms).toBeLessThan(2000);
      await until('i2 filed', async () => (ids(await contents(user, imapPath(FOLDERS.processed))).includes('i2') ? true : null));
    } finally {
      const t1 = Date.now();
      await p.stop();
      expect(Date.now() - t1).toBeLessThan(5000);
    }
    expect(fake.calls.map((c) => c.uid)).toEqual([1, 2]);
  });

  it('reconnects with back-off after the IMAP server went away', async () => {
    const user = newUser();
    const own = await startDovecot();
    const port = own.port;
    let second: DovecotServer | null = null;
    const fake = fakeIngestion();
    const logs: string[] = [];
    const p = createMailPoller({
      db: t.db,
      imap: { host: own.host, port, secure: false, user, password: 'secret' },
      mailbox: 'INBOX',
      folders: FOLDERS,
      maxMessageBytes: 1024 * 1024,
      maxAttempts: 3,
      pollSeconds: 300,
      ingest: fake.ingest,
      recordFailure: fake.recordFailure,
      log: (m) => logs.push(m),
      backoff: { reconnectBaseMs: 100, reconnectMaxMs: 400 },
    });
    try {
      p.start();
      await new Promise((r) => setTimeout(r, 300));
      own.stop(); // SIGKILL: connection reset while idling
      await until('a reconnect attempt', async () => logs.some((l) => l.startsWith('reconnecting')));
      second = await startDovecot({ port });
      const c0 = fake.calls.length;
      await withImap2(second, user, [await message({ id: 'r1' })]);
      await until('r1 after the reconnect', async () => fake.calls.length > c0, 8000);
      // a new server: new UIDVALIDITY, rescanned from UID 1
      expect(fake.calls.at(-1)?.uid).toBe(1);
    } finally {
      await p.stop();
      own.stop();
      second?.stop();
    }
  });

  const ingestModule = path.resolve(import.meta.dirname, '../../src/services/mail/ingest.ts');
  const fixturesDir = path.resolve(import.meta.dirname, '../fixtures/mail');
  const realIngestion =
    existsSync(ingestModule) && /export (async )?function ingestMail\b/.test(readFileSync(ingestModule, 'utf8')) &&
    /export (async )?function recordMailFailure\b/.test(readFileSync(ingestModule, 'utf8')) &&
    existsSync(path.join(fixturesDir, 'new-request-plain.eml'));

  it.skipIf(!realIngestion)('the real ingestion (ingestMail/recordMailFailure) with fixtures from test/fixtures/mail', async () => {
    const mod = (await import(ingestModule)) as {
      ingestMail: (ctx: TestDatabase['ctx'], raw: Buffer, source: MailSource) => Promise<IngestResult>;
      recordMailFailure: (ctx: TestDatabase['ctx'], raw: Buffer, source: MailSource, err: unknown) => Promise<{ attempts: number; quarantined: boolean }>;
    };
    const world = await seedWorld(t.db);
    await t.db('authorized_addresses').insert({ address: 'jan.novak@firma.cz', user_id: world.users.alice.id, contract_id: world.contractA });
    const fixture = (name: string) => readFileSync(path.join(fixturesDir, name));
    const user = newUser();
    await append(user, [
      fixture('new-request-plain.eml'), // authorised sender → ticket
      fixture('new-request-plain.eml'), // the same mail again → duplicate
      fixture('out-of-office-auto-submitted.eml'), // → ignored
      fixture('multiple-from-addresses.eml'), // two From addresses → rejected
    ]);
    const results: IngestResult[] = [];
    const p = poller(user, {
      ingest: async (raw, source) => {
        const res = await mod.ingestMail(t.ctx, raw, source);
        results.push(res);
        return res;
      },
      recordFailure: (raw, source, err) => mod.recordMailFailure(t.ctx, raw, source, err),
    });
    const rep = await p.runOnce();
    expect(rep).toMatchObject({ failed: null, ingested: 4, lastUid: 4, remaining: 0 });
    expect(results.map((r) => r.outcome)).toEqual(['create_ticket', 'duplicate', 'ignore_auto_reply', 'reject_unauthorized']);
    expect(results[1]?.ticket).toBe(results[0]?.ticket);
    const ticket = await t.db('tickets').where({ number: results[0]?.ticket }).first('channel', 'contract_id', 'reporter_id');
    expect(ticket).toEqual({ channel: 'email', contract_id: world.contractA, reporter_id: world.users.alice.id });
    expect(await t.db('inbound_mail').where({ mailbox: 'INBOX' }).orderBy('uid').pluck('outcome')).toEqual([
      'create_ticket',
      'ignore_auto_reply',
      'reject_unauthorized',
    ]);
    expect(await state()).toMatchObject({ last_uid: 4 });
    expect(await contents(user, 'INBOX')).toEqual([]);
    expect(await contents(user, imapPath(FOLDERS.processed))).toHaveLength(2);
    expect(await contents(user, imapPath(FOLDERS.ignored))).toHaveLength(1);
    expect(await contents(user, imapPath(FOLDERS.rejected))).toHaveLength(1);
  });
});

async function withImap2(server: DovecotServer, user: string, raws: Buffer[]): Promise<void> {
  const c = new ImapFlow({ host: server.host, port: server.port, secure: false, auth: { user, pass: 'secret' }, logger: false });
  c.on('error', () => undefined);
  await c.connect();
  try {
    for (const raw of raws) await c.append('INBOX', raw, [], new Date());
  } finally {
    await c.logout().catch(() => c.close());
  }
}
