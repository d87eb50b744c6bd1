/**
 * Auto-close (src/services/auto-close.ts, DESIGN.md §3: resolved→closed "automatically after a
 * configured period"): closeStaleResolved(ctx, AUTO_CLOSE_DAYS) on a real PostgreSQL, the
 * tickets put into their states by the use cases. Only the age of a resolution is set directly
 * (`resolved_at` moved back), as no use case can wait 14 days.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateCode } from '../../src/domain/states.js';
import { closeStaleResolved } from '../../src/services/auto-close.js';
import { createTicket } from '../../src/services/create-ticket.js';
import { acceptTicket, cancelTicket, closeTicket, fileComplaint, pauseTicket, resolveTicket } from '../../src/services/transitions.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { seedWorld, type World } from '../support/world.js';

const DAYS = 14;

let tdb: TestDatabase;
let w: World;

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
});
afterAll(async () => {
  await tdb.drop();
});

async function ticketIn(target: StateCode): Promise<number> {
  const { ctx } = tdb;
  const { alice, agent } = w.users;
  const n = (await createTicket(ctx, alice, { contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, contact_phone: '602123456', subject: `Auto-close ${target}`, description: 'x' })).number;
  if (target === 'new') return n;
  if (target === 'cancelled') {
    await cancelTicket(ctx, agent, n, { reason: 'Duplicita' });
    return n;
  }
  await acceptTicket(ctx, agent, n, {});
  if (target === 'accepted') return n;
  if (target === 'paused') {
    await pauseTicket(ctx, agent, n, { cooperation: 'Pošlete log.' });
    return n;
  }
  await resolveTicket(ctx, agent, n, { resolution: 'Hotovo' });
  if (target === 'resolved') return n;
  if (target === 'closed') await closeTicket(ctx, agent, n, {});
  else if (target === 'complained') await fileComplaint(ctx, alice, n, { reason: 'Nesouhlasím' });
  else throw new Error(`no path to ${target}`);
  return n;
}

/** Moves the resolution `days` back (and the resolution of a complained ticket alike). */
async function resolvedDaysAgo(n: number, days: number): Promise<void> {
  await tdb.db('tickets').where({ number: n }).update({ resolved_at: tdb.db.raw(`now() - make_interval(days => ?)`, [days]) });
}

async function snapshot(n: number) {
  const ticket = await tdb.db('tickets').where({ number: n }).first('state', 'closed_at', 'resolved_at');
  const events = await tdb.db('ticket_events').where({ ticket_number: n }).orderBy('id').select('id', 'kind', 'actor_id', 'from_state', 'to_state', 'data');
  return { ticket, events };
}

describe('closeStaleResolved', () => {
  it('closes resolved tickets older than AUTO_CLOSE_DAYS by the system with one history event; younger ones and other states stay; a second run closes nothing more', async () => {
    const old1 = await ticketIn('resolved');
    const old2 = await ticketIn('resolved');
    const young = await ticketIn('resolved');
    const fresh = await ticketIn('resolved');
    const complained = await ticketIn('complained');
    const others = await Promise.all((['new', 'accepted', 'paused', 'closed', 'cancelled'] as const).map(async (s) => [s, await ticketIn(s)] as const));
    await resolvedDaysAgo(old1, DAYS + 6);
    await resolvedDaysAgo(old2, DAYS + 1);
    await resolvedDaysAgo(young, DAYS - 1);
    await resolvedDaysAgo(complained, DAYS + 6); // its resolution is old, but it is contested
    const [, closedOne] = others.find(([s]) => s === 'closed')!;
    await resolvedDaysAgo(closedOne, DAYS + 6);

    const untouched = [young, fresh, complained, ...others.map(([, n]) => n)];
    const before = new Map(await Promise.all(untouched.map(async (n) => [n, await snapshot(n)] as const)));
    const oldBefore = new Map(await Promise.all([old1, old2].map(async (n) => [n, await snapshot(n)] as const)));

    expect(await closeStaleResolved(tdb.ctx, DAYS)).toBe(2);

    for (const n of [old1, old2]) {
      const after = await snapshot(n);
      expect(after.ticket.state).toBe('closed');
      expect(after.ticket.closed_at).toBeInstanceOf(Date);
      const added = after.events.slice(oldBefore.get(n)!.events.length);
      expect(added).toHaveLength(1);
      expect(added[0]).toMatchObject({ kind: 'state_changed', actor_id: null, from_state: 'resolved', to_state: 'closed', data: { action: 'close' } });
      // the earlier history is kept as it was
      expect(after.events.slice(0, oldBefore.get(n)!.events.length)).toEqual(oldBefore.get(n)!.events);
    }
    for (const n of untouched) expect(await snapshot(n), `ticket ${n}`).toEqual(before.get(n));

    // a second run: nothing more
    const eventsBefore = Number((await tdb.db('ticket_events').count('* as n').first())?.n);
    expect(await closeStaleResolved(tdb.ctx, DAYS)).toBe(0);
    expect(Number((await tdb.db('ticket_events').count('* as n').first())?.n)).toBe(eventsBefore);
    for (const n of untouched) expect(await snapshot(n), `ticket ${n}`).toEqual(before.get(n));
  });

  it('AUTO_CLOSE_DAYS=0 closes nothing', async () => {
    const n = await ticketIn('resolved');
    await resolvedDaysAgo(n, 400);
    const before = await snapshot(n);
    expect(await closeStaleResolved(tdb.ctx, 0)).toBe(0);
    expect(await snapshot(n)).toEqual(before);
    // and a run with the real period closes it
    expect(await closeStaleResolved(tdb.ctx, DAYS)).toBe(1);
    expect((await snapshot(n)).ticket.state).toBe('closed');
  });

  it('skips a ticket the customer contested between the select and the close, and closes the rest', async () => {
    const contested = await ticketIn('resolved');
    const other = await ticketIn('resolved');
    await resolvedDaysAgo(contested, DAYS + 10); // oldest first: the run reaches it first
    await resolvedDaysAgo(other, DAYS + 5);

    // the customer's complaint holds the ticket's row while the run selects and then waits for it
    const trx = await tdb.db.transaction();
    let run: Promise<number> | null = null;
    try {
      await trx('tickets').where({ number: contested }).forUpdate().first('number');
      const pid = Number((await trx.raw('select pg_backend_pid() as pid')).rows[0].pid);
      run = closeStaleResolved(tdb.ctx, DAYS);
      // wait until the run's close of `contested` is blocked by this transaction
      for (let i = 0; ; i++) {
        const blocked = await tdb.db.raw('select count(*)::int as n from pg_stat_activity where ? = any(pg_blocking_pids(pid))', [pid]);
        if (blocked.rows[0].n > 0) break;
        if (i > 2000) throw new Error('the auto-close run never reached the contested ticket');
        await new Promise((r) => setTimeout(r, 10));
      }
      await fileComplaint({ ...tdb.ctx, db: trx }, w.users.alice, contested, { reason: 'Stále nefunguje' });
      await trx.commit();
    } catch (e) {
      await trx.rollback().catch(() => undefined);
      throw e;
    }
    expect(await run).toBe(1);

    const c = await snapshot(contested);
    expect(c.ticket.state).toBe('complained');
    expect(c.events.filter((e) => e.to_state === 'closed')).toEqual([]);
    expect(c.events.at(-1)).toMatchObject({ kind: 'complaint', from_state: 'resolved', to_state: 'complained', actor_id: w.users.alice.id });
    expect((await snapshot(other)).ticket.state).toBe('closed');
    expect(await closeStaleResolved(tdb.ctx, DAYS)).toBe(0);
  });
});
