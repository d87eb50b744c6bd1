/**
 * The SLA stored on tickets (src/services/sla.ts refreshStoredSla: reaction_due_at,
 * resolution_due_at, *_breached, sla_computed_at), written in the transaction of every state
 * change and reclassification, for the queue. Covered here: complaints (filed, upheld,
 * rejected), cancellation, reclassification, and calendar edits after a ticket closed.
 *
 * Expected values are computed by hand in the test on calendars where that is simple:
 * 24x7 without holidays (the Hod methods then count every instant: due = start + hours plus the
 * time the clock did not run), and an office calendar Mon–Fri 08:00–16:00 Europe/Prague with fixed
 * instants. The submission instant is set to a whole second in the past (`created_at` moved
 * back: no use case can wait hours); every later instant is the one its history event
 * recorded, read from the events, as the engine reads them.
 */
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateCode } from '../../src/domain/states.js';
import { createTicket } from '../../src/services/create-ticket.js';
import { importDocument } from '../../src/services/import/index.js';
import { recomputeOpenTickets, refreshStoredSla, stateChangesJson, ticketClocks } from '../../src/services/sla.js';
import { changeClassification } from '../../src/services/staff-edits.js';
import {
  acceptTicket,
  cancelTicket,
  closeTicket,
  fileComplaint,
  rejectComplaint,
  resolveTicket,
  upholdComplaint,
} from '../../src/services/transitions.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { seedWorld, type World } from '../support/world.js';

const H = 3_600_000;
const ALWAYS = { mon: [['00:00', '24:00']], tue: [['00:00', '24:00']], wed: [['00:00', '24:00']], thu: [['00:00', '24:00']], fri: [['00:00', '24:00']], sat: [['00:00', '24:00']], sun: [['00:00', '24:00']] };
const OFFICE = { mon: [['08:00', '16:00']], tue: [['08:00', '16:00']], wed: [['08:00', '16:00']], thu: [['08:00', '16:00']], fri: [['08:00', '16:00']], sat: [], sun: [] };

let tdb: TestDatabase;
let w: World;
/** paragraphs of the 24x7 contract: I1 Hod 4/16, I2 Hod 8/40, Q without SLA */
let p: { I1: number; I2: number; Q: number };
let contract: number;
/** the contract whose calendar the calendar test edits, and its Hod 4/16 paragraph */
let edited: { calendar: number; contract: number; paragraph: number };

async function contractOn(calendarName: string, windows: object, number: string) {
  const [cal] = await tdb.db('service_calendars').insert({ name: calendarName, windows: JSON.stringify(windows), holiday_country: null }).returning('id');
  const [c] = await tdb.db('contracts').insert({ company_id: w.companyA, number, name: `Smlouva ${number}`, calendar_id: cal.id }).returning('id');
  await tdb.db('user_contracts').insert({ user_id: w.users.alice.id, contract_id: c.id, sees_all_tickets: true });
  const paragraph = async (code: string, targets: [number, number] | null) =>
    (
      await tdb.db('contract_paragraphs')
        .insert({
          contract_id: c.id,
          code,
          name: code,
          kind: targets ? 'incident' : 'question',
          sla_applies: targets !== null,
          ...(targets ? { reaction_method: 'Hod', reaction_amount: targets[0], resolution_method: 'Hod', resolution_amount: targets[1] } : {}),
        })
        .returning('id')
    )[0].id as number;
  return { calendar: cal.id as number, contract: c.id as number, paragraph };
}

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  const always = await contractOn('24x7 bez svátků', ALWAYS, 'S-1');
  contract = always.contract;
  p = { I1: await always.paragraph('I1', [4, 16]), I2: await always.paragraph('I2', [8, 40]), Q: await always.paragraph('Q', null) };
  const e = await contractOn('Upravovaný kalendář', ALWAYS, 'S-2');
  edited = { calendar: e.calendar, contract: e.contract, paragraph: await e.paragraph('I1', [4, 16]) };
});
afterAll(async () => {
  await tdb.drop();
});

