/**
 * The job schedule's claim (src/db/job-schedule.ts, src/jobs.ts) on a real PostgreSQL: however
 * many nodes ask at once, one run per period; a locked job is not claimed while its lock is
 * held elsewhere; the clean-up job deletes what expired.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/db/knex.js';
import { claimRun } from '../../src/db/job-schedule.js';
import { every, runIfDue, type Job } from '../../src/jobs.js';
import { cleanUpExpired } from '../../src/services/cleanup.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';

let tdb: TestDatabase;
/** one pool per simulated node */
let nodes: Db[];

beforeAll(async () => {
  tdb = await freshDatabase();
  nodes = Array.from({ length: 8 }, () => createDb(tdb.url, 3));
});
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.destroy()));
  await tdb.drop();
});

// a period of ~3 years: the whole test runs inside one slot
const LONG = 100_000_000;

describe('claiming a period', () => {
  it('lets exactly one of many concurrent claims win, and none again in the same period', async () => {
    const claims = await Promise.all(nodes.flatMap((n, i) => [claimRun(n, 'race', LONG, `n${i}`), claimRun(n, 'race', LONG, `n${i}`)]));
    const won = claims.filter((c) => c !== null);
    expect(won).toHaveLength(1);
    expect(won[0]!.runs).toBe(1);
    expect(await claimRun(nodes[0]!, 'race', LONG, 'n0')).toBeNull();
    const runs = await tdb.db('job_runs').where({ name: 'race' });
    expect(runs).toHaveLength(1);
    const sched = await tdb.db('job_schedule').where({ name: 'race' }).first();
    expect(sched).toMatchObject({ runs: 1, every_seconds: LONG, last_node: runs[0].node });
    expect(sched.next_run_at.getTime() - sched.last_slot.getTime()).toBe(LONG * 1000);
  });

  it('runs once per 1-second period across 8 nodes ticking every 100 ms, counting every run', async () => {
    let ran = 0;
    const job: Job = { name: 'fast', everySeconds: 1, run: async () => (ran++, null) };
    const stops = nodes.map((n, i) => every(100, Math.random() * 100, 'fast', () => runIfDue(n, `n${i}`, job, () => undefined), { jitter: 0.2 }));
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 3500));
    await Promise.all(stops.map((s) => s()));
    const elapsed = (Date.now() - t0) / 1000;
    const runs = (await tdb.db('job_runs').where({ name: 'fast' }).orderBy('slot_start')) as { slot_start: Date; node: string; ok: boolean }[];
    expect(runs.length).toBe(ran);
    // at most one per period (the key), and one in every period the nodes were ticking through
    expect(runs.length).toBeLessThanOrEqual(Math.ceil(elapsed) + 1);
    expect(runs.length).toBeGreaterThanOrEqual(Math.floor(elapsed) - 1);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.slot_start.getTime() - runs[i - 1]!.slot_start.getTime()).toBe(1000);
    expect(runs.every((r) => r.ok)).toBe(true);
    expect(Number((await tdb.db('job_schedule').where({ name: 'fast' }).first('runs')).runs)).toBe(ran);
  });

  it('does not claim a locked job while another session holds its lock, and records failures', async () => {
    const job: Job = { name: 'locked', everySeconds: LONG, lockKey: 0x4844_7777, run: async () => 'did it' };
    const holder = await tdb.db.client.acquireConnection();
    await holder.query('select pg_advisory_lock($1)', [job.lockKey]);
    expect(await runIfDue(nodes[0]!, 'n0', job, () => undefined)).toBeNull();
    expect(await tdb.db('job_runs').where({ name: 'locked' })).toHaveLength(0);
    await holder.query('select pg_advisory_unlock($1)', [job.lockKey]);
    await tdb.db.client.releaseConnection(holder);
    expect(await runIfDue(nodes[1]!, 'n1', job, () => undefined)).not.toBeNull();
    expect(await tdb.db('job_runs').where({ name: 'locked' }).first()).toMatchObject({ node: 'n1', ok: true, note: 'did it' });

    const failing: Job = { name: 'failing', everySeconds: LONG, run: async () => Promise.reject(new Error('boom')) };
    const err = console.error;
    console.error = () => undefined;
    try {
      expect(await runIfDue(nodes[2]!, 'n2', failing, () => undefined)).not.toBeNull();
    } finally {
      console.error = err;
    }
    expect(await tdb.db('job_schedule').where({ name: 'failing' }).first()).toMatchObject({ runs: 1, failures: 1, last_ok: false });
  });
});

describe('the clean-up job', () => {
  it('deletes expired sessions, ended counters and the run log older than two days', async () => {
    await tdb.db('sessions').insert([
      { sid: 'old', sess: JSON.stringify({ cookie: {} }), expire: tdb.db.raw("now() - interval '1 minute'") },
      { sid: 'live', sess: JSON.stringify({ cookie: {} }), expire: tdb.db.raw("now() + interval '1 hour'") },
    ]);
    await tdb.db('rate_counters').insert([
      { key: 'ended', window_start: tdb.db.raw("now() - interval '1 hour'"), window_seconds: 60, count: 3 },
      { key: 'open', window_start: tdb.db.raw('now()'), window_seconds: 900, count: 3 },
    ]);
    await tdb.db('job_schedule').insert({ name: 'old-job', every_seconds: 60, runs: 2 });
    await tdb.db('job_runs').insert([
      { name: 'old-job', slot_start: tdb.db.raw("now() - interval '3 days'"), node: 'x', started_at: tdb.db.raw("now() - interval '3 days'") },
      { name: 'old-job', slot_start: tdb.db.raw("now() - interval '1 day'"), node: 'x', started_at: tdb.db.raw("now() - interval '1 day'") },
    ]);
    expect(await cleanUpExpired(tdb.db)).toEqual({ sessions: 1, counters: 1, jobRuns: 1, userTokens: 0, idempotencyKeys: 0 });
    expect(await tdb.db('sessions').pluck('sid')).toEqual(['live']);
    expect(await tdb.db('rate_counters').pluck('key')).toEqual(['open']);
    expect(await tdb.db('job_runs').where({ name: 'old-job' })).toHaveLength(1);
  });
});
