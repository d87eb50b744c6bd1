/**
 * In-process IMAP poller (EMAIL.md §4.1): fetches new mail of one mailbox strictly in ascending
 * UID order, hands every message to `ingest` and files it afterwards.
 *
 * Invariants
 * - One poller per mailbox across processes and nodes: every run holds `pg_try_advisory_lock(lockKeyFor(mailbox))`
 *   on a dedicated connection (`withAdvisoryLock`); a poller that does not get it skips the run.
 *   The pool of `db` must therefore allow at least 2 connections (the lock + ingest). Every node's
 *   poller stays connected and IDLE; when the node holding the lock dies, its connection closes,
 *   PostgreSQL frees the lock, and another node's next run (new mail, or `pollSeconds` at the
 *   latest) takes over, starting with the dead run's leftovers (below).
 * - `mailbox_state` {uidvalidity, last_uid} is the to-do pointer; `\Seen`/UNSEEN never is.
 *   On SELECT a changed UIDVALIDITY resets last_uid to 0 (the whole folder is rescanned; the
 *   ingestion's dedupe key makes that safe) and is logged.
 * - Work list = `UID SEARCH UID (last_uid+1):*` filtered to uid > last_uid (`n:*` always returns
 *   the last message), ascending, at most `batchSize` per run. FETCH results are collected before
 *   anything else is done (imapflow deadlocks on a command inside a fetch iterator): first
 *   UID/RFC822.SIZE/INTERNALDATE/FLAGS, then the body (BODY.PEEK[]) in chunks of at most ~16 MB —
 *   or only the header (BODY.PEEK[HEADER]) for a message over `maxMessageBytes`, which is ingested
 *   with `source.size` set (the ingestion records `too_large`) and filed into `rejected`.
 * - `ingest` commits ONE transaction per message that also sets mailbox_state.last_uid = uid; only
 *   after it returned is the message flagged `\Seen` and MOVEd to `folders[folderFor(outcome)]`.
 *   Filing is batched (one STORE + one MOVE per folder per fetched chunk) — it is housekeeping,
 *   and a crash before it is repaired by the next run (below).
 * - When `ingest` throws: `recordFailure`; if it reports `quarantined` (or attempts ≥ maxAttempts)
 *   the poller sets last_uid = uid itself and files the message into `quarantine`, and the run
 *   goes on; otherwise the run stops at that message (nothing behind it is processed before it:
 *   strict order) and the next scheduled run waits an exponential, capped back-off.
 *
 * Crash between the ingest commit and the MOVE (no loss, no duplicate)
 *   The commit advanced last_uid, so the work list (uid > last_uid) would never see the message
 *   again. Therefore every run FIRST looks for "leftovers": `UID SEARCH UID 1:last_uid`, i.e.
 *   messages at or below last_uid that are still in the mailbox. They are re-ingested (the dedupe
 *   key answers `duplicate`, no side effects) and filed into `processed` (folderFor('duplicate');
 *   a leftover that was originally ignored/rejected therefore lands in `processed` — its
 *   inbound_mail row keeps the true outcome). A leftover whose re-ingestion throws goes through
 *   recordFailure like any other failure (quarantined after maxAttempts), but it does not block
 *   newer mail: its content was committed already. If the ingestion sets last_uid to the leftover's
 *   (lower) uid, the poller restores the previous value afterwards (recommendation for the
 *   ingestion: `last_uid = greatest(mailbox_state.last_uid, excluded.last_uid)`).
 *   A message a human moves back into the mailbox gets a new UID and is simply ingested again
 *   (→ duplicate → filed).
 *
 * `start()`: connect, create the folders, SELECT, run; then IDLE and run again on `exists`
 * (new mail), every `pollSeconds` (fallback), and at once while a run left work behind
 * (batch cap). Connection errors → reconnect with exponential back-off (1 s … 60 s).
 * `stop()` lets a running run finish, ends IDLE and logs out.
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { ImapFlow, type FetchMessageObject } from 'imapflow';
import { withAdvisoryLock } from '../db/advisory-lock.js';
import type { IngestResult, MailOutcome, MailSource } from '../services/mail/types.js';
import { folderFor, type MailFolder } from './folders.js';

export interface MailPollerOptions {
  db: Knex;
  imap: { host: string; port: number; secure: boolean; user: string; password: string };
  /** the mailbox to poll, e.g. 'INBOX'; also the key of mailbox_state and of the advisory lock */
  mailbox: string;
  /** folder paths; '/' separates hierarchy levels whatever the server's delimiter ('Helpdesk/Processed') */
  folders: Record<MailFolder, string>;
  maxMessageBytes: number;
  maxAttempts: number;
  pollSeconds: number;
  /** messages per run (default 50) */
  batchSize?: number;
  ingest: (raw: Buffer, source: MailSource) => Promise<IngestResult>;
  recordFailure: (raw: Buffer, source: MailSource, error: unknown) => Promise<{ attempts: number; quarantined: boolean }>;
  log?: (msg: string) => void;
  /** called after every run this poller did (not the skipped ones), e.g. to count the runs */
  onRun?: (report: RunReport) => void;
  /** back-off after a failed message (default 5 s doubling up to 10 min) and after connection errors (1 s … 60 s) */
  backoff?: { baseMs?: number; maxMs?: number; reconnectBaseMs?: number; reconnectMaxMs?: number };
  /**
   * Test hook: called after the ingestion of `uids` committed and before they are flagged and
   * moved. Throwing here simulates a crash between the commit and the MOVE.
   */
  beforeFile?: (uids: number[], folder: MailFolder) => void | Promise<void>;
}

