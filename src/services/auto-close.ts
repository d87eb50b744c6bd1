import { SYSTEM } from './actor.js';
import type { ServiceContext } from './context.js';
import { ConflictError } from './errors.js';
import { closeTicket } from './transitions.js';

/**
 * Closes resolved tickets older than `days` (at most 500 a run); returns how many it closed.
 * Scheduled by src/jobs.ts (hourly, once across all nodes, never two runs at once).
 */
export async function closeStaleResolved(ctx: ServiceContext, days: number): Promise<number> {
  if (days <= 0) return 0;
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
}