const agent = () => w.users.agent;
const customer = () => w.users.alice;

/** A ticket submitted `hoursAgo` whole hours before the database's current second (or at `at`). */
async function ticket(opts: { hoursAgo?: number; at?: Date; paragraph?: number; contractId?: number }): Promise<{ n: number; C: number }> {
  const n = (await createTicket(tdb.ctx, customer(), {
    contract_id: opts.contractId ?? contract,
    paragraph_id: opts.paragraph ?? p.I1,
    contact_phone: '602123456',
    subject: 'SLA',
    description: 'x',
  })).number;
  const createdAt = opts.at ? tdb.db.raw('?::timestamptz', [opts.at.toISOString()]) : tdb.db.raw(`date_trunc('second', now()) - make_interval(hours => ?)`, [opts.hoursAgo ?? 0]);
  await tdb.db('tickets').where({ number: n }).update({ created_at: createdAt });
  const row = await tdb.db('tickets').where({ number: n }).first('created_at');
  return { n, C: (row.created_at as Date).getTime() };
}

interface Stored {
  reactionDue: number | null;
  resolutionDue: number | null;
  reactionBreached: boolean | null;
  resolutionBreached: boolean | null;
  computedAt: number | null;
}

async function stored(n: number): Promise<Stored> {
  const r = await tdb.db('tickets').where({ number: n }).first('reaction_due_at', 'resolution_due_at', 'reaction_breached', 'resolution_breached', 'sla_computed_at');
  const ms = (d: Date | null) => (d === null ? null : d.getTime());
  return {
    reactionDue: ms(r.reaction_due_at),
    resolutionDue: ms(r.resolution_due_at),
    reactionBreached: r.reaction_breached,
    resolutionBreached: r.resolution_breached,
    computedAt: ms(r.sla_computed_at),
  };
}

const verdict = (s: Stored) => ({ reactionDue: s.reactionDue, resolutionDue: s.resolutionDue, reactionBreached: s.reactionBreached, resolutionBreached: s.resolutionBreached });

/** The instant of the ticket's last change into `to`, as the engine reads it (stateChangesJson). */
async function at(n: number, to: StateCode): Promise<number> {
  const row = await tdb.db('tickets as t').where('t.number', n).first(stateChangesJson(tdb.db).wrap('', ' as changes'));
  const changes = row.changes as { at: string; to: string }[];
  const last = changes.filter((c) => c.to === to).at(-1);
  if (!last) throw new Error(`ticket ${n} never went to ${to}`);
  return new Date(last.at).getTime();
}

