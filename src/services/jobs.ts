import type { Knex } from 'knex';

/**
 * Runs `job` only if this process gets the advisory lock `key`, so with several app
 * processes on one database a background job runs in one of them at a time.
 * Returns undefined when another process holds the lock.
 */
export async function withAdvisoryLock<T>(db: Knex, key: number, job: () => Promise<T>): Promise<T | undefined> {
  const conn = await db.client.acquireConnection();
  try {
    const { rows } = await conn.query('select pg_try_advisory_lock($1) as ok', [key]);
    if (!rows[0].ok) return undefined;
    try {
      return await job();
    } finally {
      await conn.query('select pg_advisory_unlock($1)', [key]);
    }
  } finally {
    await db.client.releaseConnection(conn);
  }
}

/** Runs `job` after `firstDelayMs` and then every `everyMs` in this process; returns the stop function. */
export function every(everyMs: number, firstDelayMs: number, name: string, job: () => Promise<unknown>): () => void {
  const run = () => {
    job().catch((e) => console.error(`${name} failed`, e));
  };
  const first = setTimeout(run, firstDelayMs);
  const timer = setInterval(run, everyMs);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
