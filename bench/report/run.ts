/**
 * Monthly report benchmark (issue 11; prints figures, it is not a test).
 *
 *   npm run bench:report
 *
 * Target: a contract with 100,000 tickets in one month (with history and effort) reports in
 * ≤ 1 s as JSON and the page in ≤ 1.5 s, on this 2-core machine.
 *
 * 1. starts an embedded PostgreSQL of its own in a temp folder (BENCH_REUSE=<dir>: a persistent
 *    one whose seeded database is kept and reused), migrates it and seeds bench/report/seed.ts:
 *    contract RB-1 with REPORT_TICKETS tickets in October 2026, some in September and November,
 *    and another contract's tickets, each with its history, messages and effort;
 * 2. measures, in this run:
 *    - the ceiling: the statements reportRows issues (captured from knex's query event), run
 *      straight on one pg connection (parallel workers off, as reportRows runs them) with the same bindings and the rows fetched and parsed by
 *      pg exactly as knex gets them (rows as arrays where the read asks for them). That is the raw
 *      operation of one connection: the database's work plus the transfer and parsing of the rows
 *      (reportRows runs its statements at once on several connections, so it may beat it). Everything else (knex, grouping the rows,
 *      buildReport, JSON) is what the report adds on top; the JSON figure is shown as a multiple
 *      of this ceiling. For the page the ceiling adds one round trip of an Express hello world
 *      (bench/support/ceiling.ts, one process, the same sequential GETs); for the command it adds
 *      the start of a bare `node` process.
 *    - contractReport in-process (median and max of BENCH_RUNS runs after warm-up), split into
 *      reportRows (SQL and rows into tickets) and buildReport (aggregation), and JSON.stringify;
 *    - the command end-to-end: `npm run --silent report -- …` spawned (wall time: npm, tsx,
 *      process start, the migration check, the report, the JSON), and the same without npm;
 *    - the page GET /reports/contracts/:id?month=2026-10 through the real app (bench/portal/server.ts,
 *      one web process, signed in as a staff user), when the route exists;
 * 3. prints EXPLAIN (ANALYZE, BUFFERS) of every statement reportRows issues, and the generic
 *    plan the statements get once a connection has run them five times (knex names every SELECT
 *    here, see db/knex.ts preparePlans).
 *
 * Environment: REPORT_TICKETS (October tickets of RB-1, default 100,000), BENCH_RUNS (default 10),
 * BENCH_PG_PORT (default 57532), BENCH_REUSE=<dir>, BENCH_KEEP=1 (keep the temp folder).
 * Machines here differ by a third between sessions: compare the multiples of the ceiling.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { buildReport } from '../../src/domain/report/index.js';
import { createDb } from '../../src/db/knex.js';
import { ensureTicketNumberStart, migrateToLatest } from '../../src/db/migrate.js';
import { onePool } from '../../src/services/reads/pools.js';
import { findReportContract, reportRange, reportRows } from '../../src/services/reads/report.js';
import { contractReport, contractReportPage } from '../../src/services/report.js';
import { LIST_LIMIT } from '../../src/web/report-view.js';
import { runBench } from '../support/cleanup.js';
import { BenchPostgres } from '../support/database.js';
import { num } from '../support/env.js';
import { APP_SCRIPT, CEILING_SCRIPT, NPM_START_FLAGS, ROOT, startServer, stopProcess } from '../support/processes.js';
import { signIn } from '../support/sign-in.js';
import { REPORT_COMPANY, REPORT_CONTRACT, seedCounts, seedReport, STAFF_LOGIN, STAFF_PASSWORD } from './seed.js';

const env = process.env;
const OCTOBER = num('REPORT_TICKETS', 100_000);
const RUNS = num('BENCH_RUNS', 10);
const MONTH = '2026-10';
const TARGET = { jsonMs: 1000, pageMs: 1500 };

const log = (line = '') => console.log(line);
const fmt = (ms: number) => `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const stats = (xs: number[]) => ({ median: median(xs), max: Math.max(...xs), min: Math.min(...xs) });

// ---- child processes -------------------------------------------------------------------------

/** bench/portal/server.ts (the real app) with a database URL, else the ceiling's hello world; one web process. */
function startApp(url: string | null) {
  const oneProcess = { BENCH_WORKERS: '1' };
  return url
    ? startServer(APP_SCRIPT, { nodeFlags: NPM_START_FLAGS, env: { ...oneProcess, BENCH_SERVER_DB_URL: url, BENCH_DB_POOL: '4' } })
    : startServer(CEILING_SCRIPT, { nodeFlags: NPM_START_FLAGS, env: oneProcess });
}

