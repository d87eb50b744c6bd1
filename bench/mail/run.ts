/**
 * Mail poller benchmark (prints figures; it is not a test).
 *
 *   npx tsx bench/mail/run.ts
 *
 * 1. starts a private Dovecot (test/support/dovecot.ts) and an embedded PostgreSQL in a temp folder
 *    (or uses BENCH_DATABASE_URL's server), creates and migrates a database;
 * 2. generates BENCH_MAIL_MESSAGES (default 5,000) real-shaped messages (bench/mail/messages.ts:
 *    Czech senders and subjects, ~15 % with a small attachment, replies, auto-replies, strangers)
 *    and APPENDs them to the INBOX;
 * 3. runs the poller (src/mail/poller.ts, start(): one connection, IDLE, batches of
 *    BENCH_MAIL_BATCH) with the real ingestion (src/services/mail/ingest.ts `ingestMail`, with the
 *    senders seeded as authorised addresses) — or, if that module cannot be loaded, a fake ingestion
 *    (one transaction: insert deduped by Message-ID + mailbox_state), which the output says —
 *    until the INBOX is empty;
 * 4. prints messages/s (target ≥ 100/s) and p50/p99 per message; removes everything it created.
 *
 * Environment: BENCH_MAIL_MESSAGES (5000), BENCH_MAIL_BATCH (50), BENCH_MAIL_TIMEOUT (s, whole run,
 * default 600), BENCH_MAIL_FAKE=1 (force the fake ingestion), BENCH_PG_PORT (default 57532),
 * BENCH_DATABASE_URL, BENCH_MAIL_APPEND_CONNECTIONS (4).
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import { ImapFlow } from 'imapflow';
import { createDb, type Db } from '../../src/db/knex.js';
import { ensureTicketNumberStart, migrateToLatest } from '../../src/db/migrate.js';
import { createMailPoller } from '../../src/mail/poller.js';
import { serviceContext } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';
import type { ServiceContext } from '../../src/services/context.js';
import type { IngestResult, MailSource } from '../../src/services/mail/types.js';
import type { MailFolder } from '../../src/mail/folders.js';
import { dovecotAvailable, startDovecot } from '../../test/support/dovecot.js';
import { OFFICE_HOURS } from '../support/calendars.js';
import { atCleanup, cleanUp, runBench } from '../support/cleanup.js';
import { BenchPostgres } from '../support/database.js';
import { positiveNum } from '../support/env.js';
import { generateMessages, senders, type Sender } from './messages.js';

const env = process.env;
const MESSAGES = positiveNum('BENCH_MAIL_MESSAGES', 5000);
const BATCH = positiveNum('BENCH_MAIL_BATCH', 50);
const TIMEOUT_S = positiveNum('BENCH_MAIL_TIMEOUT', 600);
const APPEND_CONNECTIONS = positiveNum('BENCH_MAIL_APPEND_CONNECTIONS', 4);
const TARGET_PER_S = 100;
const USER = 'helpdesk.tech@seyfor.com';
const FOLDERS: Record<MailFolder, string> = {
  processed: 'Helpdesk/Processed',
  ignored: 'Helpdesk/Ignored',
  rejected: 'Helpdesk/Rejected',
  quarantine: 'Helpdesk/Quarantine',
};

const log = (line = '') => console.log(line);

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

const ms = (v: number) => `${v.toFixed(v < 10 ? 2 : 1)} ms`;

// ---- ingestion: real or fake ----------------------------------------------------------------

type Ingest = (raw: Buffer, source: MailSource) => Promise<IngestResult>;
type RecordFailure = (raw: Buffer, source: MailSource, error: unknown) => Promise<{ attempts: number; quarantined: boolean }>;

interface RealIngestion {
  ingestMail: (ctx: ServiceContext, raw: Buffer, source: MailSource) => Promise<IngestResult>;
  recordMailFailure: (ctx: ServiceContext, raw: Buffer, source: MailSource, error: unknown) => Promise<{ attempts: number; quarantined: boolean }>;
}

async function loadRealIngestion(): Promise<{ mod: RealIngestion | null; why: string }> {
  if (env.BENCH_MAIL_FAKE === '1') return { mod: null, why: 'BENCH_MAIL_FAKE=1' };
  const spec = '../../src/services/mail/ingest.js';
  try {
    const mod = (await import(spec)) as Partial<RealIngestion>;
    if (typeof mod.ingestMail !== 'function' || typeof mod.recordMailFailure !== 'function') {
      return { mod: null, why: 'src/services/mail/ingest.ts does not export ingestMail and recordMailFailure' };
    }
    return { mod: mod as RealIngestion, why: '' };
  } catch (e) {
    return { mod: null, why: `src/services/mail/ingest.ts could not be loaded: ${(e as Error).message.split('\n')[0]}` };
  }
}

async function createFakeTables(db: Db): Promise<void> {
  await db.raw(`create table bench_ingested (id bigserial primary key, message_id text not null unique, uid bigint, size int)`);
  await db.raw(`create table bench_failures (uid bigint primary key, attempts int not null)`);
}

function fakeIngestion(db: Db, maxBytes: number): { ingest: Ingest; recordFailure: RecordFailure } {
  const header = (raw: Buffer, name: string) => {
    const end = raw.indexOf('\r\n\r\n');
    const head = raw.subarray(0, end < 0 ? raw.length : end).toString('utf8').replace(/\r?\n[ \t]+/g, ' ');
    return new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(head)?.[1]?.trim() ?? null;
  };
  return {
    ingest: async (raw, source) => {
      const id = header(raw, 'Message-ID') ?? `fp:${createHash('sha256').update(raw).digest('hex')}`;
      const auto = header(raw, 'Auto-Submitted');
      return db.transaction(async (trx) => {
        const ins = await trx('bench_ingested').insert({ message_id: id, uid: source.uid, size: source.size }).onConflict('message_id').ignore().returning('id');
        await trx.raw(
          `insert into mailbox_state (mailbox, uidvalidity, last_uid) values (?, ?, ?)
           on conflict (mailbox) do update set last_uid = greatest(mailbox_state.last_uid, excluded.last_uid), updated_at = now()`,
          [source.mailbox, source.uidvalidity ?? null, source.uid ?? 0],
        );
        if (!ins.length) return { outcome: 'duplicate' as const };
        if ((source.size ?? 0) > maxBytes) return { outcome: 'too_large' as const };
        if (auto && auto !== 'no') return { outcome: 'ignore_auto_reply' as const };
        return { outcome: 'create_ticket' as const };
      });
    },
    recordFailure: async (_raw, source) => {
      const r = await db.raw(
        `insert into bench_failures (uid, attempts) values (?, 1) on conflict (uid) do update set attempts = bench_failures.attempts + 1 returning attempts`,
        [source.uid ?? 0],
      );
      const attempts = Number(r.rows[0].attempts);
      return { attempts, quarantined: attempts >= 5 };
    },
  };
}

/** Companies, contracts (e-mail paragraph), customers and their authorised addresses for the known senders. */
async function seedSenders(db: Db, people: Sender[]): Promise<void> {
  await db.transaction(async (trx) => {
    const windows = JSON.stringify(OFFICE_HOURS);
    const [cal] = await trx('service_calendars').insert({ name: 'Bench mail 8–16', windows, holiday_country: 'CZ' }).returning('id');
    const contracts = new Map<string, number>();
    for (let i = 1; i <= 10; i++) {
      const [co] = await trx('companies').insert({ name: `Firma ${i} s.r.o.`, address: `Průmyslová ${i}, 602 00 Brno` }).returning('id');
      const [c] = await trx('contracts').insert({ company_id: co.id, number: `M-${i}`, name: `Servisní smlouva ${i}`, calendar_id: cal.id }).returning('id');
      await trx('contract_paragraphs').insert([
        { contract_id: c.id, code: 'A1', name: 'Vada bránící provozu', kind: 'incident', sla_applies: true, reaction_method: 'Hod', reaction_amount: 4, resolution_method: 'Hod', resolution_amount: 16, is_email_default: false },
        { contract_id: c.id, code: 'B', name: 'Objednávka služby', kind: 'order', sla_applies: true, reaction_method: 'Den', reaction_amount: 1, resolution_method: 'Den', resolution_amount: 10, is_email_default: true },
        { contract_id: c.id, code: 'D', name: 'Dotaz, konzultace nebo změna', kind: 'question', sla_applies: false, is_email_default: false },
      ]);
      contracts.set(`firma${i}.example`, c.id);
    }
    let k = 0;
    for (const p of people.filter((s) => s.known)) {
      const contractId = contracts.get(p.address.split('@')[1] as string);
      if (!contractId) throw new Error(`no contract for ${p.address}`);
      const [u] = await trx('users')
        .insert({ login: `mail${k}`, login_key: `mail${k++}`, name: p.name, email: p.address, phone: '+420603123456', role: 'customer', password_hash: 'bench-no-login' })
        .returning('id');
      await trx('user_contracts').insert({ user_id: u.id, contract_id: contractId, sees_all_tickets: false });
      await trx('authorized_addresses').insert({ address: p.address.toLowerCase(), user_id: u.id, contract_id: contractId });
    }
  });
}

