/**
 * Integration API benchmark (prints figures; it is not a test).
 *
 *   npm run bench:api
 *
 * 1. starts an embedded PostgreSQL in a fresh temp folder (or uses BENCH_DATABASE_URL's server),
 *    creates and migrates a database with one company, contract, paragraph (with SLA) and
 *    customer, and API tokens for it;
 * 2. measures the ceiling: bench/support/ceiling.ts (Express hello world, the same process count)
 *    under the same autocannon load, in this run;
 * 3. starts the real app (bench/portal/server.ts, every channel as `npm start` mounts them) and
 *    loads POST /api/v1/tickets with a fresh Idempotency-Key on every request, then
 *    GET /api/v1/tickets/{number} of one ticket; prints each as a share of the ceiling.
 *
 * Targets (issue 14): reads ≥ 8 % and creates ≥ 3 % of the ceiling.
 *
 * The API allows a token 600 requests a minute (API.md §1), so the load rotates over
 * BENCH_TOKENS tokens of the contract (default 200): every request still authenticates, counts
 * itself in the shared PostgreSQL counter and marks its token used, as a real client's does.
 *
 * Environment: BENCH_DURATION (s per phase, default 10), BENCH_WARMUP (s, default 2),
 * BENCH_CONNECTIONS (default 10), BENCH_TOKENS (default 200), BENCH_PG_PORT (default 57532),
 * BENCH_DATABASE_URL, BENCH_WORKERS (web processes, default as npm start), BENCH_CPU_PROF=<dir>
 * (V8 CPU profiles of the app server, written when it stops), BENCH_NODE_FLAGS, BENCH_WAITS=1 (what
 * PostgreSQL's active backends wait on during each phase: pg_stat_activity sampled every 20 ms).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import type autocannon from 'autocannon';
import pg from 'pg';
import { createDb } from '../../src/db/knex.js';
import { ensureTicketNumberStart, migrateToLatest } from '../../src/db/migrate.js';
import { loginKey } from '../../src/domain/login.js';
import { tokenHash } from '../../src/services/api/tokens.js';
import { AROUND_THE_CLOCK } from '../support/calendars.js';
import { runBench } from '../support/cleanup.js';
import { BenchPostgres } from '../support/database.js';
import { num } from '../support/env.js';
import { ceilingLine, cpuLine, fmtMs, type LoadPids, type LoadResult, measureLoad, shareCells, shareHeading } from '../support/load.js';
import { APP_SCRIPT, CEILING_SCRIPT, cpuProfileFlags, nodeFlagsFromEnv, startServer, stopProcess } from '../support/processes.js';

const env = process.env;
const DURATION = num('BENCH_DURATION', 10);
const WARMUP = num('BENCH_WARMUP', 2);
const CONNECTIONS = num('BENCH_CONNECTIONS', 10);
const TOKENS = num('BENCH_TOKENS', 200);
const TARGET = { readShare: 0.08, createShare: 0.03 };

const log = (line = '') => console.log(line);

const pids: LoadPids = { postmaster: null };

// ---- seed ----------------------------------------------------------------------------------

/** One customer's contract with an SLA paragraph, and TOKENS API tokens of it. Returns the tokens. */
async function seed(url: string): Promise<string[]> {
  const db = createDb(url, 2);
  try {
    await migrateToLatest(db);
    await ensureTicketNumberStart(db, 98000);
    const [cal] = await db('service_calendars').insert({ name: '24x7', windows: JSON.stringify(AROUND_THE_CLOCK), holiday_country: null }).returning('id');
    const [company] = await db('companies').insert({ name: 'Monitoring s.r.o.', address: 'Brno' }).returning('id');
    const [contract] = await db('contracts').insert({ company_id: company.id, number: 'MON-1', name: 'Dohled', calendar_id: cal.id }).returning('id');
    const [paragraph] = await db('contract_paragraphs')
      .insert({ contract_id: contract.id, code: 'I1', name: 'Incident', kind: 'incident', sla_applies: true, reaction_method: 'Hod', reaction_amount: 4, resolution_method: 'Hod', resolution_amount: 16, is_email_default: true })
      .returning('id');
    // the password is never used: the API authenticates by token
    const [user] = await db('users')
      .insert({ login: 'zabbix', login_key: loginKey('zabbix'), name: 'Zabbix', email: 'zabbix@example.cz', role: 'customer', password_hash: 'x' })
      .returning('id');
    await db('user_contracts').insert({ user_id: user.id, contract_id: contract.id, sees_all_tickets: true });
    const tokens = Array.from({ length: TOKENS }, () => `hdt_${randomBytes(32).toString('base64url')}`);
    await db('api_tokens').insert(
      tokens.map((token, i) => ({ contract_id: contract.id, paragraph_id: paragraph.id, user_id: user.id, name: `bench ${i}`, token_hash: tokenHash(token) })),
    );
    return tokens;
  } finally {
    await db.destroy();
  }
}

