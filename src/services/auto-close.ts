import { SYSTEM } from './actor.js';
import type { ServiceContext } from './context.js';
import { ConflictError } from './errors.js';
import { closeTicket } from './transitions.js';

// Any constant shared by all app processes: only the one holding it runs the job.
const LOCK_KEY = 0x4844_0001;

/** Closes resolved tickets older than `days`; returns how many it closed. */
export async function closeStaleResolved(ctx: ServiceContext, days: number): Promise<number> {
  const conn = await ctx.db.client.acquireConnection();
  try {
    const { rows } = await conn.query('select pg_try_advisory_lock($1) as ok', [LOCK_KEY]);
    if (!rows[0].ok) return 0;
    try {
      const due = await ctx.db('tickets')
        .where('state', 'resolved')
        .where('resolved_at', '<', ctx.db.raw(`now() - make_interval(days => ?)`, [days]))
        .orderBy('resolved_at')
        .limit(500)
        .pluck('number');
      let closed = 0;
      for (const number of due) {
        try {
          await closeTicket(ctx, SYSTEM, Number(number), {});
          closed += 1;
        } catch (e) {
          // reopened by a complaint since the select: nothing to close
          if (!(e instanceof ConflictError)) throw e;
        }
      }
      return closed;
    } finally {
      await conn.query('select pg_advisory_unlock($1)', [LOCK_KEY]);
    }
  } finally {
    await ctx.db.client.releaseConnection(conn);
  }
}

/** Runs the auto-close every hour in this process; returns the stop function. */
export function startAutoClose(ctx: ServiceContext, days: number): () => void {
  if (days <= 0) return () => {};
  const run = () => closeStaleResolved(ctx, days).catch((e) => console.error('auto-close failed', e));
  const first = setTimeout(run, 10_000);
  const timer = setInterval(run, 3600_000);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