export interface RunReport {
  /** another poller (process) held the mailbox lock; nothing was done */
  skipped: boolean;
  mailbox: string;
  uidvalidity: number | null;
  /** the stored UIDVALIDITY differed: last_uid was reset to 0 */
  uidvalidityChanged: boolean;
  /** mailbox_state.last_uid after the run */
  lastUid: number;
  /** new messages ingested successfully (work list) */
  ingested: number;
  /** leftovers (uid ≤ last_uid still in the mailbox) re-ingested and filed */
  refiled: number;
  tooLarge: number;
  quarantined: number;
  outcomes: Partial<Record<MailOutcome, number>>;
  /** the message the run stopped at (it stays in the mailbox and is retried) */
  failed: { uid: number; attempts: number; error: string } | null;
  /** messages not handled because of the batch cap (or a failure) */
  remaining: number;
  /** back-off before the next scheduled run (start()), null when none */
  retryInMs: number | null;
  ms: number;
}

export interface MailPoller {
  runOnce(): Promise<RunReport>;
  start(): void;
  stop(): Promise<void>;
}

const DEFAULT_BATCH = 50;
/** body bytes fetched (and held in memory) at once */
const CHUNK_BYTES = 16 * 1024 * 1024;

/** Advisory lock key of a mailbox: 48 bits of sha256, a safe JS integer for pg_try_advisory_lock(bigint). */
export function lockKeyFor(mailbox: string): number {
  return createHash('sha256').update(`helpdesk.tech mail poller\0${mailbox}`).digest().readUIntBE(0, 6);
}

/** Compact IMAP sequence set: [1,2,3,7,9,10] → "1:3,7,9:10". */
export function packUids(uids: number[]): string {
  const s = [...new Set(uids)].sort((a, b) => a - b);
  const parts: string[] = [];
  let i = 0;
  while (i < s.length) {
    const start = s[i] as number;
    let end = start;
    while (i + 1 < s.length && s[i + 1] === end + 1) end = s[++i] as number;
    parts.push(start === end ? `${start}` : `${start}:${end}`);
    i++;
  }
  return parts.join(',');
}