// ---- what the backends wait on (BENCH_WAITS=1) ------------------------------------------------

/** Samples pg_stat_activity of the database until stopped; returns "type:event share" of the active backends' samples. */
function sampleWaits(url: string | null): () => Promise<string> {
  if (!url || env.BENCH_WAITS !== '1') return async () => '';
  const client = new pg.Client({ connectionString: url });
  const counts = new Map<string, number>();
  let samples = 0;
  let running = true;
  const done = (async () => {
    await client.connect();
    while (running) {
      const { rows } = await client.query(
        `select coalesce(wait_event_type, 'CPU') || ':' || coalesce(wait_event, '-') as w, count(*)::int as n
         from pg_stat_activity where datname = current_database() and state = 'active' and pid <> pg_backend_pid() group by 1`,
      );
      for (const r of rows as { w: string; n: number }[]) counts.set(r.w, (counts.get(r.w) ?? 0) + r.n);
      samples += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await client.end();
  })();
  return async () => {
    running = false;
    await done;
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 6);
    return `active backends per sample ${(total / Math.max(1, samples)).toFixed(1)}: ${top.map(([w, n]) => `${w} ${((n / total) * 100).toFixed(0)} %`).join(', ')}`;
  };
}

// ---- load ----------------------------------------------------------------------------------

/** One phase: warm-up, then DURATION seconds; `headers` gives each request its own (a token, a key). */
async function load(
  name: string,
  base: string,
  req: { path: string; method?: 'GET' | 'POST'; body?: string; headers?: () => Record<string, string> },
  ok: (status: number) => boolean,
  dbUrl: string | null = null,
): Promise<LoadResult> {
  const headers = req.headers;
  const opts: autocannon.Options = {
    url: `${base}${req.path}`,
    connections: CONNECTIONS,
    requests: [
      {
        method: req.method ?? 'GET',
        path: req.path,
        ...(req.body ? { body: req.body } : {}),
        ...(headers ? { setupRequest: (r: autocannon.Request) => ({ ...r, headers: { ...r.headers, ...headers() } }) } : {}),
      },
    ],
  };
  const res = await measureLoad(name, opts, ok, { warmup: WARMUP, duration: DURATION, pids, watch: () => sampleWaits(dbUrl) });
  log(`  ${name.padEnd(44)} ${res.rps.toFixed(0).padStart(6)} req/s   p50 ${fmtMs(res.p50)}   p99 ${fmtMs(res.p99)}   ${res.requests} requests   errors ${res.errors}   [${res.statuses}]`);
  log(`  ${''.padEnd(44)} ${cpuLine(res.cpu, pids)}`);
  if (res.watched) log(`  ${''.padEnd(44)} PostgreSQL ${res.watched}`);
  return res;
}

/** The app (bench/portal/server.ts, every channel) on `url`, or without one the ceiling's hello world. */
function startApp(url: string | null) {
  return url
    ? startServer(APP_SCRIPT, { nodeFlags: [...nodeFlagsFromEnv(), ...cpuProfileFlags()], env: { BENCH_SERVER_DB_URL: url } })
    : startServer(CEILING_SCRIPT, { nodeFlags: nodeFlagsFromEnv() });
}

// ---- main ----------------------------------------------------------------------------------