/** Wall time of a command until it exits; its stdout. */
function timed(cmd: string, args: string[], extraEnv: Record<string, string> = {}): Promise<{ ms: number; code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...env, ...extraEnv } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - t, code, stdout, stderr }));
  });
}

// ---- main ---------------------------------------------------------------------------------------

interface Captured {
  sql: string;
  bindings: unknown[];
  /** pg's row mode the read asked for ('array': rows as arrays), so the ceiling parses rows as the read does */
  rowMode?: string;
}
const what = (sql: string) =>
  /from "contract_paragraphs"/.test(sql) ? 'paragraphs' : /from "tickets"/.test(sql) ? 'tickets in scope' : /from "ticket_events"/.test(sql) ? (/from_id/.test(sql) ? 'reclassifications' : 'steps in the month') : /from "efforts"/.test(sql) ? 'efforts' : 'other';

async function main(): Promise<void> {
  const load = os.loadavg();
  log(`helpdesk.tech report benchmark: contract ${REPORT_CONTRACT} with ${OCTOBER.toLocaleString('en')} tickets in ${MONTH}, ${RUNS} runs per figure`);
  log(`machine: ${os.cpus().length} CPU (${os.cpus()[0]?.model ?? '?'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; ` +
      `load average at start ${load.map((l) => l.toFixed(2)).join(' ')} (other work on the machine shows here)`);

  // -- database
  const server = await BenchPostgres.start({ bench: 'report', port: 57532, external: false, reuse: env.BENCH_REUSE, keep: env.BENCH_KEEP === '1' });
  log(`PostgreSQL: embedded on port ${server.port}, data in ${server.folder} (started in ${(server.startedMs / 1000).toFixed(1)} s)`);
  const dbName = `helpdesk_bench_report_${OCTOBER}`;
  {
    const c = new pg.Client({ connectionString: server.adminUrl });
    await c.connect();
    const version = (await c.query('show server_version')).rows[0]?.server_version as string;
    const settings = (await c.query(`select name, setting, unit from pg_settings where name in ('shared_buffers', 'work_mem', 'jit')`)).rows as { name: string; setting: string; unit: string | null }[];
    log(`  server ${version}; ${settings.map((s) => `${s.name} ${s.setting}${s.unit ?? ''}`).join(', ')}`);
    await c.end();
  }
  const { url, reused: exists } = await server.createDatabase(dbName);
  const db = createDb(url, 2);
  const applied = await migrateToLatest(db);
  if (applied.length) log(`  migrations applied: ${applied.length}${exists ? ` (${applied.join(', ')})` : ''}`);
  await ensureTicketNumberStart(db, 98000);
  const seeded = exists && Number((await db('tickets').count('* as n').first())?.n ?? 0) > 0;
  if (seeded) {
    log(`\nSeeding skipped: BENCH_REUSE found ${dbName}`);
    if (applied.length) {
      // a new migration (an index) on old data: fresh statistics as after seeding
      await db.raw('vacuum analyze');
      await db.raw('checkpoint');
    }
  } else {
    log('\nSeeding');
    const seed = await seedReport(url, { october: OCTOBER, september: Math.round(OCTOBER / 10), november: Math.round(OCTOBER / 20), other: Math.round(OCTOBER * 1.5), firstNumber: 98000, log });
    server.keepOnceSeeded();
    log(`  seed ${'TOTAL'.padEnd(30)} ${(seed.totalMs / 1000).toFixed(1).padStart(6)} s`);
  }
  const counts = await seedCounts(db);
  log(`  rows: ${Object.entries(counts).map(([k, v]) => `${k} ${v.toLocaleString('en')}`).join(', ')}`);
  log(`  database size ${(await db.raw(`select pg_size_pretty(pg_database_size(current_database())) as s`)).rows[0].s}`);

  const pools = onePool(db);
  const contract = await findReportContract(pools, REPORT_COMPANY, REPORT_CONTRACT);
  if (!contract) throw new Error(`contract ${REPORT_CONTRACT} not found`);
  const range = reportRange(contract, MONTH)!;
  {
    const r = (await db.raw(
      `select count(*) filter (where created_at >= ? and created_at < ?) as month, count(*) as all
       from tickets where contract_id = ?`,
      [range.start, range.end, contract.id],
    )).rows[0] as { month: number; all: number };
    const ev = (await db.raw(`select count(*) as n from ticket_events e join tickets t on t.number = e.ticket_number where t.contract_id = ?`, [contract.id])).rows[0] as { n: number };
    const ef = (await db.raw(`select count(*) as n from efforts e join tickets t on t.number = e.ticket_number where t.contract_id = ? and e.work_date >= '2026-10-01' and e.work_date < '2026-11-01'`, [contract.id])).rows[0] as { n: number };
    log(`  contract ${REPORT_CONTRACT} (id ${contract.id}): ${Number(r.month).toLocaleString('en')} tickets created in ${MONTH}, ${Number(r.all).toLocaleString('en')} in all, ` +
        `${Number(ev.n).toLocaleString('en')} events, ${Number(ef.n).toLocaleString('en')} effort entries in ${MONTH}`);
  }

  // -- the statements reportRows issues
  const captured: Captured[] = [];
  // the reads only: each runs in a transaction of its own that turns parallel workers off (services/reads/report.ts);
  // the ceiling's connection turns them off for its session instead
  const listener = (q: { sql: string; bindings?: unknown[]; options?: { rowMode?: string } }) => {
    if (what(q.sql) !== 'other') captured.push({ sql: q.sql, bindings: q.bindings ?? [], rowMode: q.options?.rowMode });
  };
  db.on('query', listener);
  const first = await contractReport(pools, contract, MONTH);
  db.off('query', listener);
  if (!first) throw new Error('no report');
  log(`\nReport: received ${first.tickets.received}, resolved ${first.tickets.resolved}, closed ${first.tickets.closed}, cancelled ${first.tickets.cancelled}, ` +
      `open at end ${first.tickets.open_at_end}; SLA rows ${first.sla.length}; complaints ${JSON.stringify(first.complaints)}; effort rows ${first.effort.tickets.length}, ` +
      `billable ${first.effort.billable_hours} h; JSON ${(JSON.stringify(first).length / 1024).toFixed(0)} KiB`);

  // -- (a) ceiling: the same statements on one pg connection, rows fetched and parsed
  const raw = new pg.Client({ connectionString: url });
  await raw.connect();
  await raw.query('set max_parallel_workers_per_gather = 0');
  const perStatement = captured.map(() => [] as number[]);
  const rowCounts: number[] = [];
  const ceilingRuns: number[] = [];
  for (let run = 0; run < RUNS + 2; run++) {
    const t0 = performance.now();
    for (const [i, q] of captured.entries()) {
      const s = performance.now();
      const r = await raw.query({ text: q.sql, values: q.bindings as unknown[], ...(q.rowMode ? { rowMode: q.rowMode } : {}) });
      if (run >= 2) perStatement[i]!.push(performance.now() - s);
      rowCounts[i] = r.rowCount ?? 0;
    }
    if (run >= 2) ceilingRuns.push(performance.now() - t0);
  }
  const ceiling = stats(ceilingRuns);

  // -- (b) contractReport in-process, split
  let t: number;
  const total: number[] = [];
  const rowsMs: number[] = [];
  const buildMs: number[] = [];
  const jsonMs: number[] = [];
  for (let run = 0; run < 2; run++) await contractReport(pools, contract, MONTH); // warm-up (the first run above was one too)
  for (let run = 0; run < RUNS; run++) {
    t = performance.now();
    const report = await contractReport(pools, contract, MONTH);
    total.push(performance.now() - t);
    t = performance.now();
    JSON.stringify(report);
    jsonMs.push(performance.now() - t);
  }
  for (let run = 0; run < RUNS; run++) {
    t = performance.now();
    const input = await reportRows(pools, contract, range);
    rowsMs.push(performance.now() - t);
    t = performance.now();
    buildReport(input);
    buildMs.push(performance.now() - t);
  }
  // the page's data: the same rows, the report and the tickets behind its figures (services/report.ts)
  const pageData: number[] = [];
  for (let run = 0; run < Math.min(RUNS, 5); run++) {
    t = performance.now();
    await contractReportPage(pools, contract, MONTH, LIST_LIMIT);
    pageData.push(performance.now() - t);
  }
  const inProcess = stats(total);
  const json = stats(total.map((v, i) => v + jsonMs[i]!));

  // -- (c) the command
  const cmdArgs = ['--company', REPORT_COMPANY, '--contract', REPORT_CONTRACT, '--month', MONTH];
  const cmdEnv = { DATABASE_URL: url, NODE_ENV: 'production' };
  const bare: number[] = [];
  for (let run = 0; run < 3; run++) bare.push((await timed(process.execPath, ['-e', '0'])).ms);
  const npmRuns: number[] = [];
  const nodeRuns: number[] = [];
  let sameAsInProcess = true;
  for (let run = 0; run < 3; run++) {
    const r = await timed('npm', ['run', '--silent', 'report', '--', ...cmdArgs], cmdEnv);
    if (r.code !== 0) throw new Error(`npm run report exited ${r.code}: ${r.stderr || r.stdout}`);
    if (r.stdout.trim() !== JSON.stringify(first)) sameAsInProcess = false;
    npmRuns.push(r.ms);
    const d = await timed(process.execPath, ['--max-semi-space-size=64', '--import', 'tsx', 'src/cli/report.ts', ...cmdArgs], cmdEnv);
    if (d.code !== 0) throw new Error(`src/cli/report.ts exited ${d.code}: ${d.stderr || d.stdout}`);
    nodeRuns.push(d.ms);
  }
  const migrationCheck: number[] = [];
  for (let run = 0; run < 3; run++) {
    const fresh = createDb(url, 1);
    t = performance.now();
    await migrateToLatest(fresh);
    await ensureTicketNumberStart(fresh, 98000);
    migrationCheck.push(performance.now() - t);
    await fresh.destroy();
  }

  // -- (d) the page, through the app
  const hello: number[] = [];
  {
    const h = await startApp(null);
    for (let run = 0; run < 30; run++) {
      t = performance.now();
      const r = await fetch(`${h.base}/`);
      await r.text();
      if (run >= 5) hello.push(performance.now() - t);
    }
    await stopProcess(h.child);
  }
  const pagePath = `/reports/contracts/${contract.id}?month=${MONTH}`;
  const routeFile = path.join(ROOT, 'src/web/routes/reports.ts');
  let page: { runs: number[]; status: number; bytes: number; note: string } | null = null;
  if (!existsSync(routeFile)) {
    log(`\nPage: src/web/routes/reports.ts does not exist yet: GET ${pagePath} not measured`);
  } else {
    const app = await startApp(url);
    try {
      const cookie = (await signIn(app.base, STAFF_LOGIN, STAFF_PASSWORD)).header();
      const runs: number[] = [];
      let status = 0;
      let bytes = 0;
      for (let run = 0; run < Math.min(RUNS, 5) + 1; run++) {
        t = performance.now();
        const r = await fetch(`${app.base}${pagePath}`, { headers: { cookie }, redirect: 'manual' });
        const body = await r.text();
        if (run >= 1) runs.push(performance.now() - t);
        status = r.status;
        bytes = body.length;
        if (status !== 200) break;
      }
      page = { runs, status, bytes, note: status === 200 ? '' : `answered ${status}: not measured` };
    } finally {
      await stopProcess(app.child);
    }
  }

  // -- plans
  log('\nEXPLAIN (ANALYZE, BUFFERS) of each statement reportRows issues (custom plan, the bindings of the run)');
  for (const q of captured) {
    if (what(q.sql) === 'other') continue;
    const r = await raw.query(`explain (analyze, buffers) ${q.sql}`, q.bindings as unknown[]);
    log(`\n-- ${what(q.sql)}: ${q.sql}`);
    log(`-- bindings: ${JSON.stringify(q.bindings)}`);
    log((r.rows as { 'QUERY PLAN': string }[]).map((row) => row['QUERY PLAN']).join('\n'));
  }
  log('\nGeneric plans (what a connection that has run a statement five times may use; knex names every SELECT)');
  for (const [i, q] of captured.entries()) {
    if (what(q.sql) === 'other' || q.bindings.length === 0) continue;
    await raw.query(`prepare bench_generic_${i} as ${q.sql}`);
    await raw.query(`set plan_cache_mode = force_generic_plan`);
    const literal = (b: unknown): string =>
      b instanceof Date ? `'${b.toISOString()}'` : typeof b === 'string' ? `'${b.replace(/'/g, "''")}'` : Array.isArray(b) ? `'{${b.join(',')}}'` : String(b);
    const params = q.bindings.map(literal).join(', ');
    const r = await raw.query(`explain (analyze, buffers) execute bench_generic_${i}(${params})`);
    await raw.query(`reset plan_cache_mode`);
    await raw.query(`deallocate bench_generic_${i}`);
    const lines = (r.rows as { 'QUERY PLAN': string }[]).map((row) => row['QUERY PLAN']);
    log(`\n-- ${what(q.sql)} (generic)`);
    log(lines.join('\n'));
  }
  await raw.end();

  // -- summary
  const helloMs = median(hello);
  const pageCeiling = ceiling.median + helloMs;
  const cmdCeiling = ceiling.median + median(bare);
  const x = (v: number, c: number) => `${(v / c).toFixed(2)}× ceiling`;
  const verdict = (v: number, target: number) => (v <= target ? `MET (≤ ${target} ms)` : `MISSED (> ${target} ms)`);
  log('\nSummary (median of the runs; max in brackets)');
  log(`  ceiling: the ${captured.length} statements straight on pg, rows fetched: ${fmt(ceiling.median)} [${fmt(ceiling.max)}]`);
  for (const [i, q] of captured.entries()) {
    log(`    ${what(q.sql).padEnd(18)} ${fmt(median(perStatement[i]!)).padStart(8)}  ${rowCounts[i]!.toLocaleString('en').padStart(9)} rows`);
  }
  log(`  contractReport in-process      ${fmt(inProcess.median).padStart(8)} [${fmt(inProcess.max)}]  ${x(inProcess.median, ceiling.median)}`);
  log(`    reportRows (SQL + rows into tickets) ${fmt(median(rowsMs))} [${fmt(Math.max(...rowsMs))}]   buildReport ${fmt(median(buildMs))} [${fmt(Math.max(...buildMs))}]`);
  log(`  JSON (contractReport + JSON.stringify, ${fmt(median(jsonMs))}) ${fmt(json.median).padStart(8)} [${fmt(json.max)}]  ${x(json.median, ceiling.median)}  ${verdict(json.max, TARGET.jsonMs)}`);
  log(`  command: npm run --silent report   ${fmt(median(npmRuns)).padStart(8)} [${fmt(Math.max(...npmRuns))}]  ${x(median(npmRuns), cmdCeiling)} (ceiling + bare node start ${fmt(median(bare))} = ${fmt(cmdCeiling)})` +
      `  output ${sameAsInProcess ? 'equals' : 'DIFFERS from'} the in-process JSON`);
  log(`    node --max-semi-space-size=64 --import tsx src/cli/report.ts ${fmt(median(nodeRuns))} [${fmt(Math.max(...nodeRuns))}] (so npm adds ${fmt(median(npmRuns) - median(nodeRuns))}); ` +
      `migration check + ticket number start ${fmt(median(migrationCheck))}`);
  log(`  hello world GET (one process)  ${fmt(helloMs).padStart(8)}`);
  if (page && page.status === 200) {
    const p = stats(page.runs);
    log(`  page GET ${pagePath} ${fmt(p.median)} [${fmt(p.max)}]  ${x(p.median, pageCeiling)} (ceiling ${fmt(pageCeiling)}); ` +
        `${(page.bytes / 1024).toFixed(0)} KiB HTML; ${verdict(p.max, TARGET.pageMs)}`);
    log(`    of it the page's data in-process (contractReportPage: rows, report, the first ${LIST_LIMIT} tickets behind each figure) ${fmt(median(pageData))} [${fmt(Math.max(...pageData))}]; ` +
        `the rest is the session, rendering and sending the HTML`);
  } else if (page) log(`  page GET ${pagePath}: ${page.note}`);
  else log(`  page: not measured (the route is not in this tree yet)`);
  log(`  load average at end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  await db.destroy();
}

await runBench(main);