// ---- main -----------------------------------------------------------------------------------

async function main(): Promise<void> {
  log(`helpdesk.tech mail poller benchmark: ${MESSAGES.toLocaleString('en')} messages, batch ${BATCH}, time limit ${TIMEOUT_S} s`);
  log(`machine: ${os.cpus().length} CPU (${os.cpus()[0]?.model ?? '?'}), node ${process.version}`);
  if (!dovecotAvailable('mail benchmark')) throw new Error('Dovecot is required: apt-get install -y dovecot-imapd');

  // -- servers
  const t0 = performance.now();
  const pgStart = BenchPostgres.start({ bench: 'mail', port: 57532, external: true, keep: false });
  const [server, dovecot] = await Promise.all([pgStart, startDovecot()]);
  atCleanup(() => dovecot.stop());
  log(`Dovecot on 127.0.0.1:${dovecot.port} (greeting after ${ms(dovecot.startupMs)}); PostgreSQL ${env.BENCH_DATABASE_URL ? '(BENCH_DATABASE_URL)' : 'embedded'} — ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const { url } = await server.createDatabase(`helpdesk_bench_mail_${process.pid}`);
  const db = createDb(url, 4);
  atCleanup(() => db.destroy());
  await migrateToLatest(db);
  await ensureTicketNumberStart(db, 98000);

  // -- ingestion
  const people = senders(50, 20);
  const { mod, why } = await loadRealIngestion();
  // one sender sends ~100 mails within the hour here: lift the rate limit
  const config = loadConfig({ NODE_ENV: 'production', SEED_DEMO: 'false', MAIL_SENDER_HOURLY_LIMIT: '1000000' });
  const maxBytes = config.MAIL_MAX_MESSAGE_BYTES;
  let ingest: Ingest;
  let recordFailure: RecordFailure;
  if (mod) {
    await seedSenders(db, people);
    const ctx = serviceContext(db, config);
    ingest = (raw, source) => mod.ingestMail(ctx, raw, source);
    recordFailure = (raw, source, err) => mod.recordMailFailure(ctx, raw, source, err);
    log(`ingestion: REAL (src/services/mail/ingest.ts ingestMail), ${people.filter((p) => p.known).length} authorised senders seeded`);
  } else {
    await createFakeTables(db);
    ({ ingest, recordFailure } = fakeIngestion(db, maxBytes));
    log(`ingestion: FAKE (insert deduped by Message-ID + mailbox_state in one transaction) — ${why}`);
  }

  // -- messages
  let t = performance.now();
  const msgs = await generateMessages(MESSAGES, people);
  const bytes = msgs.reduce((s, m) => s + m.raw.length, 0);
  const kinds = msgs.reduce<Record<string, number>>((acc, m) => ((acc[m.kind] = (acc[m.kind] ?? 0) + 1), acc), {});
  log(`generated ${msgs.length} messages, ${(bytes / 2 ** 20).toFixed(1)} MiB (avg ${(bytes / msgs.length / 1024).toFixed(1)} KiB; ` +
    `${Object.entries(kinds).map(([k, v]) => `${k} ${v}`).join(', ')}, with attachment ${msgs.filter((m) => m.attachment).length}) in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  t = performance.now();
  const connect = async () => {
    const c = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user: USER, pass: 'secret' }, logger: false });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  };
  {
    const conns = await Promise.all(Array.from({ length: APPEND_CONNECTIONS }, connect));
    let next = 0;
    await Promise.all(
      conns.map(async (c) => {
        for (;;) {
          const i = next++;
          const m = msgs[i];
          if (!m) break;
          await c.append('INBOX', m.raw, [], new Date(Date.UTC(2026, 10, 2, 7) + i * 1000));
        }
        await c.logout();
      }),
    );
  }
  const appendS = (performance.now() - t) / 1000;
  log(`APPEND ${msgs.length} messages over ${APPEND_CONNECTIONS} connections: ${appendS.toFixed(1)} s (${(msgs.length / appendS).toFixed(0)}/s)`);

  // -- the poller
  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};
  const problems: string[] = [];
  let done = 0;
  const poller = createMailPoller({
    db,
    imap: { host: dovecot.host, port: dovecot.port, secure: false, user: USER, password: 'secret' },
    mailbox: 'INBOX',
    folders: FOLDERS,
    maxMessageBytes: maxBytes,
    maxAttempts: 5,
    pollSeconds: 30,
    batchSize: BATCH,
    ingest: async (raw, source) => {
      const s = performance.now();
      const r = await ingest(raw, source);
      latencies.push(performance.now() - s);
      outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
      done++;
      return r;
    },
    recordFailure,
    log: (m) => {
      if (problems.length < 20) problems.push(m);
    },
  });
  let pollerRunning = true;
  atCleanup(() => pollerRunning && poller.stop());
  const watcher = await connect();
  const inboxCount = async () => {
    const s = await watcher.status('INBOX', { messages: true });
    return s ? (s.messages ?? -1) : -1;
  };
  const tp = performance.now();
  poller.start();
  let lastReport = tp;
  let remaining = MESSAGES;
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    if (done >= MESSAGES || performance.now() - lastReport > 5000) {
      remaining = await inboxCount();
      if (remaining === 0) break;
      if (performance.now() - lastReport > 5000) {
        lastReport = performance.now();
        log(`  … ${done} ingested, ${remaining} left in INBOX (${(done / ((lastReport - tp) / 1000)).toFixed(0)}/s)`);
      }
    }
  }
  const wallS = (performance.now() - tp) / 1000;
  await poller.stop();
  pollerRunning = false;

  const folderCounts: string[] = [];
  for (const [k, f] of Object.entries(FOLDERS)) {
    const s = await watcher.status(f.split('/'), { messages: true }).catch(() => false as const);
    folderCounts.push(`${k} ${s ? (s.messages ?? 0) : 0}`);
  }
  await watcher.logout().catch(() => undefined);
  const state = await db('mailbox_state').where({ mailbox: 'INBOX' }).first('last_uid');

  const sorted = [...latencies].sort((a, b) => a - b);
  const rate = MESSAGES / wallS;
  const ingestSum = latencies.reduce((s, v) => s + v, 0);
  log('');
  log(`poller (${mod ? 'real' : 'FAKE'} ingestion): ${MESSAGES} messages in ${wallS.toFixed(2)} s = ${rate.toFixed(0)} messages/s  (target ≥ ${TARGET_PER_S}/s: ${rate >= TARGET_PER_S ? 'OK' : 'MISSED'})`);
  log(`  per message (ingest call): p50 ${ms(percentile(sorted, 50))}, p99 ${ms(percentile(sorted, 99))}, max ${ms(sorted.at(-1) ?? NaN)}, mean ${ms(ingestSum / Math.max(1, sorted.length))}`);
  log(`  per message (wall, incl. IMAP fetch/STORE/MOVE): ${ms((wallS * 1000) / MESSAGES)}; IMAP + poller overhead ${ms((wallS * 1000 - ingestSum) / MESSAGES)}`);
  log(`  ingest calls ${latencies.length} (messages ${MESSAGES}); outcomes: ${Object.entries(outcomes).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  log(`  folders: ${folderCounts.join(', ')}; INBOX ${remaining}; mailbox_state.last_uid ${state?.last_uid}`);
  if (problems.length) log(`  poller log (first ${problems.length}):\n    ${problems.join('\n    ')}`);
}

const deadline = setTimeout(() => {
  log(`\nTIME LIMIT of ${TIMEOUT_S} s reached: aborting`);
  void cleanUp().finally(() => process.exit(2));
}, TIMEOUT_S * 1000);

await runBench(main);
clearTimeout(deadline);