describe('complaints', () => {
  it('filed: the resolution clock waits for the decision (no due), its verdict counts the time until the resolution only', async () => {
    const { n, C } = await ticket({ hoursAgo: 10 });
    await acceptTicket(tdb.ctx, agent(), n, {});
    await resolveTicket(tdb.ctx, agent(), n, { resolution: 'Hotovo' });
    expect(verdict(await stored(n))).toEqual({ reactionDue: null, resolutionDue: null, reactionBreached: true, resolutionBreached: false });
    await fileComplaint(tdb.ctx, customer(), n, { reason: 'Nefunguje' });
    // reaction: accepted 10 h after the submission (> 4 h); resolution: 10 h of 16 used, then waiting
    expect(verdict(await stored(n))).toEqual({ reactionDue: null, resolutionDue: null, reactionBreached: true, resolutionBreached: false });
    expect((await at(n, 'resolved')) - C).toBeLessThan(16 * H);
  });

  it('upheld: the resolution clock runs again from the complaint; the resolved time does not count, the complaint time does', async () => {
    const { n, C } = await ticket({ hoursAgo: 10 });
    await acceptTicket(tdb.ctx, agent(), n, {});
    await resolveTicket(tdb.ctx, agent(), n, { resolution: 'Hotovo' });
    await fileComplaint(tdb.ctx, customer(), n, { reason: 'Nefunguje' });
    await upholdComplaint(tdb.ctx, agent(), n, { target: 'escalated' });
    const r = await at(n, 'resolved');
    const k = await at(n, 'complained');
    // running: [C, r) and [k, ∞) → 16 h are used up at C + 16 h + (k − r)
    expect(verdict(await stored(n))).toEqual({ reactionDue: null, resolutionDue: C + 16 * H + (k - r), reactionBreached: true, resolutionBreached: false });

    // resolved again: the clock stops, the due is gone from the queue
    await resolveTicket(tdb.ctx, agent(), n, { resolution: 'Opraveno' });
    expect(verdict(await stored(n))).toEqual({ reactionDue: null, resolutionDue: null, reactionBreached: true, resolutionBreached: false });
  });

  it('upheld after the budget ran out: the due lies in the past and the ticket is breached', async () => {
    const { n, C } = await ticket({ hoursAgo: 20 });
    await acceptTicket(tdb.ctx, agent(), n, {});
    await resolveTicket(tdb.ctx, agent(), n, { resolution: 'Hotovo' });
    expect((await stored(n)).resolutionBreached).toBe(true); // 20 h > 16 h before it was resolved
    await fileComplaint(tdb.ctx, customer(), n, { reason: 'Nefunguje' });
    await upholdComplaint(tdb.ctx, agent(), n, { target: 'accepted' });
    const s = await stored(n);
    // the 16 h were used up in [C, resolution) already, 4 h before it: due C + 16 h
    expect(verdict(s)).toEqual({ reactionDue: null, resolutionDue: C + 16 * H, reactionBreached: true, resolutionBreached: true });
    expect(s.resolutionDue).toBeLessThan(s.computedAt!);
  });

  it('rejected: the ticket is resolved again, the complaint time does not count and the verdict is the one of the resolution', async () => {
    const met = await ticket({ hoursAgo: 10 });
    const breached = await ticket({ hoursAgo: 20 });
    for (const { n } of [met, breached]) {
      await acceptTicket(tdb.ctx, agent(), n, {});
      await resolveTicket(tdb.ctx, agent(), n, { resolution: 'Hotovo' });
      await fileComplaint(tdb.ctx, customer(), n, { reason: 'Nefunguje' });
      await rejectComplaint(tdb.ctx, agent(), n, { reason: 'Odpovídá smlouvě' });
    }
    expect(verdict(await stored(met.n))).toEqual({ reactionDue: null, resolutionDue: null, reactionBreached: true, resolutionBreached: false });
    expect(verdict(await stored(breached.n))).toEqual({ reactionDue: null, resolutionDue: null, reactionBreached: true, resolutionBreached: true });
  });
});

describe('cancellation', () => {
  it('a cancelled ticket has no SLA: dues and verdicts are cleared, also after a breach', async () => {
    // from new, with the reaction running and already breached (5 h > 4 h)
    const fresh = await ticket({ hoursAgo: 5 });
    await refreshStoredSla(tdb.db, fresh.n);
    expect(verdict(await stored(fresh.n))).toEqual({ reactionDue: fresh.C + 4 * H, resolutionDue: fresh.C + 16 * H, reactionBreached: true, resolutionBreached: false });
    await cancelTicket(tdb.ctx, agent(), fresh.n, { reason: 'Duplicita' });
    expect(verdict(await stored(fresh.n))).toEqual({ reactionDue: null, resolutionDue: null, reactionBreached: null, resolutionBreached: null });

    // from accepted, with both clocks breached (20 h)
    const late = await ticket({ hoursAgo: 20 });
    await acceptTicket(tdb.ctx, agent(), late.n, {});
    expect(verdict(await stored(late.n))).toEqual({ reactionDue: null, resolutionDue: late.C + 16 * H, reactionBreached: true, resolutionBreached: true });
    await cancelTicket(tdb.ctx, agent(), late.n, { reason: 'Chybná klasifikace' });
    expect(verdict(await stored(late.n))).toEqual({ reactionDue: null, resolutionDue: null, reactionBreached: null, resolutionBreached: null });
  });
});

