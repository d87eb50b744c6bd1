/**
 * Two portal nodes on one PostgreSQL behind HAProxy (docs/operations.md), as they run in
 * production: each node is `node --import tsx src/main.ts` (npm start) with two web processes,
 * on its own port, on this file's database; Debian's HAProxy balances them round robin with a
 * health check. Shows that
 * - a session started on one node goes on on the other (sessions and CSRF in PostgreSQL);
 * - the sign-in limit counts across nodes;
 * - every background job runs once per period across the nodes (the job run log, node logs),
 *   each queued notification reaches a real SMTP listener exactly once, and one IMAP poller
 *   reads the mailbox;
 * - killing a node (SIGKILL to its process group) under write load through HAProxy loses no
 *   acknowledged write and the other node goes on serving, its poller and jobs included.
 *
 * The figures it measured are printed at the end (requests per node, writes acknowledged and
 * found, job runs per period).
 */
import { ImapFlow } from 'imapflow';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTicket } from '../../src/services/create-ticket.js';
import { Browser, csrfOf, haproxyAvailable, startHaproxy, startNode, type Haproxy, type PortalNode } from '../support/cluster.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { dovecotAvailable, IMAP_PASSWORD, startDovecot, type DovecotServer } from '../support/dovecot.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { PASSWORD, seedWorld, type World } from '../support/world.js';

const enabled = haproxyAvailable('cluster (test/cluster/cluster.test.ts)');
// the IMAP part needs Dovecot too; without it the nodes run without a mailbox
const withImap = enabled && dovecotAvailable('cluster IMAP poller (test/cluster/cluster.test.ts)');

const MAILBOX_USER = 'helpdesk@test.local';
/** job periods of the nodes, seconds (defaults: 5 s, 5 min, 1 day, 1 h, 15 min) */
const PERIODS: Record<string, number> = { outbox: 1, sla: 2, 'sla-full': 4, 'auto-close': 3, cleanup: 2 };
const CLIENTS = 8;

let tdb: TestDatabase;
let w: World;
let sink: SmtpSink;
let dovecot: DovecotServer | null = null;
let A: PortalNode;
let B: PortalNode;
let lb: Haproxy;
let tickets: number[] = [];
/** database time when both nodes were serving, and when node A was killed */
let bothUpAt: Date;
let killedAt: Date | null = null;
const figures: Record<string, unknown> = {};
const t0 = Date.now();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dbNow = async () => ((await tdb.db.raw('select now() as now')).rows[0].now as Date);

async function waitFor<T>(what: string, ms: number, probe: () => Promise<T | null | undefined | false>): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() - start > ms) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(100);
  }
}

function nodeEnv(): Record<string, string> {
  return {
    DATABASE_URL: tdb.url,
    WEB_CONCURRENCY: '2',
    DB_POOL_MAX: '4',
    LOGIN_RATE_LIMIT: '5',
    TRUST_PROXY: '1',
    JOB_TICK_SECONDS: '0.5',
    JOB_OUTBOX_SECONDS: String(PERIODS.outbox),
    JOB_SLA_SECONDS: String(PERIODS.sla),
    JOB_SLA_FULL_SECONDS: String(PERIODS['sla-full']),
    JOB_AUTO_CLOSE_SECONDS: String(PERIODS['auto-close']),
    JOB_CLEANUP_SECONDS: String(PERIODS.cleanup),
    SMTP_HOST: sink.host,
    SMTP_PORT: String(sink.port),
    SMTP_SECURE: 'false',
    ...(dovecot
      ? { IMAP_HOST: dovecot.host, IMAP_PORT: String(dovecot.port), IMAP_SECURE: 'false', IMAP_USER: MAILBOX_USER, IMAP_PASSWORD, MAIL_POLL_SECONDS: '1' }
      : {}),
  };
}

async function appendMail(id: string): Promise<void> {
  const raw = await new MailComposer({
    from: 'Alice Zákaznice <alice@example.cz>',
    to: 'helpdesk@seyfor.com',
    subject: `Požadavek ${id}`,
    text: `Dobrý den,\nnefunguje tisk (${id}).\n`,
    messageId: `<${id}@test.local>`,
  })
    .compile()
    .build();
  const c = new ImapFlow({ host: dovecot!.host, port: dovecot!.port, secure: false, auth: { user: MAILBOX_USER, pass: IMAP_PASSWORD }, logger: false });
  c.on('error', () => undefined);
  await c.connect();
  try {
    await c.append('INBOX', raw, [], new Date());
  } finally {
    await c.logout();
  }
}

