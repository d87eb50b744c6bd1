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

export function createMailPoller(opts: MailPollerOptions): MailPoller {
  const db = opts.db;
  const mailbox = opts.mailbox;
  const batchSize = Math.max(1, opts.batchSize ?? DEFAULT_BATCH);
  const pollMs = Math.max(1, opts.pollSeconds) * 1000;
  const backoff = {
    baseMs: opts.backoff?.baseMs ?? 5_000,
    maxMs: opts.backoff?.maxMs ?? 10 * 60_000,
    reconnectBaseMs: opts.backoff?.reconnectBaseMs ?? 1_000,
    reconnectMaxMs: opts.backoff?.reconnectMaxMs ?? 60_000,
  };
  const log = opts.log ?? ((m: string) => console.log(`[mail-poller] ${m}`));
  const lockKey = lockKeyFor(mailbox);

  // back-off state shared by runOnce() and the start() loop
  let failStreak = 0;
  let backoffUntil = 0;

  function newClient(): ImapFlow {
    const client = new ImapFlow({
      host: opts.imap.host,
      port: opts.imap.port,
      secure: opts.imap.secure,
      auth: { user: opts.imap.user, pass: opts.imap.password },
      logger: false,
      disableAutoIdle: true,
      // restart IDLE now and then: servers and NATs drop sessions that are silent for long
      maxIdleTime: 4 * 60_000,
      connectionTimeout: 30_000,
    });
    // an unhandled 'error' event would crash the process; the failing command rejects anyway
    client.on('error', (e: Error) => log(`IMAP connection error: ${errorText(e)}`));
    return client;
  }

  async function closeClient(client: ImapFlow): Promise<void> {
    if (client.usable) {
      const timeout = new Promise<void>((r) => setTimeout(r, 5_000).unref());
      await Promise.race([client.logout().catch(() => undefined), timeout]);
    }
    client.close();
  }

  async function ensureFolders(client: ImapFlow): Promise<void> {
    for (const name of new Set(Object.values(opts.folders))) {
      const res = await client.mailboxCreate(imapPath(name));
      if (res?.created) log(`created folder ${name}`);
    }
  }

  async function searchUids(client: ImapFlow, range: string): Promise<number[]> {
    const found = await client.search({ uid: range }, { uid: true });
    if (found === false || found === undefined) throw new Error(`UID SEARCH ${range} failed in ${mailbox}`);
    return found;
  }

  /** Reads (or creates) mailbox_state; on a UIDVALIDITY change resets last_uid to 0. */
  async function syncState(uidvalidity: number): Promise<{ lastUid: number; changed: boolean }> {
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
  }

  /** Raises last_uid to `uid` (never lowers it), for the current UIDVALIDITY only. */
  async function raiseLastUid(uidvalidity: number, uid: number): Promise<void> {
    await db('mailbox_state')
      .where({ mailbox, uidvalidity })
      .andWhere('last_uid', '<', uid)
      .update({ last_uid: uid, updated_at: db.fn.now() });
  }

  async function readLastUid(): Promise<number> {
    const row = (await db('mailbox_state').where({ mailbox }).first('last_uid')) as { last_uid: number | string } | undefined;
    return row ? Number(row.last_uid) : 0;
  }

  function emptyReport(skipped: boolean): RunReport {
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

  /**
   * Fetches `uids` (ascending) and hands them to ingest one by one; files after each chunk.
   * Returns the uid the run stopped at (a non-quarantined failure of a new message), else null.
   */
  async function processUids(
    client: ImapFlow,
    uids: number[],
    uidvalidity: number,
    leftover: boolean,
    report: RunReport,
  ): Promise<number | null> {
    if (uids.length === 0) return null;
    const metaRows = await client.fetchAll(packUids(uids), { uid: true, size: true, internalDate: true, flags: true }, { uid: true });
    const metas = new Map<number, Meta>();
    for (const m of metaRows) {
      metas.set(m.uid, { uid: m.uid, size: m.size ?? 0, internalDate: asDate(m.internalDate), flags: m.flags ?? new Set() });
    }
    const ordered = uids.filter((u) => metas.has(u));
    if (ordered.length < uids.length) {
      log(`${uids.length - ordered.length} message(s) vanished from ${mailbox} before FETCH: ${uids.filter((u) => !metas.has(u)).join(',')}`);
    }

    // chunks bounded by body bytes (an oversized message only costs its header)
    const chunks: Meta[][] = [];
    let chunk: Meta[] = [];
    let bytes = 0;
    for (const uid of ordered) {
      const meta = metas.get(uid) as Meta;
      const cost = meta.size > opts.maxMessageBytes ? 0 : meta.size;
      if (chunk.length > 0 && bytes + cost > CHUNK_BYTES) {
        chunks.push(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(meta);
      bytes += cost;
    }
    if (chunk.length) chunks.push(chunk);

    for (const part of chunks) {
      const small = part.filter((m) => m.size <= opts.maxMessageBytes).map((m) => m.uid);
      const large = part.filter((m) => m.size > opts.maxMessageBytes).map((m) => m.uid);
      // collect first: no IMAP command while a fetch is running
      const bodies = new Map<number, Buffer>();
      const rows: FetchMessageObject[] = [];
      if (small.length) rows.push(...(await client.fetchAll(packUids(small), { uid: true, source: true }, { uid: true })));
      for (const r of rows) if (r.source) bodies.set(r.uid, r.source);
      const heads = new Map<number, Buffer>();
      if (large.length) {
        for (const r of await client.fetchAll(packUids(large), { uid: true, headers: true }, { uid: true })) {
          if (r.headers) heads.set(r.uid, r.headers);
        }
      }

      const pending = new Map<MailFolder, number[]>();
      const file = (folder: MailFolder, uid: number) => {
        const list = pending.get(folder);
        if (list) list.push(uid);
        else pending.set(folder, [uid]);
      };
      const flush = async () => {
        for (const [folder, list] of pending) {
          if (!list.length) continue;
          await opts.beforeFile?.([...list], folder);
          const range = packUids(list);
          await client.messageFlagsAdd(range, ['\\Seen'], { uid: true, silent: true });
          const moved = await client.messageMove(range, imapPath(opts.folders[folder]), { uid: true });
          if (!moved) throw new Error(`MOVE ${range} to ${opts.folders[folder]} failed`);
        }
        pending.clear();
      };

      for (const meta of part) {
        const oversized = meta.size > opts.maxMessageBytes;
        const raw = oversized ? heads.get(meta.uid) : bodies.get(meta.uid);
        if (!raw) {
          log(`message ${mailbox}:${meta.uid} vanished before its body could be fetched`);
          continue;
        }
        const source: MailSource = { mailbox, uidvalidity, uid: meta.uid, internalDate: meta.internalDate, size: meta.size };
        let result: IngestResult;
        try {
          result = await opts.ingest(raw, source);
        } catch (err) {
          // file what committed before this message, then deal with the failure
          await flush();
          let attempts = 0;
          let quarantined = false;
          try {
            const rec = await opts.recordFailure(raw, source, err);
            attempts = rec.attempts;
            quarantined = rec.quarantined || rec.attempts >= opts.maxAttempts;
          } catch (recErr) {
            log(`recordFailure for ${mailbox}:${meta.uid} failed too: ${errorText(recErr)}`);
          }
          if (quarantined) {
            log(`message ${mailbox}:${meta.uid} quarantined after ${attempts} attempt(s): ${errorText(err)}`);
            await raiseLastUid(uidvalidity, meta.uid);
            report.quarantined++;
            file('quarantine', meta.uid);
            await flush();
            continue;
          }
          log(`message ${mailbox}:${meta.uid} failed (attempt ${attempts}/${opts.maxAttempts}): ${errorText(err)}`);
          report.failed ??= { uid: meta.uid, attempts, error: errorText(err) };
          if (leftover) continue; // committed before; it does not hold back newer mail
          return meta.uid;
        }
        report.outcomes[result.outcome] = (report.outcomes[result.outcome] ?? 0) + 1;
        if (leftover) report.refiled++;
        else report.ingested++;
        if (oversized) report.tooLarge++;
        file(oversized ? 'rejected' : folderFor(result.outcome, result.reason), meta.uid);
      }
      await flush();
    }
    return null;
  }

  /** One run on a connected client; the caller holds the advisory lock. */
  async function runOn(client: ImapFlow): Promise<RunReport> {
    const t0 = performance.now();
    const report = emptyReport(false);
    const lock = await client.getMailboxLock(imapPath(mailbox));
    try {
      const mb = client.mailbox;
      if (!mb) throw new Error(`could not select ${mailbox}`);
      const uidvalidity = Number(mb.uidValidity);
      report.uidvalidity = uidvalidity;
      const state = await syncState(uidvalidity);
      report.uidvalidityChanged = state.changed;
      const lastUid = state.lastUid;
      let budget = batchSize;

      // 1. leftovers: committed (uid ≤ last_uid) but not filed — a crash between commit and MOVE
      if (lastUid > 0) {
        const left = (await searchUids(client, `1:${lastUid}`)).filter((u) => u <= lastUid).sort((a, b) => a - b);
        if (left.length) {
          log(`${left.length} message(s) at or below last_uid ${lastUid} still in ${mailbox}: re-ingesting and filing`);
          const now = left.slice(0, budget);
          report.remaining += left.length - now.length;
          budget -= now.length;
          try {
            await processUids(client, now, uidvalidity, true, report);
          } finally {
            // an ingestion that wrote last_uid = <leftover uid> must not move the pointer back
            await raiseLastUid(uidvalidity, lastUid);
          }
        }
      }

      // 2. new mail, strictly ascending
      const fresh = (await searchUids(client, `${lastUid + 1}:*`)).filter((u) => u > lastUid).sort((a, b) => a - b);
      const work = fresh.slice(0, budget);
      report.remaining += fresh.length - work.length;
      const stoppedAt = await processUids(client, work, uidvalidity, false, report);
      if (stoppedAt !== null) report.remaining += work.filter((u) => u >= stoppedAt).length;
      report.lastUid = await readLastUid();
    } finally {
      lock.release();
    }
    report.ms = performance.now() - t0;
    return report;
  }

  function afterRun(report: RunReport): RunReport {
    if (report.skipped) return report;
    if (report.failed) {
      failStreak++;
      const delay = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (failStreak - 1));
      backoffUntil = Date.now() + delay;
      report.retryInMs = delay;
    } else {
      failStreak = 0;
      backoffUntil = 0;
    }
    return report;
  }

  async function runOnce(): Promise<RunReport> {
    const report = await withAdvisoryLock(db, lockKey, async () => {
      const client = newClient();
      try {
        await client.connect();
        await ensureFolders(client);
        return await runOn(client);
      } finally {
        await closeClient(client);
      }
    });
    return afterRun(report ?? emptyReport(true));
  }

  // ---- start()/stop(): IDLE loop ---------------------------------------------------------

  let stopping = false;
  let loop: Promise<void> | null = null;
  let dirty = false;
  let wakeUp: (() => void) | null = null;
  /** the loop's client while it is connecting (stop() closes it instead of waiting for a timeout) */
  let connecting: ImapFlow | null = null;

  const wake = () => {
    const w = wakeUp;
    wakeUp = null;
    w?.();
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (wakeUp === done) wakeUp = null;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      wakeUp = done;
    });

  async function runGuarded(client: ImapFlow): Promise<RunReport | null> {
    try {
      const report = afterRun((await withAdvisoryLock(db, lockKey, () => runOn(client))) ?? emptyReport(true));
      if (!report.skipped) opts.onRun?.(report);
      if (report.failed) log(`run stopped at UID ${report.failed.uid}; next attempt in ${report.retryInMs} ms`);
      return report;
    } catch (e) {
      if (!client.usable) throw e; // connection lost: reconnect
      failStreak++;
      const delay = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (failStreak - 1));
      backoffUntil = Date.now() + delay;
      log(`run failed: ${errorText(e)}; next attempt in ${delay} ms`);
      return null;
    }
  }

  async function mainLoop(): Promise<void> {
    let reconnects = 0;
    while (!stopping) {
      const client = newClient();
      client.on('exists', () => {
        dirty = true;
        wake();
      });
      client.on('close', () => wake());
      try {
        connecting = client;
        await client.connect();
        await ensureFolders(client);
        await client.mailboxOpen(imapPath(mailbox));
        connecting = null;
        reconnects = 0;
        dirty = true; // run at once after (re)connecting
        let nextPollAt = 0;
        while (!stopping && client.usable) {
          const now = Date.now();
          if (now >= backoffUntil && (dirty || now >= nextPollAt)) {
            dirty = false;
            nextPollAt = now + pollMs;
            const report = await runGuarded(client);
            // batch cap reached: go on at once
            if (report && !report.skipped && !report.failed && report.remaining > 0) dirty = true;
            continue;
          }
          if (!client.idling) {
            client.idle().catch((e: unknown) => {
              if (!stopping) log(`IDLE ended: ${errorText(e)}`);
            });
          }
          await sleep(Math.max(backoffUntil, dirty ? 0 : nextPollAt) - Date.now());
        }
        if (!stopping) log(`IMAP connection to ${opts.imap.host}:${opts.imap.port} closed`);
      } catch (e) {
        if (!stopping) log(`IMAP error: ${errorText(e)}`);
      } finally {
        connecting = null;
        await closeClient(client).catch(() => undefined);
      }
      if (stopping) break;
      reconnects++;
      const delay = Math.min(backoff.reconnectMaxMs, backoff.reconnectBaseMs * 2 ** (reconnects - 1));
      log(`reconnecting in ${delay} ms`);
      await sleep(delay);
    }
  }

  return {
    runOnce,
    start() {
      if (loop) return;
      stopping = false;
      loop = mainLoop().catch((e: unknown) => log(`poller loop crashed: ${errorText(e)}`));
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
