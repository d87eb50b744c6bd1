import { SYSTEM } from './actor.js';
import type { ServiceContext } from './context.js';
import { ConflictError } from './errors.js';
import { every, withAdvisoryLock } from './jobs.js';
import { closeTicket } from './transitions.js';

// Any constant shared by all app processes: only the one holding it runs the job.
const LOCK_KEY = 0x4844_0001;

/** Closes resolved tickets older than `days`; returns how many it closed. */
export async function closeStaleResolved(ctx: ServiceContext, days: number): Promise<number> {
  const closed = await withAdvisoryLock(ctx.db, LOCK_KEY, async () => {
    const due = await ctx.db('tickets')
      .where('state', 'resolved')
      .where('resolved_at', '<', ctx.db.raw('now() - make_interval(days => ?)', [days]))
      .orderBy('resolved_at')
      .limit(500)
      .pluck('number');
    let count = 0;
    for (const number of due) {
      try {
        await closeTicket(ctx, SYSTEM, Number(number), {});
        count += 1;
      } catch (e) {
        // reopened by a complaint since the select: nothing to close
        if (!(e instanceof ConflictError)) throw e;
      }
    }
    return count;
  });
  return closed ?? 0;
}

/** Runs the auto-close every hour in this process; returns the stop function. */
export function startAutoClose(ctx: ServiceContext, days: number): () => void {
  if (days <= 0) return () => {};
  return every(3600_000, 10_000, 'auto-close', () => closeStaleResolved(ctx, days));
}
