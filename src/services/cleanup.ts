import type { Knex } from 'knex';
import { pruneJobRuns } from '../db/job-schedule.js';
import { pruneIdempotencyKeys } from './api/idempotency.js';
import { pruneUserTokens } from './password-links.js';
import { pruneCounters } from './rate-counters.js';

export interface CleanUpResult {
  sessions: number;
  counters: number;
  jobRuns: number;
  /** invitation and reset links that expired or were used */
  userTokens: number;
  /** the API's idempotency keys older than 24 hours */
  idempotencyKeys: number;
}

/**
 * Deletes what has expired: sessions past their expiry, rate counters whose window ended and the
 * background jobs' run log older than two days, invitation and reset links that expired or were
 * used, the API's idempotency keys past their 24 hours. Every statement is idempotent, so a run that is
 * cut short is simply completed by the next one. The periodic clean-up job (src/jobs.ts) is the
 * only pruner of the sessions across all processes and nodes.
 */
export async function cleanUpExpired(db: Knex): Promise<CleanUpResult> {
  // sessions.expire is a timestamp without time zone written in the server's zone (connect-pg-simple)
  const sessions = await db('sessions').where('expire', '<', db.fn.now()).delete();
  const counters = await pruneCounters(db);
  const jobRuns = await pruneJobRuns(db);
  const userTokens = await pruneUserTokens(db);
  const idempotencyKeys = await pruneIdempotencyKeys(db);
  return { sessions, counters, jobRuns, userTokens, idempotencyKeys };
}
