/**
 * HotLine benchmark (prints figures; it is not a test).
 *
 *   npm run bench:hotline
 *
 * 1. starts an embedded PostgreSQL in a fresh temp folder (or uses BENCH_DATABASE_URL's server),
 *    creates and migrates a database, seeds one hotline contract open around the clock with its
 *    hotline paragraph and BENCH_CALLERS customers, each with a code;
 * 2. starts the provider's recording store here (node:http, 127.0.0.1, basic auth, a real WAV) and
 *    the portal with the HotLine on (bench/hotline/server.ts, as many processes as npm start);
 * 3. measures the ceiling first: an Express hello world with as many processes
 *    (bench/support/ceiling.ts), loaded by autocannon with BENCH_CONNECTIONS connections;
 * 4. then drives BENCH_CONNECTIONS concurrent calls through the four webhooks, each signed by the
 *    provider's library (incoming → code → recorded → menu 3: a ticket with the WAV downloaded
 *    from the recording store), and prints complete calls per second, absolute and as a share of
 *    the ceiling's requests per second, with the calls' latency.
 *
 * Environment: BENCH_DURATION (s per phase, default 15), BENCH_WARMUP (s, default 3),
 * BENCH_CONNECTIONS (concurrent calls, default 20), BENCH_CALLERS (default 200),
 * BENCH_PG_PORT (default 57532), BENCH_DATABASE_URL, BENCH_KEEP=1, BENCH_WORKERS, BENCH_CPU_PROF=<dir> (V8 CPU
 * profiles of the hotline server's processes, for bench/portal/profile-summary.ts).
 */
import autocannon from 'autocannon';
import twilio from 'twilio';
import { codeHash } from '../../src/domain/hotline-code.js';
import { loginKey } from '../../src/domain/login.js';
import { createDb } from '../../src/db/knex.js';
import { ensureTicketNumberStart, migrateToLatest } from '../../src/db/migrate.js';
import { startRecordingServer, type RecordingServer } from '../../test/hotline/support.js';
import { AROUND_THE_CLOCK } from '../support/calendars.js';
import { atCleanup, runBench } from '../support/cleanup.js';
import { BenchPostgres } from '../support/database.js';
import { num } from '../support/env.js';
import { CEILING_SCRIPT, cpuProfileFlags, NPM_START_FLAGS, startServer, stopProcess } from '../support/processes.js';

const env = process.env;
const DURATION = num('BENCH_DURATION', 15);
const WARMUP = num('BENCH_WARMUP', 3);
const CONNECTIONS = num('BENCH_CONNECTIONS', 20);
const CALLERS = num('BENCH_CALLERS', 200);

const TOKEN = 'bench-hotline-auth-token-0123456789';
const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const CODE_KEY = 'bench-hotline-code-key-0123456789';
const PUBLIC = 'http://127.0.0.1:3000';
const log = (line = '') => console.log(line);

async function database(): Promise<{ url: string }> {
  const server = await BenchPostgres.start({ bench: 'hotline', port: 57532, external: true, keep: env.BENCH_KEEP === '1' });
  if (server.port) log(`PostgreSQL: embedded on port ${server.port}`);
  return server.createDatabase(`helpdesk_bench_hotline_${process.pid}`);
}

/** One hotline contract open around the clock, its hotline paragraph, CALLERS customers with codes. */
async function seed(url: string): Promise<string[]> {
  const db = createDb(url, 2);
  try {
    await migrateToLatest(db);
    await ensureTicketNumberStart(db, 100000);
    const [cal] = await db('service_calendars').insert({ name: 'HotLine 24/7', windows: JSON.stringify(AROUND_THE_CLOCK), holiday_country: null }).returning('id');
    const [company] = await db('companies').insert({ name: 'Volající s.r.o.', address: 'Brno' }).returning('id');
    const [contract] = await db('contracts').insert({ company_id: company.id, number: 'HL-1', name: 'HotLine', calendar_id: cal.id, hotline: true }).returning('id');
    await db('contract_paragraphs').insert({ contract_id: contract.id, code: 'HL', name: 'HotLine', kind: 'incident', sla_applies: true, reaction_method: 'Hod', reaction_amount: 4, resolution_method: 'Hod', resolution_amount: 16, is_hotline_default: true });
    const codes: string[] = [];
    const users = Array.from({ length: CALLERS }, (_, i) => ({ login: `caller${i}`, login_key: loginKey(`caller${i}`), name: `Volající ${i}`, email: `caller${i}@volajici.example`, role: 'customer', password_hash: 'x' }));
    const rows = (await db('users').insert(users).returning('id')) as { id: number }[];
    await db('user_contracts').insert(rows.map((u) => ({ user_id: u.id, contract_id: contract.id, sees_all_tickets: false })));
    await db('hotline_codes').insert(
      rows.map((u, i) => {
        const code = String(1_000_000_000 + i * 7919).padStart(10, '0');
        codes.push(code);
        return { user_id: u.id, contract_id: contract.id, code_hash: codeHash(CODE_KEY, code) };
      }),
    );
    return codes;
  } finally {
    await db.destroy();
  }
}

/** Calls are numbered across phases, so every CallSid is new. */
let serial = 0;

interface CallLoad {
  /** each webhook's latencies, by path */
  steps: Record<string, number[]>;
  calls: number;
  failed: number;
  requests: number;
  latencies: number[];
}