/** 'Helpdesk/Processed' → ['Helpdesk', 'Processed'] (imapflow joins with the server's delimiter). */
function imapPath(name: string): string | string[] {
  return name.includes('/') ? name.split('/').filter(Boolean) : name;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function asDate(d: Date | string | undefined): Date | null {
  if (!d) return null;
  const v = d instanceof Date ? d : new Date(d);
  return Number.isNaN(v.getTime()) ? null : v;
}

interface Meta {
  uid: number;
  size: number;
  internalDate: Date | null;
  flags: Set<string>;
}

/** The wait before the n-th consecutive retry: base doubling per failure, at most max. */
export function backoffDelay(failures: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** (failures - 1));
}

/** The back-off after failed runs, shared by runOnce() and the start() loop. */
function runBackoff(baseMs: number, maxMs: number) {
  let failStreak = 0;
  let until = 0;
  /** counts a failed run; returns the wait before the next */
  const failed = (): number => {
    failStreak++;
    const delay = backoffDelay(failStreak, baseMs, maxMs);
    until = Date.now() + delay;
    return delay;
  };
  return {
    /** no scheduled run before this instant (ms) */
    until: () => until,
    failed,
    afterRun(report: RunReport): RunReport {
      if (report.skipped) return report;
      if (report.failed) {
        report.retryInMs = failed();
      } else {
        failStreak = 0;
        until = 0;
      }
      return report;
    },
  };
}

/** What the steps of a poller share: its settings, log, mailbox_state and back-off. */
interface Poller {
  opts: MailPollerOptions;
  db: Knex;
  mailbox: string;
  batchSize: number;
  pollMs: number;
  reconnect: { baseMs: number; maxMs: number };
  log: (msg: string) => void;
  lockKey: number;
  state: ReturnType<typeof mailboxState>;
  backoff: ReturnType<typeof runBackoff>;
}

export function createMailPoller(opts: MailPollerOptions): MailPoller {
  const log = opts.log ?? ((m: string) => console.log(`[mail-poller] ${m}`));
  const p: Poller = {
    opts,
    db: opts.db,
    mailbox: opts.mailbox,
    batchSize: Math.max(1, opts.batchSize ?? DEFAULT_BATCH),
    pollMs: Math.max(1, opts.pollSeconds) * 1000,
    reconnect: { baseMs: opts.backoff?.reconnectBaseMs ?? 1_000, maxMs: opts.backoff?.reconnectMaxMs ?? 60_000 },
    log,
    lockKey: lockKeyFor(opts.mailbox),
    state: mailboxState(opts.db, opts.mailbox, log),
    backoff: runBackoff(opts.backoff?.baseMs ?? 5_000, opts.backoff?.maxMs ?? 10 * 60_000),
  };

  async function runOnce(): Promise<RunReport> {
    const report = await withAdvisoryLock(p.db, p.lockKey, async () => {
      const client = newClient(p);
      try {
        await client.connect();
        await ensureFolders(p, client);
        return await runOn(p, client);
      } finally {
        await closeClient(client);
      }
    });
    return p.backoff.afterRun(report ?? emptyReport(p.mailbox, true));
  }

  return { runOnce, ...idleLoop(p) };
}

// ---- IMAP ----------------------------------------------------------------------------------

function newClient(p: Poller): ImapFlow {
  const { imap } = p.opts;
  const client = new ImapFlow({
    host: imap.host,
    port: imap.port,
    secure: imap.secure,
    auth: { user: imap.user, pass: imap.password },
    logger: false,
    disableAutoIdle: true,
    // restart IDLE now and then: servers and NATs drop sessions that are silent for long
    maxIdleTime: 4 * 60_000,
    connectionTimeout: 30_000,
  });
  // an unhandled 'error' event would crash the process; the failing command rejects anyway
  client.on('error', (e: Error) => p.log(`IMAP connection error: ${errorText(e)}`));
  return client;
}

async function closeClient(client: ImapFlow): Promise<void> {
  if (client.usable) {
    const timeout = new Promise<void>((r) => setTimeout(r, 5_000).unref());
    await Promise.race([client.logout().catch(() => undefined), timeout]);
  }
  client.close();
}

async function ensureFolders(p: Poller, client: ImapFlow): Promise<void> {
  for (const name of new Set(Object.values(p.opts.folders))) {
    const res = await client.mailboxCreate(imapPath(name));
    if (res?.created) p.log(`created folder ${name}`);
  }
}