async function inboundRows(id: string): Promise<{ outcome: string }[]> {
  return tdb.db('inbound_mail').where({ message_id: `${id}@test.local` }).select('outcome');
}

interface RunRow {
  name: string;
  slot_start: Date;
  started_at: Date;
  finished_at: Date | null;
  node: string;
}

describe.skipIf(!enabled)('two portal nodes behind HAProxy on one PostgreSQL', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    tdb = await freshDatabase();
    w = await seedWorld(tdb.db);
    for (let i = 0; i < CLIENTS + 1; i++) {
      tickets.push(
        (await createTicket(tdb.ctx, w.users.alice, {
          contract_id: w.contractA,
          paragraph_id: w.paragraphs.A.incident,
          contact_phone: '602 123 456',
          subject: `Zátěžový požadavek ${i}`,
          description: 'Komentáře z několika uzlů.',
        })).number,
      );
    }
    sink = await startSmtpSink();
    if (withImap) dovecot = await startDovecot();
    const t = Date.now();
    [A, B] = await Promise.all([startNode({ name: 'node-a', env: nodeEnv() }), startNode({ name: 'node-b', env: nodeEnv() })]);
    figures.nodeStartMs = Date.now() - t;
    lb = await startHaproxy([
      { name: 'a', port: A.port },
      { name: 'b', port: B.port },
    ]);
    bothUpAt = await dbNow();
  });

  afterAll(async () => {
    figures.suiteMs = Date.now() - t0;
    if (lb) figures.haproxy = await lb.stats().catch(() => 'unavailable');
    console.log(`cluster figures:\n${JSON.stringify(figures, null, 2)}`);
    if (process.env.CLUSTER_LOGS) for (const n of [A, B]) if (n) console.log(`--- ${n.name} log ---\n${n.log()}`);
    await lb?.stop();
    await Promise.all([A?.stop(), B?.stop()]);
    await sink?.close();
    dovecot?.stop();
    await tdb?.drop();
  });

  it('continues a session signed in on node A on node B, and HAProxy spreads requests over both', async () => {
    const alice = new Browser();
    expect((await alice.signIn(A.url, 'alice', PASSWORD)).status).toBe(302);
    const onB = await alice.get(`${B.url}/tickets`);
    expect(onB.status).toBe(200);
    expect(onB.text).toContain('Zátěžový požadavek 0');

    // a form rendered by A, sent to B
    const number = tickets[CLIENTS]!;
    const form = await alice.get(`${A.url}/tickets/${number}/komunikace`);
    const sent = await alice.postMultipart(`${B.url}/tickets/${number}/messages`, csrfOf(form.text), { body: 'Formulář z uzlu A, odeslaný na uzel B' });
    expect(sent.status).toBe(303);
    expect(await tdb.db('ticket_messages').where({ ticket_number: number, body: 'Formulář z uzlu A, odeslaný na uzel B' })).toHaveLength(1);

    const served: Record<string, number> = {};
    for (let i = 0; i < 20; i++) {
      const page = await alice.get(`${lb.url}/tickets/${number}/komunikace`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('Formulář z uzlu A, odeslaný na uzel B');
      served[page.servedBy ?? '?'] = (served[page.servedBy ?? '?'] ?? 0) + 1;
    }
    figures.readsThroughHaproxy = served;
    expect(Object.keys(served).sort()).toEqual(['a', 'b']);
  });

  it('a sign-out on node B ends the session on node A at once, though A’s processes remember having read it', async () => {
    const alice = new Browser();
    expect((await alice.signIn(A.url, 'alice', PASSWORD)).status).toBe(302);
    // several requests, so every web process of A reads the session and remembers it
    for (let i = 0; i < 8; i++) expect((await alice.get(`${A.url}/tickets`)).status).toBe(200);
    const cookies = new Map(alice.cookies);
    const page = await alice.get(`${B.url}/tickets`);
    expect((await alice.postForm(`${B.url}/logout`, csrfOf(page.text), {})).status).toBe(302);

    // the old cookie, as a thief would keep it
    const thief = new Browser();
    for (const [k, v] of cookies) thief.cookies.set(k, v);
    for (let i = 0; i < 8; i++) {
      const overview = await thief.get(`${A.url}/tickets`);
      expect(overview.status, `overview on A, request ${i + 1}`).toBe(302);
      expect(overview.location).toBe('/login?next=%2Ftickets');
      expect((await thief.get(`${A.url}/account/password`)).status, `account page on A, request ${i + 1}`).toBe(302);
    }
  });

  it('counts failed sign-ins across the nodes: after LOGIN_RATE_LIMIT failures both refuse even the right password', async () => {
    const carol = new Browser();
    for (let i = 0; i < 5; i++) {
      const res = await carol.signIn(i % 2 ? B.url : A.url, 'carol', 'wrong-password');
      expect(res.status).toBe(401);
    }
    for (const node of [A, B]) {
      const res = await carol.signIn(node.url, 'carol', PASSWORD);
      expect(res.status, `right password on ${node.name} after 5 failures`).toBe(429);
      expect(res.text).toContain('Příliš mnoho neúspěšných pokusů');
    }
    expect((await carol.signIn(lb.url, 'carol', PASSWORD)).status).toBe(429);
  });

  it('sends each queued notification exactly once with the outbox jobs of both nodes running', async () => {
    const N = 120;
    const ids = Array.from({ length: N }, (_, i) => `<cluster-${i}-${t0}@helpdesk.seyfor.com>`);
    const startedAt = await dbNow();
    await tdb.db('outbound_mail').insert(ids.map((id, i) => ({ message_id: id, to_address: 'alice@example.cz', subject: `Oznámení ${i}`, text_body: 'x', purpose: 'created' })));
    await waitFor('all queued mail sent', 20_000, async () => {
      const n = await tdb.db('outbound_mail').whereIn('message_id', ids).where({ status: 'sent' }).count('* as n').first();
      return Number(n?.n) === N;
    });
    await sleep(300);
    const got = new Map<string, number>();
    for (const m of sink.messages) {
      const id = m.parsed.messageId ?? '';
      if (ids.includes(id)) got.set(id, (got.get(id) ?? 0) + 1);
    }
    expect(got.size).toBe(N);
    expect([...got.values()].every((n) => n === 1)).toBe(true);

    const runs = (await tdb.db('job_runs').where({ name: 'outbox' }).where('started_at', '>=', startedAt).whereNotNull('note').orderBy('slot_start')) as RunRow[];
    figures.outbox = {
      queued: N,
      receivedOnce: [...got.values()].filter((n) => n === 1).length,
      runsThatSent: runs.length,
      runsThatSentByNode: countBy(runs, (r) => r.node),
      sentPerNodeFromLogs: { a: sentInLog(A.log()), b: sentInLog(B.log()) },
    };
    // the node logs agree: what both nodes' outbox runs say they sent adds up to every mail sent
    const sentByLogs = sentInLog(A.log()) + sentInLog(B.log());
    const sentInDb = Number((await tdb.db('outbound_mail').where({ status: 'sent' }).count('* as n').first())?.n);
    expect(sentByLogs).toBe(sentInDb);
  });

  it.skipIf(!withImap)('reads the mailbox with one poller across the nodes', async () => {
    await appendMail(`imap-before-${t0}`);
    const rows = await waitFor('mail ingested', 15_000, async () => {
      const r = await inboundRows(`imap-before-${t0}`);
      return r.length ? r : null;
    });
    await sleep(1500);
    expect(await inboundRows(`imap-before-${t0}`)).toHaveLength(1);
    expect(rows[0]!.outcome).not.toBe('duplicate');
    const poller = await tdb.db('job_schedule').where({ name: 'imap-poller' }).first();
    expect(Number(poller.runs)).toBeGreaterThanOrEqual(1);
  });

  it('runs every background job once per period across the two nodes', async () => {
    // a few periods of the longest job with both nodes up
    const longest = Math.max(...Object.values(PERIODS));
    await sleep(Math.max(0, bothUpAt.getTime() + (3 * longest + 1) * 1000 - (await dbNow()).getTime()));
    const until = await dbNow();
    const seconds = (until.getTime() - bothUpAt.getTime()) / 1000;
    const report: Record<string, unknown> = {};
    for (const [name, every] of Object.entries(PERIODS)) {
      const runs = (await tdb.db('job_runs').where({ name }).orderBy('started_at')) as RunRow[];
      // never two runs in one period: periods counted from the actual start times
      const periods = runs.map((r) => Math.floor(r.started_at.getTime() / 1000 / every));
      expect(new Set(periods).size, `${name}: two runs in one period`).toBe(runs.length);
      // and one in every full period both nodes were up (a period may be missed at most once under load)
      const first = Math.ceil(bothUpAt.getTime() / 1000 / every);
      const last = Math.floor(until.getTime() / 1000 / every) - 1;
      const window = runs.filter((r) => {
        const p = Math.floor(r.started_at.getTime() / 1000 / every);
        return p >= first && p <= last;
      });
      const expected = last - first + 1;
      expect(window.length, `${name}: runs in ${expected} full periods`).toBeLessThanOrEqual(expected);
      // (liveness: a period passes without a run only if both nodes' timers were late for all of it)
      expect(window.length, `${name}: runs in ${expected} full periods`).toBeGreaterThanOrEqual(expected - Math.max(1, Math.floor(expected / 10)));
      const sched = await tdb.db('job_schedule').where({ name }).first();
      expect(Number(sched.runs), `${name}: runs counted`).toBe(runs.length);
      report[name] = { everySeconds: every, observedSeconds: Math.round(seconds), fullPeriods: expected, runsInThem: window.length, runsTotal: runs.length, byNode: countBy(runs, (r) => r.node) };
    }
    figures.jobsBeforeKill = report;
    // both nodes take turns at the frequent jobs
    const outboxNodes = new Set(((await tdb.db('job_runs').where({ name: 'outbox' }).pluck('node')) as string[]));
    expect([...outboxNodes].sort()).toEqual(['node-a', 'node-b']);
  });

  it('loses no acknowledged write when node A is killed under write load, and node B goes on serving', async () => {
    // one after another: concurrent attempts all count against the account's limit until one succeeds
    const clients: { b: Browser; csrf: string; ticket: number }[] = [];
    for (let c = 0; c < CLIENTS; c++) {
      const b = new Browser();
      const res = await b.signIn(lb.url, 'alice', PASSWORD);
      if (res.status !== 302) throw new Error(`client ${c} could not sign in: ${res.status}`);
      const page = await b.get(`${lb.url}/tickets/${tickets[c]}/komunikace`);
      clients.push({ b, csrf: csrfOf(page.text), ticket: tickets[c]! });
    }
    interface Attempt {
      body: string;
      at: number;
      status: number | 'error';
      servedBy: string | null;
    }
    const attempts: Attempt[] = [];
    let stop = false;
    let killTime = 0;
    const worker = async (c: number) => {
      const { b, csrf, ticket } = clients[c]!;
      for (let seq = 0; !stop; seq++) {
        const body = `zátěž ${t0}-${c}-${seq}`;
        const at = Date.now();
        try {
          const res = await b.postMultipart(`${lb.url}/tickets/${ticket}/messages`, csrf, { body });
          attempts.push({ body, at, status: res.status, servedBy: res.servedBy });
        } catch {
          attempts.push({ body, at, status: 'error', servedBy: null });
        }
      }
    };
    const load = Promise.all(clients.map((_, c) => worker(c)));
    await sleep(2000);
    killTime = Date.now();
    killedAt = await dbNow();
    await A.kill();
    figures.killMs = Date.now() - killTime;
    await sleep(3500);
    stop = true;
    await load;

    const acked = attempts.filter((a) => a.status === 303);
    const notAcked = attempts.filter((a) => a.status !== 303);
    const rows = (await tdb.db('ticket_messages').whereIn('ticket_number', tickets).where('body', 'like', `zátěž ${t0}-%`).select('body')) as { body: string }[];
    const found = new Map<string, number>();
    for (const r of rows) found.set(r.body, (found.get(r.body) ?? 0) + 1);
    const before = attempts.filter((a) => a.at < killTime);
    const after = attempts.filter((a) => a.at >= killTime);
    const settled = attempts.filter((a) => a.at >= killTime + 1000);
    figures.writeLoad = {
      clients: CLIENTS,
      attempts: attempts.length,
      acknowledged: acked.length,
      acknowledgedFoundOnce: acked.filter((a) => found.get(a.body) === 1).length,
      notAcknowledged: notAcked.length,
      notAcknowledgedButStored: notAcked.filter((a) => found.has(a.body)).length,
      notAcknowledgedStatuses: countBy(notAcked, (a) => String(a.status)),
      beforeKill: { attempts: before.length, byNode: countBy(before, (a) => a.servedBy ?? '-') },
      afterKill: { attempts: after.length, acknowledged: after.filter((a) => a.status === 303).length, byNode: countBy(after, (a) => a.servedBy ?? '-') },
      oneSecondAfterKill: { attempts: settled.length, acknowledged: settled.filter((a) => a.status === 303).length },
    };
    // every acknowledged comment is stored, exactly once; nothing is stored twice
    for (const a of acked) expect(found.get(a.body), a.body).toBe(1);
    expect([...found.values()].every((n) => n === 1)).toBe(true);
    expect(before.filter((a) => a.servedBy === 'a').length).toBeGreaterThan(0);
    // B serves everything once HAProxy noticed (connection refused: at once; the health check within a second)
    expect(settled.length).toBeGreaterThan(20);
    expect(settled.every((a) => a.status === 303 && a.servedBy === 'b')).toBe(true);
    const reads = await Promise.all(clients.map(({ b, ticket }) => b.get(`${lb.url}/tickets/${ticket}/komunikace`)));
    expect(reads.every((r) => r.status === 200 && r.servedBy === 'b')).toBe(true);
    expect((await lb.stats()).find((s) => s.name === 'a')?.status).toMatch(/DOWN/);
  });

  it('goes on running the jobs, the outbox and the poller on node B after node A died', async () => {
    expect(killedAt).not.toBeNull();
    if (dovecot) {
      await appendMail(`imap-after-${t0}`);
      await waitFor('mail ingested by node B', 15_000, async () => (await inboundRows(`imap-after-${t0}`)).length === 1);
      const poller = await tdb.db('job_schedule').where({ name: 'imap-poller' }).first();
      expect(poller.last_node).toBe('node-b');
    }
    // the load's notifications all go out, once each
    await waitFor('outbox drained', 20_000, async () => Number((await tdb.db('outbound_mail').where({ status: 'pending' }).count('* as n').first())?.n) === 0);
    // at least one full period of every job after the kill
    const longest = Math.max(...Object.values(PERIODS));
    const enough = killedAt!.getTime() + (2 * longest + 0.3) * 1000;
    await sleep(Math.max(0, enough - (await dbNow()).getTime()));
    const until = await dbNow();
    const report: Record<string, unknown> = {};
    for (const [name, every] of Object.entries(PERIODS)) {
      const runs = (await tdb.db('job_runs').where({ name }).where('started_at', '>', killedAt!).orderBy('started_at')) as RunRow[];
      expect(runs.length, `${name} ran on node B after the kill`).toBeGreaterThanOrEqual(1);
      const periods = runs.map((r) => Math.floor(r.started_at.getTime() / 1000 / every));
      expect(new Set(periods).size).toBe(runs.length);
      expect(runs.every((r) => r.node === 'node-b')).toBe(true);
      const first = Math.ceil(killedAt!.getTime() / 1000 / every);
      const last = Math.floor(until.getTime() / 1000 / every) - 1;
      const inWindow = runs.filter((r) => {
        const p = Math.floor(r.started_at.getTime() / 1000 / every);
        return p >= first && p <= last;
      }).length;
      // B alone still runs every period (one may be missed under load)
      expect(inWindow).toBeLessThanOrEqual(last - first + 1);
      expect(inWindow).toBeGreaterThanOrEqual(last - first + 1 - Math.max(1, Math.floor((last - first + 1) / 10)));
      report[name] = { fullPeriods: last - first + 1, runs: inWindow };
    }
    const interrupted = await tdb.db('job_runs').whereNull('finished_at').where('node', 'node-a').select('name', 'slot_start');
    figures.jobsAfterKill = { ...report, runsOfNodeAInterrupted: interrupted.length };
    const totals = await tdb.db('job_schedule').orderBy('name').select('name', 'every_seconds', 'runs', 'failures', 'last_node');
    figures.jobSchedule = totals;
    expect(totals.every((t: { failures: number }) => Number(t.failures) === 0)).toBe(true);
    const duplicates = new Map<string, number>();
    for (const m of sink.messages) duplicates.set(m.parsed.messageId ?? '', (duplicates.get(m.parsed.messageId ?? '') ?? 0) + 1);
    figures.mailsReceived = { total: sink.messages.length, distinct: duplicates.size };
  });
});

function countBy<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return out;
}

function sentInLog(log: string): number {
  let n = 0;
  for (const m of log.matchAll(/\] outbox: sent (\d+), failed \d+/g)) n += Number(m[1]);
  return n;
}
