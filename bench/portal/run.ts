/**
 * Portal benchmark (prints figures; it is not a test).
 *
 *   npm run bench:portal
 *
 * 1. starts an embedded PostgreSQL in a fresh temp folder (or uses BENCH_DATABASE_URL's server),
 *    creates a database, migrates it and seeds BENCH_TICKETS tickets (default 1,000,000);
 * 2. starts the real app in a child process (bench/portal/server.ts);
 * 3. signs in as the customer `bench` like a browser and loads the pages with autocannon:
 *    the overview, a ticket's conversation tab and request tab, and ticket creation;
 * 4. profiles the SQL of each page (EXPLAIN ANALYZE of the slow statements) and prints a summary
 *    against the targets; removes everything it created.
 *
 * Environment: BENCH_TICKETS, BENCH_DURATION (s per page, default 20), BENCH_WARMUP (s, default 3),
 * BENCH_CONNECTIONS (default 10), BENCH_PG_PORT (default 57432), BENCH_DATABASE_URL,
 * BENCH_DB_POOL (app's knex pool, default 10), BENCH_EXPLAIN=all, BENCH_EXPLAIN_MS (default 2),
 * BENCH_KEEP=1 (keep the database and its data folder), BENCH_CPU_PROF=<dir> (V8 CPU profile of the
 * app server, written when it stops), BENCH_NODE_FLAGS (node flags of the server, default as npm start),
 * BENCH_WORKERS (web processes, default as npm start),
 * BENCH_PAGES (comma-separated words; loads only the pages whose name contains one, e.g. `overview,komunikace`),
 * BENCH_SAVE_HTML=<dir> (writes each page's HTML there once), BENCH_REUSE=<dir> (for repeated runs while tuning: a persistent embedded PostgreSQL data folder; the
 * seeded database in it is reused when present, and the tickets a run creates are deleted afterwards).
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDb } from '../../src/db/knex.js';
import { ensureTicketNumberStart, migrateToLatest } from '../../src/db/migrate.js';
import { overviewPage, type QueueFilter, staffQueue } from '../../src/services/reads/lists.js';
import { ticketWithTab } from '../../src/services/reads/ticket-page.js';
import { atCleanup, runBench } from '../support/cleanup.js';
import { BenchPostgres } from '../support/database.js';
import { num } from '../support/env.js';
import { ceilingLine, cpuLine, fmtMs, type LoadPids, type LoadResult, measureLoad, shareCells, shareHeading } from '../support/load.js';
import { APP_SCRIPT, CEILING_SCRIPT, cpuProfileFlags, nodeFlagsFromEnv, startServer, stopProcess } from '../support/processes.js';
import { rowCounts } from '../support/seed-helpers.js';
import { signedInSession } from '../support/sign-in.js';
import { benchActor, type PageProbe, profilePages, type QueryProfile } from './profile.js';
import { BENCH_LOGIN, BENCH_PASSWORD, COUNTED_TABLES, seedPortal, type SeedResult } from './seed.js';

const env = process.env;
const TICKETS = num('BENCH_TICKETS', 1_000_000);
const DURATION = num('BENCH_DURATION', 20);
const WARMUP = num('BENCH_WARMUP', 3);
const CONNECTIONS = num('BENCH_CONNECTIONS', 10);
/**
 * Targets as shares of the ceiling (an Express hello world with as many processes, loaded the
 * same way in the same run): the pages at least 10 %, ticket creation at least 4 %; p99 absolute.
 */
const TARGET = { p99Ms: 25, pageShare: 0.1, createShare: 0.04, seedMs: 3 * 60 * 1000 };

const log = (line = '') => console.log(line);

/** Tables that reference tickets, children first. */
const TICKET_CHILDREN = ['inbound_mail', 'outbound_mail', 'attachments', 'ticket_events', 'efforts', 'ticket_messages'];

/** BENCH_REUSE: the tickets this run created go, so the next run measures the same database. */
async function deleteCreatedTickets(url: string, lastSeeded: number): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    // ticket_events is append-only by trigger; replica mode skips triggers for this clean-up (superuser)
    await c.query("set session_replication_role = replica");
    for (const table of TICKET_CHILDREN) await c.query(`delete from ${table} where ticket_number > $1`, [lastSeeded]);
    const r = await c.query('delete from tickets where number > $1', [lastSeeded]);
    // the next run must find the index pages all-visible again, as after seeding
    for (const table of ['tickets', ...TICKET_CHILDREN]) await c.query(`vacuum (analyze) ${table}`);
    log(`BENCH_REUSE: deleted ${r.rowCount} tickets created by this run`);
  } finally {
    await c.end();
  }
}