async function searchUids(p: Poller, client: ImapFlow, range: string): Promise<number[]> {
  const found = await client.search({ uid: range }, { uid: true });
  if (found === false || found === undefined) throw new Error(`UID SEARCH ${range} failed in ${p.mailbox}`);
  return found;
}

// ---- mailbox_state -------------------------------------------------------------------------

function mailboxState(db: Knex, mailbox: string, log: (msg: string) => void) {
  return {
    /** Reads (or creates) mailbox_state; on a UIDVALIDITY change resets last_uid to 0. */
    async sync(uidvalidity: number): Promise<{ lastUid: number; changed: boolean }> {
      return db.transaction(async (trx) => {
        await trx.raw(
          `insert into mailbox_state (mailbox, uidvalidity, last_uid) values (?, ?, 0) on conflict (mailbox) do nothing`,
          [mailbox, uidvalidity],
        );
        const row = (await trx('mailbox_state').where({ mailbox }).forUpdate().first('uidvalidity', 'last_uid')) as
          | { uidvalidity: number | string | null; last_uid: number | string }
          | undefined;
        if (!row) throw new Error(`mailbox_state row for ${mailbox} vanished`);
        const stored = row.uidvalidity === null ? null : Number(row.uidvalidity);
        const lastUid = Number(row.last_uid);
        if (stored === uidvalidity) return { lastUid, changed: false };
        await trx('mailbox_state').where({ mailbox }).update({ uidvalidity, last_uid: 0, updated_at: trx.fn.now() });
        if (stored !== null || lastUid !== 0) {
          log(`UIDVALIDITY of ${mailbox} changed from ${stored ?? 'none'} to ${uidvalidity} (last_uid was ${lastUid}): rescanning from UID 1`);
          return { lastUid: 0, changed: true };
        }
        return { lastUid: 0, changed: false };
      });
    },

    /** Raises last_uid to `uid` (never lowers it), for the current UIDVALIDITY only. */
    async raiseLastUid(uidvalidity: number, uid: number): Promise<void> {
      await db('mailbox_state')
        .where({ mailbox, uidvalidity })
        .andWhere('last_uid', '<', uid)
        .update({ last_uid: uid, updated_at: db.fn.now() });
    },

    async readLastUid(): Promise<number> {
      const row = (await db('mailbox_state').where({ mailbox }).first('last_uid')) as { last_uid: number | string } | undefined;
      return row ? Number(row.last_uid) : 0;
    },
  };
}

function emptyReport(mailbox: string, skipped: boolean): RunReport {
  return {
    skipped,
    mailbox,
    uidvalidity: null,
    uidvalidityChanged: false,
    lastUid: 0,
    ingested: 0,
    refiled: 0,
    tooLarge: 0,
    quarantined: 0,
    outcomes: {},
    failed: null,
    remaining: 0,
    retryInMs: null,
    ms: 0,
  };
}

// ---- one run ---------------------------------------------------------------------------------

/** One run on a connected client; the caller holds the advisory lock. */
async function runOn(p: Poller, client: ImapFlow): Promise<RunReport> {
  const t0 = performance.now();
  const report = emptyReport(p.mailbox, false);
  const lock = await client.getMailboxLock(imapPath(p.mailbox));
  try {
    const mb = client.mailbox;
    if (!mb) throw new Error(`could not select ${p.mailbox}`);
    const uidvalidity = Number(mb.uidValidity);
    report.uidvalidity = uidvalidity;
    const state = await p.state.sync(uidvalidity);
    report.uidvalidityChanged = state.changed;
    const budget = await refileLeftovers(p, client, uidvalidity, state.lastUid, report);
    await ingestNewMail(p, client, uidvalidity, state.lastUid, budget, report);
    report.lastUid = await p.state.readLastUid();
  } finally {
    lock.release();
  }
  report.ms = performance.now() - t0;
  return report;
}

