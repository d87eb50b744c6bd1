import type { Knex } from 'knex';
import { fixedStatement } from '../db/compiled.js';

/**
 * Counters in fixed windows, kept in PostgreSQL so every process and node shares them
 * (sign-in attempts per account and per address, upload bytes per user and hour). One
 * statement per step, so concurrent requests never both see room that only one of them has.
 */
export interface CounterState {
  /** the window's total after this step */
  count: number;
  /** seconds until the window ends (at least 1) */
  retryAfterSeconds: number;
}

/** Adds `amount` to the counter `key`, opening a new window of `windowSeconds` when the last one ended. */
export async function consume(db: Knex, key: string, amount: number, windowSeconds: number): Promise<CounterState> {
  const [row] = await consumeStatement(db, [key, windowSeconds, amount]);
  return { count: Number(row!.count), retryAfterSeconds: Math.max(1, Number(row!.retry_after)) };
}

// fixed SQL sent as a prepared statement (db/compiled.ts): every API request counts itself here
const consumeStatement = fixedStatement(
  `insert into rate_counters as c (key, window_start, window_seconds, count) values ($1, now(), $2, $3)
   on conflict (key) do update set
     window_start = case when c.window_start + make_interval(secs => c.window_seconds) <= now() then now() else c.window_start end,
     window_seconds = excluded.window_seconds,
     count = case when c.window_start + make_interval(secs => c.window_seconds) <= now() then excluded.count else c.count + excluded.count end
   returning count, ceil(extract(epoch from window_start + make_interval(secs => window_seconds) - now())) as retry_after`,
  'insert',
);

/** The counters' current totals (0 for an ended or absent window), without changing them. */
export async function peek(db: Knex, keys: readonly string[]): Promise<Map<string, CounterState>> {
  const rows = (await db('rate_counters')
    .whereIn('key', keys)
    .whereRaw('window_start + make_interval(secs => window_seconds) > now()')
    .select('key', 'count', db.raw('ceil(extract(epoch from window_start + make_interval(secs => window_seconds) - now())) as retry_after'))) as {
    key: string;
    count: string;
    retry_after: string;
  }[];
  return new Map(rows.map((r) => [r.key, { count: Number(r.count), retryAfterSeconds: Math.max(1, Number(r.retry_after)) }]));
}

/** Gives back `amount` of the current window (a step that turned out not to count). */
export async function refund(db: Knex, key: string, amount: number): Promise<void> {
  await db('rate_counters').where({ key }).update({ count: db.raw('greatest(count - ?, 0)', [amount]) });
}

/** Forgets the counter (a successful sign-in clears the account's failures). */
export async function reset(db: Knex, key: string): Promise<void> {
  await db('rate_counters').where({ key }).delete();
}

/** Deletes counters whose window ended; returns how many. For the periodic clean-up job. */
export async function pruneCounters(db: Knex): Promise<number> {
  return db('rate_counters').whereRaw('window_start + make_interval(secs => window_seconds) <= now()').delete();
}