/** The portal (bench/portal/server.ts) on `url`, or without one the ceiling's hello world. */
function startApp(url: string | null) {
  return url
    ? startServer(APP_SCRIPT, { nodeFlags: [...nodeFlagsFromEnv(), ...cpuProfileFlags()], env: { BENCH_SERVER_DB_URL: url } })
    : startServer(CEILING_SCRIPT, { nodeFlags: nodeFlagsFromEnv() });
}

function multipart(fields: Record<string, string>): { body: Buffer; contentType: string } {
  const boundary = '----helpdeskBench7MA4YWxkTrZu0gW';
  const parts = Object.entries(fields).map(
    ([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`,
  );
  return { body: Buffer.from(`${parts.join('')}--${boundary}--\r\n`, 'utf8'), contentType: `multipart/form-data; boundary=${boundary}` };
}

// ---- load ------------------------------------------------------------------------------------

interface PageResult extends LoadResult {
  target: boolean;
}

/** pids whose CPU is accounted per request: the app server and PostgreSQL's postmaster (embedded only) */
const pids: LoadPids = { postmaster: null };

async function load(
  page: string,
  base: string,
  req: { path: string; method?: 'GET' | 'POST'; headers: Record<string, string>; body?: Buffer },
  okStatus: (s: number) => boolean,
  target: boolean,
): Promise<PageResult> {
  const opts = {
    url: `${base}${req.path}`,
    method: req.method ?? 'GET',
    headers: req.headers,
    body: req.body,
    connections: CONNECTIONS,
  };
  const res: PageResult = { ...(await measureLoad(page, opts, okStatus, { warmup: WARMUP, duration: DURATION, pids })), target };
  log(
    `  ${page.padEnd(34)} ${res.rps.toFixed(0).padStart(6)} req/s   p50 ${fmtMs(res.p50)}   p99 ${fmtMs(res.p99)}   ` +
      `avg ${fmtMs(res.avg)}   ${res.requests} requests   errors ${res.errors}   [${res.statuses}]`,
  );
  log(`  ${''.padEnd(34)} ${cpuLine(res.cpu, pids)}`);
  return res;
}

// ---- main --------------------------------------------------------------------------------------

async function main(): Promise<void> {
  log(`helpdesk.tech portal benchmark: ${TICKETS.toLocaleString('en')} tickets, ${CONNECTIONS} connections, ${DURATION} s per page (+${WARMUP} s warm-up)`);
  log(`machine: ${os.cpus().length} CPU (${os.cpus()[0]?.model ?? '?'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);

  // -- database
  const server = await BenchPostgres.start({ bench: 'portal', port: 57432, external: true, reuse: env.BENCH_REUSE, keep: env.BENCH_KEEP === '1' });
  pids.postmaster = server.postmasterPid;
  if (server.folder) log(`PostgreSQL: embedded on port ${server.port}, data in ${server.folder} (started in ${(server.startedMs / 1000).toFixed(1)} s)`);
  else log(`PostgreSQL: ${new URL(server.adminUrl).host} (BENCH_DATABASE_URL)`);
  {
    const c = new pg.Client({ connectionString: server.adminUrl });
    await c.connect();
    const version = (await c.query('show server_version')).rows[0]?.server_version as string;
    const sb = (await c.query('show shared_buffers')).rows[0]?.shared_buffers as string;
    const wm = (await c.query('show work_mem')).rows[0]?.work_mem as string;
    log(`PostgreSQL ${version}, shared_buffers ${sb}, work_mem ${wm}`);
    await c.end();
  }
  const dbName = env.BENCH_REUSE ? `helpdesk_bench_portal_${TICKETS}` : `helpdesk_bench_portal_${process.pid}`;
  const { url, reused } = await server.createDatabase(dbName);
  {
    const db = createDb(url, 2);
    await migrateToLatest(db);
    await ensureTicketNumberStart(db, 98000);
    await db.destroy();
  }

  // -- seed
  log(reused ? `\nSeeding skipped: BENCH_REUSE found ${dbName} (seed figures below are of this run's lookup only)` : '\nSeeding');
  const seed: SeedResult = reused
    ? await seededBefore(url)
    : await seedPortal(url, {
        tickets: TICKETS,
        benchTickets: 10_000,
        companies: 200,
        firstNumber: 98000,
        ownServer: !env.BENCH_DATABASE_URL,
        log,
      });
  if (env.BENCH_REUSE) {
    const db = createDb(url, 1);
    const last = Number((await db('tickets').max('number as n').first())?.n ?? 0);
    await db.destroy();
    server.keepOnceSeeded();
    atCleanup(() => deleteCreatedTickets(url, last).catch((e) => log(`could not delete created tickets: ${e}`)));
  }
  log(`  seed ${'TOTAL'.padEnd(28)} ${(seed.totalMs / 1000).toFixed(1).padStart(6)} s`);
  log(`  rows: ${Object.entries(seed.counts).map(([k, v]) => `${k} ${v.toLocaleString('en')}`).join(', ')}`);
  {
    const db = createDb(url, 2);
    await ensureTicketNumberStart(db, 98000);
    const sizes = (await db.raw(`select pg_size_pretty(pg_database_size(current_database())) as size`)).rows[0].size as string;
    log(`  database size ${sizes}`);
    // the seed's gigabytes would otherwise be flushed by the checkpointer while the pages are measured
    const t = performance.now();
    await db.raw('checkpoint').then(
      () => log(`  checkpoint after seeding: ${((performance.now() - t) / 1000).toFixed(1)} s (not part of the seeding figure)`),
      (e: Error) => log(`  no checkpoint after seeding (${e.message})`),
    );
    await db.destroy();
  }

  // -- what the bench customer sees; the ticket shown on the detail pages
  const db = createDb(url, 2);
  const benchRow = (await db('users').where({ login: BENCH_LOGIN }).first('id', 'login', 'name', 'email')) as {
    id: number; login: string; name: string; email: string;
  };
  const actor = benchActor(benchRow);
  const visible = await db.raw(
    `select count(*) filter (where state in ('new','accepted','escalated','paused','complained')) as current, count(*) as total,
            count(*) filter (where reporter_id = ?) as own
     from tickets where contract_id = ? or (contract_id = ? and reporter_id = ?)`,
    [actor.id, seed.benchContracts.seesAll, seed.benchContracts.ownOnly, actor.id],
  );
  const v = visible.rows[0] as { current: number; total: number; own: number };
  log(`  bench customer: reported ${Number(v.own).toLocaleString('en')} tickets on contract ${seed.benchContracts.ownOnly} (sees own only), ` +
      `sees all of contract ${seed.benchContracts.seesAll}; visible ${Number(v.total).toLocaleString('en')}, of them ${v.current} in the current list`);
  const detail = (
    await db.raw(
      `select m.ticket_number as number, count(*) as messages
       from ticket_messages m join tickets t on t.number = m.ticket_number
       where t.reporter_id = ? and t.state in ('accepted', 'escalated') and not m.internal
       group by 1 having count(*) >= 3 order by 1 desc limit 1`,
      [actor.id],
    )
  ).rows[0] as { number: number; messages: number } | undefined;
  if (!detail) throw new Error('no ticket of the bench customer with three messages');
  const { contract_id: newContract, paragraph_id: newParagraph } = (await db('contract_paragraphs')
    .where({ contract_id: seed.benchContracts.ownOnly, code: 'A1' })
    .first('contract_id', 'id as paragraph_id')) as { contract_id: number; paragraph_id: number };
  log(`  detail ticket: ${detail.number} (${detail.messages} messages)`);

  // -- the ceiling: the same process count and load, nothing but Express
  log(`\nCeiling (Express hello world, same process count, ${CONNECTIONS} connections, ${DURATION} s after ${WARMUP} s warm-up)`);
  let ceiling: PageResult;
  {
    const hello = await startApp(null);
    pids.server = hello.child.pid;
    ceiling = await load('GET / (hello world)', hello.base, { path: '/', headers: {} }, (s) => s === 200, false);
    await stopProcess(hello.child);
  }

  // -- app
  log('\nApp');
  const { child, base } = await startApp(url);
  pids.server = child.pid;
  log(`  listening on ${base} (child pid ${child.pid})`);
  const { cookie, csrf } = await signedInSession(base, BENCH_LOGIN, BENCH_PASSWORD);
  log(`  signed in as ${BENCH_LOGIN}; session cookie ${cookie.slice(0, 18)}…, csrf token ${csrf.slice(0, 8)}…`);
  const headers = { cookie };

  // sanity: each page answers as a browser expects, with real content (not a login redirect or a 403)
  const sizes: string[] = [];
  const check = async (p: string, expect: RegExp) => {
    const r = await fetch(`${base}${p}`, { headers, redirect: 'manual' });
    const body = await r.text();
    if (r.status !== 200 || !expect.test(body)) throw new Error(`GET ${p}: status ${r.status}, content check ${expect} failed`);
    if (env.BENCH_SAVE_HTML) await writeFile(path.join(env.BENCH_SAVE_HTML, `${p.replace(/\W+/g, '_')}.html`), body);
    sizes.push(`${p} ${(Buffer.byteLength(body) / 1024).toFixed(1)} KiB`);
  };
  await check('/tickets', new RegExp(`href="/tickets/\\d+"`));
  await check(`/tickets/${detail.number}/komunikace`, new RegExp(String(detail.number)));
  await check(`/tickets/${detail.number}`, new RegExp(String(detail.number)));
  log(`  HTML: ${sizes.join(', ')}`);
  const form = multipart({
    _csrf: csrf,
    contract_id: String(newContract),
    paragraph_id: String(newParagraph),
    contact_phone: '602123456',
    subject: 'Benchmark: nefunkční tisk',
    description: 'Dobrý den,\r\ntiskárna v kanceláři 12 netiskne. Prosíme o prověření.\r\nDěkuji',
  });
  {
    const r = await fetch(`${base}/tickets/new`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': form.contentType },
      body: new Uint8Array(form.body),
    });
    await r.text();
    if (r.status !== 303) throw new Error(`POST /tickets/new answered ${r.status}, expected 303`);
    log(`  sanity checks passed (POST /tickets/new → 303 ${r.headers.get('location')})`);
  }

  // -- SQL profile of the measured pages
  const probes: PageProbe[] = [
    { page: 'overview /tickets', run: (d) => overviewPage(d, actor, 'current', 1) },
    // as the page reads them: the header with the tab's rows in one statement
    { page: 'detail /komunikace', run: (d) => ticketWithTab(d, actor, detail.number, 'messages') },
    { page: 'detail /tickets/<n>', run: (d) => ticketWithTab(d, actor, detail.number, 'attachments') },
  ];
  // not under load: the other two lists of the overview, for comparison
  probes.push({ page: 'overview ?list=resolved', run: (d) => overviewPage(d, actor, 'resolved', 1) });
  probes.push({ page: 'overview ?list=closed', run: (d) => overviewPage(d, actor, 'closed', 1) });
  // not under load: the staff queue's usual filters over all 1,000,000 tickets
  const staff = { ...benchActor(await db('users').where({ login: 'agent1' }).first('id', 'login', 'name', 'email')), role: 'agent' as const };
  const queue: [string, QueueFilter][] = [
    ['open (default)', { state: 'open' }],
    ['all states', {}],
    ['closed', { state: 'closed' }],
    ['one solver', { assignee: staff.id }],
    ['unassigned open', { state: 'open', assignee: 'none' }],
    ['text "tisk"', { text: 'tisk' }],
    ['SLA breached', { sla: 'breached' }],
    ['open by due', { state: 'open', sort: 'due_asc' }],
    ['all, page 100', { page: 100 }],
  ];
  for (const [name, filter] of queue) probes.push({ page: `queue ${name}`, run: (d) => staffQueue(d, staff, filter) });
  const explainAll = env.BENCH_EXPLAIN === 'all';
  const profile: QueryProfile[] = await profilePages(url, probes, { runs: 15, explainOverMs: num('BENCH_EXPLAIN_MS', 2), explainAll });
  await db.destroy();

  // -- load
  log(`\nLoad (autocannon, ${CONNECTIONS} connections, ${DURATION} s each after ${WARMUP} s warm-up)`);
  const ok = (s: number) => s >= 200 && s < 300;
  const results: PageResult[] = [];
  const only = env.BENCH_PAGES?.split(',').map((w) => w.trim().toLowerCase()).filter(Boolean);
  const wanted = (page: string) => !only || only.some((w) => page.toLowerCase().includes(w));
  const page = async (name: string, run: () => Promise<PageResult>) => {
    if (wanted(name)) results.push(await run());
  };
  await page('GET /tickets (overview, page 1)', () => load('GET /tickets (overview, page 1)', base, { path: '/tickets', headers }, ok, true));
  const conversation = `GET /tickets/${detail.number}/komunikace`;
  await page(conversation, () => load(conversation, base, { path: `/tickets/${detail.number}/komunikace`, headers }, ok, true));
  const request = `GET /tickets/${detail.number} (detail)`;
  await page(request, () => load(request, base, { path: `/tickets/${detail.number}`, headers }, ok, true));
  await page('POST /tickets/new (multipart)', () =>
    load(
      'POST /tickets/new (multipart)',
      base,
      { path: '/tickets/new', method: 'POST', headers: { cookie, 'content-type': form.contentType }, body: form.body },
      (s) => s === 303,
      false,
    ),
  );

  // -- SQL profile output
  log('\nSQL per page (median of 15 in-process runs, single connection, no load)');
  for (const q of profile) {
    log(`  ${q.page.padEnd(28)} ${fmtMs(q.medianMs)}  ${q.sql.replace(/\s+/g, ' ').slice(0, 150)}${q.sql.length > 150 ? '…' : ''}`);
  }
  const plans = profile.filter((q) => q.plan);
  if (plans.length) {
    log(`\nEXPLAIN (ANALYZE, BUFFERS) of ${explainAll ? 'every statement' : `statements over ${num('BENCH_EXPLAIN_MS', 2)} ms`}`);
    for (const q of plans) {
      log(`\n-- ${q.page}: ${fmtMs(q.medianMs)}`);
      log(`-- ${q.sql}`);
      log(`-- bindings: ${JSON.stringify(q.bindings)}`);
      log(q.plan!);
    }
  }

  // -- summary
  const seedOk = seed.totalMs <= TARGET.seedMs;
  log('\nSummary');
  log(ceilingLine(ceiling));
  log(
    shareHeading('page', 34) +
      `${'CPU ms/req app+pg+load'.padEnd(24)} target (pages ≥ ${TARGET.pageShare * 100} %, p99 ≤ ${TARGET.p99Ms} ms; creation ≥ ${TARGET.createShare * 100} %)`,
  );
  for (const r of results) {
    const share = r.rps / ceiling.rps;
    const wantShare = r.target ? TARGET.pageShare : TARGET.createShare;
    const p99Ok = !r.target || r.p99 <= TARGET.p99Ms;
    const verdict =
      share >= wantShare && p99Ok && r.errors === 0
        ? 'MET'
        : `MISSED${share < wantShare ? ' share' : ''}${p99Ok ? '' : ' p99'}${r.errors ? ' errors' : ''}`;
    const cpu = `${r.cpu.serverMs.toFixed(2)}+${pids.postmaster ? r.cpu.postgresMs.toFixed(2) : '?'}+${r.cpu.loadgenMs.toFixed(2)}`;
    log(`${shareCells(r, share, 34)}${cpu.padEnd(24)} ${verdict}`);
  }
  if (reused) log(`  seeding: skipped (BENCH_REUSE)`);
  else log(`  ${`seeding ${TICKETS.toLocaleString('en')} tickets`.padEnd(34)} ${`${(seed.totalMs / 1000).toFixed(1)} s`.padStart(7)}${' '.repeat(52)}${seedOk ? 'MET' : 'MISSED'} (≤ ${TARGET.seedMs / 1000} s${TICKETS < 1_000_000 ? ', target is for 1,000,000' : ''})`);
  for (const p of seed.phases) log(`    ${p.name.padEnd(32)} ${(p.ms / 1000).toFixed(1).padStart(6)} s`);
  const allErrors = results.reduce((n, r) => n + r.errors, 0);
  if (allErrors) log(`\n  WARNING: ${allErrors} responses had an unexpected status; their figures are not meaningful.`);
}

/** BENCH_REUSE: what seedPortal returned when it seeded the reused database. */
async function seededBefore(url: string): Promise<SeedResult> {
  const t = performance.now();
  const db = createDb(url, 1);
  try {
    const bench = (await db('users').where({ login: BENCH_LOGIN }).first('id')) as { id: number };
    const contracts = (await db('contracts').where({ company_id: 1 }).orderBy('id').select('id')) as { id: number }[];
    return {
      phases: [],
      totalMs: performance.now() - t,
      benchUserId: bench.id,
      benchContracts: { ownOnly: contracts[0]!.id, seesAll: contracts[1]!.id },
      counts: await rowCounts(db, COUNTED_TABLES),
    };
  } finally {
    await db.destroy();
  }
}

const started = performance.now();
await runBench(main);
log(`\nbenchmark finished in ${((performance.now() - started) / 1000).toFixed(0)} s`);