/**
 * 1. Leftovers: committed (uid ≤ last_uid) but not filed — a crash between commit and MOVE.
 * Returns what is left of the run's batch.
 */
async function refileLeftovers(p: Poller, client: ImapFlow, uidvalidity: number, lastUid: number, report: RunReport): Promise<number> {
  if (lastUid <= 0) return p.batchSize;
  const left = (await searchUids(p, client, `1:${lastUid}`)).filter((u) => u <= lastUid).sort((a, b) => a - b);
  if (!left.length) return p.batchSize;
  p.log(`${left.length} message(s) at or below last_uid ${lastUid} still in ${p.mailbox}: re-ingesting and filing`);
  const now = left.slice(0, p.batchSize);
  report.remaining += left.length - now.length;
  try {
    await processUids(p, client, now, uidvalidity, true, report);
  } finally {
    // an ingestion that wrote last_uid = <leftover uid> must not move the pointer back
    await p.state.raiseLastUid(uidvalidity, lastUid);
  }
  return p.batchSize - now.length;
}

/** 2. New mail, strictly ascending, within the rest of the batch. */
async function ingestNewMail(p: Poller, client: ImapFlow, uidvalidity: number, lastUid: number, budget: number, report: RunReport): Promise<void> {
  const fresh = (await searchUids(p, client, `${lastUid + 1}:*`)).filter((u) => u > lastUid).sort((a, b) => a - b);
  const work = fresh.slice(0, budget);
  report.remaining += fresh.length - work.length;
  const stoppedAt = await processUids(p, client, work, uidvalidity, false, report);
  if (stoppedAt !== null) report.remaining += work.filter((u) => u >= stoppedAt).length;
}

/**
 * Fetches `uids` (ascending) and hands them to ingest one by one; files after each chunk.
 * Returns the uid the run stopped at (a non-quarantined failure of a new message), else null.
 */
async function processUids(p: Poller, client: ImapFlow, uids: number[], uidvalidity: number, leftover: boolean, report: RunReport): Promise<number | null> {
  if (uids.length === 0) return null;
  const metas = await fetchMetas(p, client, uids);
  for (const part of chunksBySize(metas, p.opts.maxMessageBytes)) {
    const sources = await fetchSources(client, part, p.opts.maxMessageBytes);
    const filing = filer(p, client);
    for (const meta of part) {
      const oversized = meta.size > p.opts.maxMessageBytes;
      const raw = sources.get(meta.uid);
      if (!raw) {
        p.log(`message ${p.mailbox}:${meta.uid} vanished before its body could be fetched`);
        continue;
      }
      const source: MailSource = { mailbox: p.mailbox, uidvalidity, uid: meta.uid, internalDate: meta.internalDate, size: meta.size };
      let result: IngestResult;
      try {
        result = await p.opts.ingest(raw, source);
      } catch (err) {
        // file what committed before this message, then deal with the failure
        await filing.flush();
        const stop = await ingestFailed(p, filing, raw, source, err, report);
        if (stop && !leftover) return meta.uid;
        continue; // quarantined, or a leftover: committed before, it does not hold back newer mail
      }
      report.outcomes[result.outcome] = (report.outcomes[result.outcome] ?? 0) + 1;
      if (leftover) report.refiled++;
      else report.ingested++;
      if (oversized) report.tooLarge++;
      filing.file(oversized ? 'rejected' : folderFor(result.outcome, result.reason), meta.uid);
    }
    await filing.flush();
  }
  return null;
}

/** UID, size, date and flags of `uids` (those still there), in the order of `uids`. */
async function fetchMetas(p: Poller, client: ImapFlow, uids: number[]): Promise<Meta[]> {
  const rows = await client.fetchAll(packUids(uids), { uid: true, size: true, internalDate: true, flags: true }, { uid: true });
  const metas = new Map<number, Meta>();
  for (const m of rows) {
    metas.set(m.uid, { uid: m.uid, size: m.size ?? 0, internalDate: asDate(m.internalDate), flags: m.flags ?? new Set() });
  }
  const missing = uids.filter((u) => !metas.has(u));
  if (missing.length) p.log(`${missing.length} message(s) vanished from ${p.mailbox} before FETCH: ${missing.join(',')}`);
  return uids.flatMap((u) => metas.get(u) ?? []);
}

