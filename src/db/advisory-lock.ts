import type { Knex } from 'knex';

/**
 * Runs `job` only if this process gets the session advisory lock `key` (pg_try_advisory_lock on
 * a connection of its own, held for the job's whole run), so with several processes or nodes on
 * one database a job of that key runs in one of them at a time. Returns undefined when another
 * session holds the lock. The job itself uses other connections of the pool, so the pool needs
 * at least two. A session lock needs a session: not behind PgBouncer in transaction pooling.
 * When the holder's process dies its connection closes and PostgreSQL releases the lock.
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