async function main(): Promise<void> {
  log(`helpdesk.tech API benchmark: ${CONNECTIONS} connections, ${DURATION} s per phase (+${WARMUP} s warm-up), ${TOKENS} tokens of one contract`);
  log(`machine: ${os.cpus().length} CPU (${os.cpus()[0]?.model ?? '?'}), node ${process.version}`);

  const server = await BenchPostgres.start({ bench: 'api', port: 57532, external: true, keep: false });
  pids.postmaster = server.postmasterPid;
  if (server.port) log(`PostgreSQL: embedded on port ${server.port}`);
  const { url } = await server.createDatabase(`helpdesk_bench_api_${process.pid}`);
  const tokens = await seed(url);
  let turn = 0;
  const nextToken = () => tokens[turn++ % tokens.length]!;

  log(`\nCeiling (Express hello world, same process count, ${CONNECTIONS} connections, ${DURATION} s after ${WARMUP} s warm-up)`);
  const hello = await startApp(null);
  pids.server = hello.child.pid;
  const ceiling = await load('GET / (hello world)', hello.base, { path: '/' }, (s) => s === 200);
  await stopProcess(hello.child);

  log('\nApp');
  const { child, base } = await startApp(url);
  pids.server = child.pid;
  const body = JSON.stringify({
    subject: 'Zabbix: disk /var zaplněn z 95 %',
    description: 'Problem started at 09:14:02 on 2026.11.27\nProblem name: /var: Disk space is critically low (used > 95%)\nHost: db1\nSeverity: High',
  });
  const createHeaders = () => ({ authorization: `Bearer ${nextToken()}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() });

  // sanity: a create answers 201 with a Location, its retry replays it, the read answers 200
  const first = createHeaders();
  const created = await fetch(`${base}/api/v1/tickets`, { method: 'POST', headers: first, body });
  const createdBody = (await created.json()) as { number?: number };
  if (created.status !== 201 || !createdBody.number) throw new Error(`POST /api/v1/tickets answered ${created.status}: ${JSON.stringify(createdBody)}`);
  const replay = await fetch(`${base}/api/v1/tickets`, { method: 'POST', headers: first, body });
  if (replay.status !== 201 || ((await replay.json()) as { number?: number }).number !== createdBody.number) throw new Error('the retry with the same Idempotency-Key did not replay the ticket');
  const number = createdBody.number;
  const read = await fetch(`${base}/api/v1/tickets/${number}`, { headers: { authorization: `Bearer ${nextToken()}` } });
  if (read.status !== 200) throw new Error(`GET /api/v1/tickets/${number} answered ${read.status}`);
  await read.text();
  log(`  sanity checks passed (POST → 201 ticket ${number}, same key → replayed, GET → 200)`);

  log(`\nLoad (autocannon, ${CONNECTIONS} connections, ${DURATION} s each after ${WARMUP} s warm-up)`);
  const creates = await load('POST /api/v1/tickets (fresh Idempotency-Key)', base, { path: '/api/v1/tickets', method: 'POST', body, headers: createHeaders }, (s) => s === 201, url);
  const reads = await load(`GET /api/v1/tickets/${number}`, base, { path: `/api/v1/tickets/${number}`, headers: () => ({ authorization: `Bearer ${nextToken()}` }) }, (s) => s === 200, url);

  log('\nSummary');
  log(ceilingLine(ceiling));
  log(`${shareHeading('phase', 44)}${'CPU ms/req app+pg'.padEnd(18)} target`);
  for (const [r, want] of [[creates, TARGET.createShare], [reads, TARGET.readShare]] as const) {
    const share = r.rps / ceiling.rps;
    const verdict = share >= want && r.errors === 0 ? 'MET' : `MISSED${share < want ? ' share' : ''}${r.errors ? ' errors' : ''}`;
    const cpu = `${r.cpu.serverMs.toFixed(2)}+${pids.postmaster ? r.cpu.postgresMs.toFixed(2) : '?'}`;
    log(`${shareCells(r, share, 44)}${cpu.padEnd(18)} ${verdict} (≥ ${want * 100} %)`);
  }
  if (creates.errors + reads.errors > 0) log('\n  WARNING: some responses had an unexpected status; their figures are not meaningful.');
}

const started = performance.now();
await runBench(main);
log(`\nbenchmark finished in ${((performance.now() - started) / 1000).toFixed(0)} s`);