/** Chunks bounded by body bytes (an oversized message only costs its header). */
function chunksBySize(metas: Meta[], maxMessageBytes: number): Meta[][] {
  const chunks: Meta[][] = [];
  let chunk: Meta[] = [];
  let bytes = 0;
  for (const meta of metas) {
    const cost = meta.size > maxMessageBytes ? 0 : meta.size;
    if (chunk.length > 0 && bytes + cost > CHUNK_BYTES) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(meta);
    bytes += cost;
  }
  if (chunk.length) chunks.push(chunk);
  return chunks;
}

/** The raw messages of a chunk: the whole body, or only the header of one over the size limit. */
async function fetchSources(client: ImapFlow, part: Meta[], maxMessageBytes: number): Promise<Map<number, Buffer>> {
  const small = part.filter((m) => m.size <= maxMessageBytes).map((m) => m.uid);
  const large = part.filter((m) => m.size > maxMessageBytes).map((m) => m.uid);
  // collect first: no IMAP command while a fetch is running
  const sources = new Map<number, Buffer>();
  const rows: FetchMessageObject[] = [];
  if (small.length) rows.push(...(await client.fetchAll(packUids(small), { uid: true, source: true }, { uid: true })));
  for (const r of rows) if (r.source) sources.set(r.uid, r.source);
  if (large.length) {
    for (const r of await client.fetchAll(packUids(large), { uid: true, headers: true }, { uid: true })) {
      if (r.headers) sources.set(r.uid, r.headers);
    }
  }
  return sources;
}

/** Messages to file, batched per folder: one STORE \Seen and one MOVE per folder at each flush. */
function filer(p: Poller, client: ImapFlow) {
  const pending = new Map<MailFolder, number[]>();
  return {
    file(folder: MailFolder, uid: number) {
      const list = pending.get(folder);
      if (list) list.push(uid);
      else pending.set(folder, [uid]);
    },
    async flush() {
      for (const [folder, list] of pending) {
        if (!list.length) continue;
        await p.opts.beforeFile?.([...list], folder);
        const range = packUids(list);
        await client.messageFlagsAdd(range, ['\\Seen'], { uid: true, silent: true });
        const moved = await client.messageMove(range, imapPath(p.opts.folders[folder]), { uid: true });
        if (!moved) throw new Error(`MOVE ${range} to ${p.opts.folders[folder]} failed`);
      }
      pending.clear();
    },
  };
}

/**
 * A message whose ingestion threw: recorded; quarantined (filed, last_uid past it) after the
 * attempts, else reported as the run's failure. Returns true when the run is to stop at it.
 */
async function ingestFailed(p: Poller, filing: ReturnType<typeof filer>, raw: Buffer, source: MailSource, err: unknown, report: RunReport): Promise<boolean> {
  const uid = source.uid as number;
  let attempts = 0;
  let quarantined = false;
  try {
    const rec = await p.opts.recordFailure(raw, source, err);
    attempts = rec.attempts;
    quarantined = rec.quarantined || rec.attempts >= p.opts.maxAttempts;
  } catch (recErr) {
    p.log(`recordFailure for ${p.mailbox}:${uid} failed too: ${errorText(recErr)}`);
  }
  if (quarantined) {
    p.log(`message ${p.mailbox}:${uid} quarantined after ${attempts} attempt(s): ${errorText(err)}`);
    await p.state.raiseLastUid(source.uidvalidity as number, uid);
    report.quarantined++;
    filing.file('quarantine', uid);
    await filing.flush();
    return false;
  }
  p.log(`message ${p.mailbox}:${uid} failed (attempt ${attempts}/${p.opts.maxAttempts}): ${errorText(err)}`);
  report.failed ??= { uid, attempts, error: errorText(err) };
  return true;
}

