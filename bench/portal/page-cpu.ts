/**
 * CPU per page, a figure that survives a busy machine: the app's CPU time per request (from
 * /proc, as bench/support/cpu.ts counts it) over a fixed number of requests, not requests per second.
 *
 *   BENCH_REUSE=/tmp/bench-reuse npx tsx bench/portal/page-cpu.ts
 *
 * Needs a database seeded by `BENCH_REUSE=<dir> npm run bench:portal` (same BENCH_TICKETS). Starts
 * the embedded PostgreSQL of that folder and one app process (bench/portal/server.ts with
 * BENCH_WORKERS=1), signs in as the bench customer and, per page, sends PAGE_CPU_WARMUP requests,
 * then PAGE_CPU_ROUNDS rounds of PAGE_CPU_REQUESTS requests over PAGE_CPU_CONNECTIONS connections,
 * printing the app's and PostgreSQL's CPU ms per request of every round and their medians.
 *
 * Environment: BENCH_REUSE (required), BENCH_TICKETS (default 1,000,000), BENCH_PG_PORT,
 * BENCH_PAGES (as run.ts: overview, komunikace, detail; `create` is measured only when named),
 * PAGE_CPU_REQUESTS (default 4000), PAGE_CPU_ROUNDS (default 5), PAGE_CPU_WARMUP (default 2000),
 * PAGE_CPU_CONNECTIONS (default 4), PAGE_CPU_PROF=<dir> (a V8 CPU profile of the app per page in
 * <dir>/<page>/; summarise with profile-summary.ts), PAGE_CPU_TREES=<dir>,<dir> (compare the apps of
 * several source trees, e.g. a `git archive` of the last commit and the working tree: their
 * servers take turns round by round, so the machine's load falls on each alike; a tree needs the
 * node_modules its package.json names, a symlink to this one's when they agree),
 * PAGE_CPU_EXTRA=<name>:<path>,… (more GET pages, e.g. a route added to a scratch tree),
 * PAGE_CPU_CALLGRIND=<dir> (instructions per request under valgrind's callgrind instead of CPU
 * time: independent of the machine's load but about 100 times slower, and a few hundred requests
 * per round still vary with garbage collection by some per cent).
 *
 * Even one process's CPU time per request moves by 10–15 % from round to round when other work
 * shares the machine: compare trees in one run, with several rounds, and read the medians.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { withDatabase } from '../../src/db/url.js';
import { num } from '../support/env.js';
import { freePort } from '../support/ports.js';
import { postmasterPidOf, sampleCpu } from '../support/cpu.js';
import { APP_SCRIPT, NPM_START_FLAGS, ROOT, type ServerProcess, startServer, stopProcess } from '../support/processes.js';
import { signedInSession } from '../support/sign-in.js';
import { BENCH_LOGIN, BENCH_PASSWORD } from './seed.js';

const env = process.env;
const REQUESTS = num('PAGE_CPU_REQUESTS', 4000);
const ROUNDS = num('PAGE_CPU_ROUNDS', 5);
const WARMUP = num('PAGE_CPU_WARMUP', 2000);
const CONNECTIONS = num('PAGE_CPU_CONNECTIONS', 4);
const TICKETS = num('BENCH_TICKETS', 1_000_000);
/** the source trees whose app is measured (their bench/portal/server.ts), taking turns round by round */
const TREES = (env.PAGE_CPU_TREES ?? ROOT).split(',').map((t) => path.resolve(t.trim())).filter(Boolean);

/**
 * PAGE_CPU_CALLGRIND=<dir>: run the apps under valgrind's callgrind and count instructions per
 * request instead of CPU time (about 100 times slower; start-up takes minutes; use a few hundred
 * requests). Machine load does not change an instruction count.
 */
const VALGRIND = env.PAGE_CPU_CALLGRIND ? path.resolve(env.PAGE_CPU_CALLGRIND) : null;