describe('reclassification (changeClassification)', () => {
  it('another paragraph recomputes both clocks from the submission with its targets; a paragraph without SLA clears them', async () => {
    const { n, C } = await ticket({ hoursAgo: 6 });
    await changeClassification(tdb.ctx, agent(), n, { paragraph_id: p.I2 });
    // Hod 8/40: 6 h used of 8 and of 40
    expect(verdict(await stored(n))).toEqual({ reactionDue: C + 8 * H, resolutionDue: C + 40 * H, reactionBreached: false, resolutionBreached: false });
    await changeClassification(tdb.ctx, agent(), n, { paragraph_id: p.I1 });
    // Hod 4/16: 6 h > 4 h
    expect(verdict(await stored(n))).toEqual({ reactionDue: C + 4 * H, resolutionDue: C + 16 * H, reactionBreached: true, resolutionBreached: false });
    await changeClassification(tdb.ctx, agent(), n, { paragraph_id: p.Q });
    expect(verdict(await stored(n))).toEqual({ reactionDue: null, resolutionDue: null, reactionBreached: null, resolutionBreached: null });
    await changeClassification(tdb.ctx, agent(), n, { paragraph_id: p.I2 });
    expect(verdict(await stored(n))).toEqual({ reactionDue: C + 8 * H, resolutionDue: C + 40 * H, reactionBreached: false, resolutionBreached: false });
  });

  it('after acceptance: the stopped reaction is judged against the new target, the resolution runs on with it', async () => {
    const { n, C } = await ticket({ hoursAgo: 6 });
    await acceptTicket(tdb.ctx, agent(), n, {});
    expect(verdict(await stored(n))).toEqual({ reactionDue: null, resolutionDue: C + 16 * H, reactionBreached: true, resolutionBreached: false });
    await changeClassification(tdb.ctx, agent(), n, { paragraph_id: p.I2 });
    expect(verdict(await stored(n))).toEqual({ reactionDue: null, resolutionDue: C + 40 * H, reactionBreached: false, resolutionBreached: false });
  });

  it('changing only the category leaves the stored SLA as it was', async () => {
    const { n } = await ticket({ hoursAgo: 6 });
    await changeClassification(tdb.ctx, agent(), n, { paragraph_id: p.I2 });
    const before = await stored(n);
    await changeClassification(tdb.ctx, agent(), n, { paragraph_id: p.I2, category: 'Tisk' });
    expect(await stored(n)).toEqual(before);
  });
});