// ---- start()/stop(): IDLE loop ---------------------------------------------------------

/** A sleep that wake() ends early (new mail, a closed connection, stop()). */
function wakeableSleep() {
  let wakeUp: (() => void) | null = null;
  return {
    wake() {
      const w = wakeUp;
      wakeUp = null;
      w?.();
    },
    sleep: (ms: number) =>
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          if (wakeUp === done) wakeUp = null;
          resolve();
        };
        const timer = setTimeout(done, Math.max(0, ms));
        wakeUp = done;
      }),
  };
}

function idleLoop(p: Poller): Pick<MailPoller, 'start' | 'stop'> {
  let stopping = false;
  let loop: Promise<void> | null = null;
  let dirty = false;
  const { wake, sleep } = wakeableSleep();
  /** the loop's client while it is connecting (stop() closes it instead of waiting for a timeout) */
  let connecting: ImapFlow | null = null;

  /** One run on the loop's connection; null when it failed with the connection still usable. */
  async function runGuarded(client: ImapFlow): Promise<RunReport | null> {
    try {
      const report = p.backoff.afterRun((await withAdvisoryLock(p.db, p.lockKey, () => runOn(p, client))) ?? emptyReport(p.mailbox, true));
      if (!report.skipped) p.opts.onRun?.(report);
      if (report.failed) p.log(`run stopped at UID ${report.failed.uid}; next attempt in ${report.retryInMs} ms`);
      return report;
    } catch (e) {
      if (!client.usable) throw e; // connection lost: reconnect
      const delay = p.backoff.failed();
      p.log(`run failed: ${errorText(e)}; next attempt in ${delay} ms`);
      return null;
    }
  }

  async function connect(client: ImapFlow): Promise<void> {
    client.on('exists', () => {
      dirty = true;
      wake();
    });
    client.on('close', () => wake());
    connecting = client;
    await client.connect();
    await ensureFolders(p, client);
    await client.mailboxOpen(imapPath(p.mailbox));
    connecting = null;
  }

  /** Runs on new mail, every pollMs and at once while work is left, IDLE in between, until the connection ends. */
  async function serve(client: ImapFlow): Promise<void> {
    dirty = true; // run at once after (re)connecting
    let nextPollAt = 0;
    while (!stopping && client.usable) {
      const now = Date.now();
      if (now >= p.backoff.until() && (dirty || now >= nextPollAt)) {
        dirty = false;
        nextPollAt = now + p.pollMs;
        const report = await runGuarded(client);
        // batch cap reached: go on at once
        if (report && !report.skipped && !report.failed && report.remaining > 0) dirty = true;
        continue;
      }
      if (!client.idling) {
        client.idle().catch((e: unknown) => {
          if (!stopping) p.log(`IDLE ended: ${errorText(e)}`);
        });
      }
      await sleep(Math.max(p.backoff.until(), dirty ? 0 : nextPollAt) - Date.now());
    }
    if (!stopping) p.log(`IMAP connection to ${p.opts.imap.host}:${p.opts.imap.port} closed`);
  }

  async function mainLoop(): Promise<void> {
    let reconnects = 0;
    while (!stopping) {
      const client = newClient(p);
      try {
        await connect(client);
        reconnects = 0;
        await serve(client);
      } catch (e) {
        if (!stopping) p.log(`IMAP error: ${errorText(e)}`);
      } finally {
        connecting = null;
        await closeClient(client).catch(() => undefined);
      }
      if (stopping) break;
      reconnects++;
      const delay = backoffDelay(reconnects, p.reconnect.baseMs, p.reconnect.maxMs);
      p.log(`reconnecting in ${delay} ms`);
      await sleep(delay);
    }
  }

  return {
    start() {
      if (loop) return;
      stopping = false;
      loop = mainLoop().catch((e: unknown) => p.log(`poller loop crashed: ${errorText(e)}`));
    },
    async stop() {
      stopping = true;
      wake();
      connecting?.close();
      const l = loop;
      loop = null;
      if (l) await l;
    },
  };
}