/** CONNECTIONS callers, each placing complete calls one after another until `until`. */
async function driveCalls(base: string, codes: string[], rec: RecordingServer, seconds: number): Promise<CallLoad> {
  const load: CallLoad = { steps: {}, calls: 0, failed: 0, requests: 0, latencies: [] };
  const until = performance.now() + seconds * 1000;
  const step = async (pathname: string, params: Record<string, string>, expect: RegExp) => {
    const t0 = performance.now();
    const signature = twilio.getExpectedTwilioSignature(TOKEN, PUBLIC + pathname, params);
    const res = await fetch(base + pathname, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(params).toString(),
    });
    const text = await res.text();
    load.requests += 1;
    if (res.status !== 200 || !expect.test(text)) throw new Error(`${pathname}: ${res.status} ${text.slice(0, 200)}`);
    const times = (load.steps[pathname] ??= []);
    times.push(performance.now() - t0);
  };
  const caller = async (lane: number) => {
    while (performance.now() < until) {
      const n = ++serial;
      const sid = `CA${String(process.pid)}${String(n).padStart(10, '0')}`;
      const recording = `RE${String(process.pid)}${String(n).padStart(10, '0')}`;
      const call = { CallSid: sid, AccountSid: ACCOUNT, From: `+42060${String(lane).padStart(7, '0')}`, To: '+420533442988', CallStatus: 'in-progress' };
      const started = performance.now();
      try {
        await step('/hotline/voice', call, /<Gather[^>]*numDigits="10"/);
        await step('/hotline/voice/code', { ...call, Digits: codes[n % codes.length]! }, /<Record /);
        await step('/hotline/voice/recorded', { ...call, RecordingUrl: rec.urlOf(recording), RecordingSid: recording, RecordingDuration: '9' }, /<Gather[^>]*numDigits="1"/);
        await step('/hotline/voice/menu', { ...call, Digits: '3' }, /založen pod číslem/);
        load.calls += 1;
        load.latencies.push(performance.now() - started);
      } catch (e) {
        load.failed += 1;
        if (load.failed <= 3) log(`  failed call: ${(e as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, (_, i) => caller(i)));
  return load;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function main(): Promise<void> {
  log(`HotLine benchmark: ${CONNECTIONS} concurrent calls, ${DURATION} s per phase (warm-up ${WARMUP} s), ${CALLERS} callers`);
  const { url } = await database();
  const codes = await seed(url);
  const rec = await startRecordingServer(ACCOUNT, TOKEN);
  atCleanup(() => rec.close().catch(() => undefined));
  log(`recording store: ${rec.host}, WAV of ${rec.wav.length} bytes`);

  // the ceiling first, alone on the machine
  const hello = await startServer(CEILING_SCRIPT, { nodeFlags: NPM_START_FLAGS });
  const opts = { url: hello.base, connections: CONNECTIONS, pipelining: 1 };
  if (WARMUP > 0) await autocannon({ ...opts, duration: WARMUP });
  const ceiling = await autocannon({ ...opts, duration: DURATION });
  await stopProcess(hello.child);
  const ceilingRps = ceiling.requests.average;
  log(`ceiling: Express hello world ${ceilingRps.toFixed(0)} req/s (p99 ${ceiling.latency.p99} ms, ${ceiling.non2xx} non-2xx)`);

  const { base } = await startServer('bench/hotline/server.ts', {
    nodeFlags: [...NPM_START_FLAGS, ...cpuProfileFlags()],
    env: {
      BENCH_SERVER_DB_URL: url,
      PUBLIC_URL: PUBLIC,
      HOTLINE_AUTH_TOKEN: TOKEN,
      HOTLINE_ACCOUNT_SID: ACCOUNT,
      HOTLINE_RECORDING_HOSTS: rec.host,
      HOTLINE_CODE_KEY: CODE_KEY,
    },
  });
  if (WARMUP > 0) await driveCalls(base, codes, rec, WARMUP);
  const t = performance.now();
  const load = await driveCalls(base, codes, rec, DURATION);
  const seconds = (performance.now() - t) / 1000;
  const sorted = [...load.latencies].sort((a, b) => a - b);
  const callsPerSecond = load.calls / seconds;
  const db = createDb(url, 1);
  const count = async (q: ReturnType<typeof db>) => Number(((await q.count({ n: '*' })) as { n: number }[])[0]?.n ?? 0);
  const tickets = await count(db('tickets').where({ channel: 'hotline' }).whereExists(db('attachments').whereRaw('attachments.ticket_number = tickets.number')));
  const outcomes = await count(db('hotline_calls').where({ outcome: 'ticket' }));
  await db.destroy();

  log('');
  log(`complete calls: ${load.calls} in ${seconds.toFixed(1)} s, ${load.failed} failed (tickets with the WAV: ${tickets}; calls ended as ticket: ${outcomes}, warm-up included)`);
  log(`  ${callsPerSecond.toFixed(1)} calls/s = ${(load.requests / seconds).toFixed(0)} webhooks/s; a call ${pct(sorted, 50).toFixed(1)} ms p50, ${pct(sorted, 99).toFixed(1)} ms p99`);
  log(`  share of the ceiling: ${((100 * callsPerSecond) / ceilingRps).toFixed(2)} % as calls (${((100 * load.requests) / seconds / ceilingRps).toFixed(2)} % as webhook requests) of ${ceilingRps.toFixed(0)} req/s`);
  for (const [step, times] of Object.entries(load.steps)) {
    const st = [...times].sort((a, b) => a - b);
    log(`  ${step.padEnd(24)} p50 ${pct(st, 50).toFixed(1)} ms, p99 ${pct(st, 99).toFixed(1)} ms`);
  }
  if (load.failed > 0) process.exitCode = 1;
}

await runBench(main);