/** Instructions the callgrind'ed process `pid` executed since its last zeroing: zero, run, dump. */
async function instructions(pid: number, during: () => Promise<number>): Promise<{ n: number; ir: number }> {
  execFileSync('callgrind_control', ['--zero', String(pid)], { stdio: 'ignore' });
  const n = await during();
  execFileSync('callgrind_control', ['--dump', String(pid)], { stdio: 'ignore' });
  // the newest dump of this process carries the totals of the period
  const files = readdirSync(VALGRIND!).filter((f) => f.startsWith(`callgrind.${pid}`)).map((f) => path.join(VALGRIND!, f));
  const newest = files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!;
  const m = /^(?:summary|totals):\s+(\d+)/m.exec(readFileSync(newest, 'utf8'));
  return { n, ir: Number(m?.[1] ?? NaN) };
}

/** user and system CPU ms of one process */
function ownCpu(pid: number): { user: number; sys: number } {
  const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
  return { user: Number(f[11]) * 10, sys: Number(f[12]) * 10 };
}

if (!env.BENCH_REUSE) {
  console.error('page-cpu.ts: set BENCH_REUSE to the folder of a database seeded by bench:portal');
  process.exit(2);
}

function startTree(root: string, url: string, profDir: string | null): Promise<ServerProcess> {
  const prof = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
  return startServer(APP_SCRIPT, {
    root,
    nodeFlags: [...NPM_START_FLAGS, ...prof],
    env: { BENCH_SERVER_DB_URL: url, BENCH_WORKERS: '1' },
    launcher: VALGRIND ? ['valgrind', '-q', '--tool=callgrind', `--callgrind-out-file=${VALGRIND}/callgrind.%p`] : undefined,
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dir = path.resolve(env.BENCH_REUSE!);
  const port = await freePort(num('BENCH_PG_PORT', 57432));
  const server = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port });
  const postmaster = postmasterPidOf(path.join(dir, 'pg'));
  const url = withDatabase(server.url('postgres'), `helpdesk_bench_portal_${TICKETS}`);
  let lastSeeded = 0;
  try {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    lastSeeded = Number((await c.query('select max(number) as n from tickets')).rows[0].n);
    const bench = (await c.query('select id from users where login = $1', [BENCH_LOGIN])).rows[0] as { id: number };
    const detail = (
      await c.query(
        `select m.ticket_number as number from ticket_messages m join tickets t on t.number = m.ticket_number
         where t.reporter_id = $1 and t.state in ('accepted', 'escalated') and not m.internal
         group by 1 having count(*) >= 3 order by 1 desc limit 1`,
        [bench.id],
      )
    ).rows[0] as { number: string };
    const newTicket = (
      await c.query(
        `select p.contract_id, p.id from contract_paragraphs p join user_contracts uc on uc.contract_id = p.contract_id
         where uc.user_id = $1 and p.code = 'A1' order by uc.sees_all_tickets, p.contract_id limit 1`,
        [bench.id],
      )
    ).rows[0] as { contract_id: number; id: number };
    await c.end();

    const pages: { name: string; path: string; method?: 'POST'; form?: boolean }[] = [
      { name: 'overview', path: '/tickets' },
      { name: 'komunikace', path: `/tickets/${detail.number}/komunikace` },
      { name: 'detail', path: `/tickets/${detail.number}` },
      { name: 'create', path: '/tickets/new', method: 'POST', form: true },
      ...(env.PAGE_CPU_EXTRA ?? '').split(',').filter(Boolean).map((e) => ({ name: e.split(':')[0]!, path: e.split(':')[1]! })),
    ];
    const only = env.BENCH_PAGES?.split(',').map((w) => w.trim().toLowerCase()).filter(Boolean);
    const wanted = pages.filter((p) => (only ? only.some((w) => p.name.includes(w)) : p.name !== 'create'));
    console.log(
      `page-cpu (${TREES.join(', ')}): ${WARMUP} warm-up + ${ROUNDS} × ${REQUESTS} requests per page, ${CONNECTIONS} connections, one app process`,
    );
    const servers: { tree: string; app: ServerProcess; cookie: string; csrf: string }[] = [];
    try {
      for (const p of wanted) {
        for (const tree of TREES) {
          const profDir = env.PAGE_CPU_PROF ? path.resolve(env.PAGE_CPU_PROF, TREES.length > 1 ? `${p.name}-${path.basename(tree)}` : p.name) : null;
          if (profDir) await mkdir(profDir, { recursive: true });
          const app = await startTree(tree, url, profDir);
          servers.push({ tree, app, ...(await signedInSession(app.base, BENCH_LOGIN, BENCH_PASSWORD)) });
        }
        const boundary = '----pageCpuBoundary';
        const runOn = async (s: (typeof servers)[number], amount: number) => {
          const body = p.form
            ? Buffer.from(
                Object.entries({
                  _csrf: s.csrf,
                  contract_id: String(newTicket.contract_id),
                  paragraph_id: String(newTicket.id),
                  contact_phone: '602123456',
                  subject: 'Benchmark: nefunkční tisk',
                  description: 'Dobrý den,\r\ntiskárna netiskne.\r\nDěkuji',
                })
                  .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
                  .join('') + `--${boundary}--\r\n`,
              )
            : undefined;
          const r = await autocannon({
            url: `${s.app.base}${p.path}`,
            method: p.method ?? 'GET',
            headers: { cookie: s.cookie, ...(p.form ? { 'content-type': `multipart/form-data; boundary=${boundary}` } : {}) },
            body,
            connections: CONNECTIONS,
            amount,
          });
          const ok = (r as unknown as Record<string, number>)[p.form ? '3xx' : '2xx'] ?? 0;
          if (ok !== r.requests.total || r.errors) throw new Error(`${p.name}: ${r.requests.total - ok} unexpected statuses, ${r.errors} errors`);
          return r.requests.total;
        };
        for (const s of servers) await runOn(s, WARMUP);
        const figures = servers.map(() => ({ user: [] as number[], sys: [] as number[], pg: [] as number[] }));
        if (VALGRIND) {
          for (let i = 0; i < ROUNDS; i++) {
            for (const s of servers) {
              const r = await instructions(s.app.child.pid!, () => runOn(s, REQUESTS));
              console.log(`  ${p.name.padEnd(11)} ${s.tree.padEnd(14)} round ${i + 1}: ${(r.ir / r.n / 1e6).toFixed(3)} M instructions per request`);
            }
          }
          for (const s of servers.splice(0)) await stopProcess(s.app.child);
          continue;
        }
        for (let i = 0; i < ROUNDS; i++) {
          // the trees take turns, so a busier moment of the machine falls on each alike
          for (const [k, s] of servers.entries()) {
            const before = { app: ownCpu(s.app.child.pid!), pg: sampleCpu(undefined, postmaster).postgres };
            const n = await runOn(s, REQUESTS);
            const after = { app: ownCpu(s.app.child.pid!), pg: sampleCpu(undefined, postmaster).postgres };
            figures[k]!.user.push((after.app.user - before.app.user) / n);
            figures[k]!.sys.push((after.app.sys - before.app.sys) / n);
            figures[k]!.pg.push((after.pg - before.pg) / n);
          }
        }
        for (const [k, s] of servers.entries()) {
          const f = figures[k]!;
          const total = f.user.map((u, i) => u + f.sys[i]!);
          console.log(
            `  ${p.name.padEnd(11)}${TREES.length > 1 ? ` ${s.tree.padEnd(14)}` : ''} app ${median(total).toFixed(3)} ms/req ` +
              `(user ${median(f.user).toFixed(3)}, sys ${median(f.sys).toFixed(3)}; rounds ${total.map((v) => v.toFixed(3)).join(' ')})   ` +
              `PostgreSQL ${median(f.pg).toFixed(3)} ms/req`,
          );
        }
        for (const s of servers.splice(0)) await stopProcess(s.app.child);
      }
    } finally {
      for (const s of servers) await stopProcess(s.app.child);
    }
  } finally {
    // tickets made by `create` go, as run.ts does with BENCH_REUSE
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('set session_replication_role = replica');
    for (const table of ['inbound_mail', 'outbound_mail', 'attachments', 'ticket_events', 'efforts', 'ticket_messages']) {
      await c.query(`delete from ${table} where ticket_number > $1`, [lastSeeded]);
    }
    const r = await c.query('delete from tickets where number > $1', [lastSeeded]);
    if (r.rowCount) await c.query('vacuum (analyze) tickets');
    await c.query(`delete from sessions`);
    await c.end();
    await server.stop();
  }
}

await main();