describe('calendar edits', () => {
  it('do not change the stored verdict of a closed (or cancelled) ticket; recomputeOpenTickets touches only open tickets', async () => {
    const ctx = tdb.ctx;
    const onEdited = { contractId: edited.contract, paragraph: edited.paragraph };
    // closed: submitted 6 h ago, reaction breached (6 h > 4 h), resolution met, on the 24x7 calendar
    const closed = await ticket({ hoursAgo: 6, ...onEdited });
    await acceptTicket(ctx, agent(), closed.n, {});
    await resolveTicket(ctx, agent(), closed.n, { resolution: 'Hotovo' });
    await closeTicket(ctx, agent(), closed.n, {});
    const closedBefore = await stored(closed.n);
    expect(verdict(closedBefore)).toEqual({ reactionDue: null, resolutionDue: null, reactionBreached: true, resolutionBreached: false });
    const cancelled = await ticket({ hoursAgo: 6, ...onEdited });
    await cancelTicket(ctx, agent(), cancelled.n, { reason: 'Duplicita' });
    const cancelledBefore = await stored(cancelled.n);

    // open: submitted Monday 23 Nov 2026 14:00 Prague (13:00Z); 24x7: reaction 17:00Z, resolution Tue 05:00Z
    const open = await ticket({ at: new Date('2026-11-23T13:00:00Z'), ...onEdited });
    expect(await recomputeOpenTickets(ctx, { all: true })).toBeGreaterThan(0);
    expect(verdict(await stored(open.n))).toEqual({
      reactionDue: Date.parse('2026-11-23T17:00:00Z'),
      resolutionDue: Date.parse('2026-11-24T05:00:00Z'),
      reactionBreached: true,
      resolutionBreached: true,
    });
    expect(await stored(closed.n)).toEqual(closedBefore);

    // the calendar becomes office hours, and the closed ticket's days become closed dates: the
    // closed ticket, computed again, would have used no service time at all (reaction met)
    const prague = (ms: number) => DateTime.fromMillis(ms, { zone: 'Europe/Prague' }).toISODate()!;
    const closedDates = [...new Set([prague(closed.C), prague(await at(closed.n, 'closed'))])];
    const calendarName = (await tdb.db('service_calendars').where({ id: edited.calendar }).first('name')).name as string;
    const summary = await importDocument(tdb.db, {
      calendars: [{ name: calendarName, timezone: 'Europe/Prague', windows: OFFICE, country: null, holidays: closedDates }],
      companies: [],
      contracts: [],
      users: [],
      tickets: [],
    });
    expect(summary).toMatchObject({ tickets: 0 });
    expect(await tdb.db('service_calendars').where({ id: edited.calendar }).first('windows', 'extra_closed_dates')).toEqual({ windows: OFFICE, extra_closed_dates: closedDates });
    const live = await ticketClocks(tdb.db, closed.n, new Date());
    expect(live.reaction?.breached).toBe(false); // what a recomputation would store

    // office hours Mon–Fri 08–16 Prague from Mon 14:00: reaction 2 h Mon + 2 h Tue → Tue 10:00 (09:00Z);
    // resolution 2 h Mon + 8 h Tue + 6 h Wed → Wed 14:00 (13:00Z)
    const officeVerdict = {
      reactionDue: Date.parse('2026-11-24T09:00:00Z'),
      resolutionDue: Date.parse('2026-11-25T13:00:00Z'),
      reactionBreached: true,
      resolutionBreached: true,
    };
    expect(verdict(await stored(open.n))).toEqual(officeVerdict); // the import recomputed the open ticket
    expect(await stored(closed.n)).toEqual(closedBefore);
    expect(await stored(cancelled.n)).toEqual(cancelledBefore);

    // the jobs: changed calendars, and all open tickets — never the closed or cancelled ones
    await recomputeOpenTickets(ctx);
    const openComputed = (await stored(open.n)).computedAt!;
    expect(await recomputeOpenTickets(ctx, { all: true })).toBeGreaterThan(0);
    expect((await stored(open.n)).computedAt).toBeGreaterThanOrEqual(openComputed);
    expect(verdict(await stored(open.n))).toEqual(officeVerdict);
    expect(await stored(closed.n)).toEqual(closedBefore);
    expect(await stored(cancelled.n)).toEqual(cancelledBefore);

    // an edit straight in the table (as an admin tool would) is picked up by the periodic job
    await tdb.db('service_calendars').where({ id: edited.calendar }).update({ windows: JSON.stringify(ALWAYS), extra_closed_dates: JSON.stringify([]), updated_at: tdb.db.fn.now() });
    const openTickets = Number(
      (await tdb.db('tickets as t').join('contracts as c', 'c.id', 't.contract_id').where('c.calendar_id', edited.calendar).whereNotIn('t.state', ['closed', 'cancelled']).count('* as n').first())?.n,
    );
    expect(await recomputeOpenTickets(ctx)).toBe(openTickets);
    expect(verdict(await stored(open.n))).toEqual({
      reactionDue: Date.parse('2026-11-23T17:00:00Z'),
      resolutionDue: Date.parse('2026-11-24T05:00:00Z'),
      reactionBreached: true,
      resolutionBreached: true,
    });
    expect(await stored(closed.n)).toEqual(closedBefore);
    expect(await stored(cancelled.n)).toEqual(cancelledBefore);
    // nothing changed since: the periodic job has nothing to do
    expect(await recomputeOpenTickets(ctx)).toBe(0);
  });
});
