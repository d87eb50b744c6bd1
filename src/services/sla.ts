import type { Reads } from './reads/pools.js';
import type { Knex } from 'knex';
import {
  buildServiceCalendar,
  type ClockResult,
  evaluateClock,
  parseCalendarConfig,
  type ServiceCalendar,
  type SlaMethod,
  type SlaTarget,
  type StateChange,
  type YearRange,
  yearsAround,
} from '../domain/sla/index.js';
import { FINAL_STATES, type StateCode } from '../domain/states.js';
import { SYSTEM } from './actor.js';
import type { ServiceContext, Tx } from './context.js';

type Conn = Knex | Tx;

export interface Target {
  method: SlaMethod;
  amount: number;
}

export interface SlaSetup {
  calendar: ServiceCalendar;
  reaction: Target;
  resolution: Target;
}

export interface TicketClocks {
  /** false for kinds without SLA (question/consultation/change, hypercare) */
  applies: boolean;
  reaction: (ClockResult & Target) | null;
  resolution: (ClockResult & Target) | null;
}

/** A paragraph's targets with its contract's zone and calendar, as stored. */
export interface SlaSetupRow {
  sla_applies: boolean;
  reaction_method: SlaMethod | null;
  reaction_amount: number | null;
  resolution_method: SlaMethod | null;
  resolution_amount: number | null;
  timezone: string;
  windows: unknown;
  holiday_country: string | null;
  extra_closed_dates: string[];
  service_day_minutes: number | null;
}

/**
 * The SLA setup's columns (an SlaSetupRow), for a query that joins the paragraph as p, its
 * contract as c and the contract's calendar as k (joinSlaSetup).
 */
export const SLA_SETUP_COLUMNS = [
  'p.sla_applies', 'p.reaction_method', 'p.reaction_amount', 'p.resolution_method', 'p.resolution_amount',
  'c.timezone', 'k.windows', 'k.holiday_country', 'k.extra_closed_dates', 'k.service_day_minutes',
] as const;

/** Joins the contract (as c) and its service calendar (as k) of the paragraph p of a query. */
export function joinSlaSetup(q: Knex.QueryBuilder): Knex.QueryBuilder {
  return q.join('contracts as c', 'c.id', 'p.contract_id').join('service_calendars as k', 'k.id', 'c.calendar_id');
}

/**
 * Joins what a ticket's SLA setup is read from to a query over tickets as t: its paragraph (p),
 * its contract (c) and the contract's calendar (k). With clockColumns, its clocks' inputs.
 */
export function joinTicketSlaSetup(q: Knex.QueryBuilder): Knex.QueryBuilder {
  return q
    .join('contract_paragraphs as p', 'p.id', 't.paragraph_id')
    .join('contracts as c', 'c.id', 't.contract_id')
    .join('service_calendars as k', 'k.id', 'c.calendar_id');
}

/** The columns sla_setup and state_changes of ClockInputs, for a query joined by joinTicketSlaSetup (with t.created_at, all of them). */
export function clockColumns(db: Conn): Knex.Raw[] {
  return [slaSetupJson(db).wrap('', ' as sla_setup'), stateChangesJson(db).wrap('', ' as state_changes')];
}

const SETUP_JSON = `json_build_object(${SLA_SETUP_COLUMNS.map((c) => `'${c.slice(2)}', ${c}`).join(', ')})`;

/**
 * The SLA setup as one JSON column (an SlaSetupRow), for a query that joins as SLA_SETUP_COLUMNS
 * says: the ticket page reads it with the ticket.
 */
export function slaSetupJson(db: Conn): Knex.Raw {
  return db.raw(SETUP_JSON);
}

/**
 * The state changes that drive the clocks (every one but the creation), oldest first, as one
 * JSON column ([{at, to}]) for a query over tickets as t.
 */
export function stateChangesJson(db: Conn): Knex.Raw {
  return db.raw(`(select coalesce(json_agg(json_build_object('at', e.at, 'to', e.to_state) order by e.id), '[]')
    from ticket_events e where e.ticket_number = t.number and e.to_state is not null and e.kind <> 'created')`);
}

/** A ticket's creation, setup and state changes: everything its clocks are computed from. */
export interface ClockInputs {
  created_at: Date;
  sla_setup: SlaSetupRow | null;
  /** `at` as Date or as the ISO text of stateChangesJson */
  state_changes: { at: Date | string; to: StateCode }[];
}

/** The paragraph's targets with the contract's calendar (zone, windows, holidays around `instants`). */
export async function slaSetupOfParagraph(db: Conn, paragraphId: number, instants: number[]): Promise<SlaSetup | null> {
  const row = (await joinSlaSetup(db('contract_paragraphs as p'))
    .where('p.id', paragraphId)
    .first(...SLA_SETUP_COLUMNS)) as SlaSetupRow | undefined;
  return row ? slaSetupOf(row, instants) : null;
}

function slaSetupOf(row: SlaSetupRow, instants: number[]): SlaSetup | null {
  if (!row.sla_applies || !row.reaction_method || !row.resolution_method || !row.reaction_amount || !row.resolution_amount) {
    return null;
  }
  return {
    calendar: serviceCalendar(row, yearsAround(row.timezone, instants)),
    reaction: { method: row.reaction_method, amount: row.reaction_amount },
    resolution: { method: row.resolution_method, amount: row.resolution_amount },
  };
}

// Validating a calendar and compiling its days is most of an SLA evaluation: reuse them while
// the calendar is unchanged (the key is its content, so an edit makes a new entry).
const calendars = new Map<string, ServiceCalendar>();

/** A stored calendar (the contract's zone, the calendar's windows and holidays) as the engine's, cached by content. */
export function serviceCalendar(
  row: Pick<SlaSetupRow, 'timezone' | 'windows' | 'holiday_country' | 'extra_closed_dates' | 'service_day_minutes'>,
  years: YearRange,
): ServiceCalendar {
  const input = {
    timezone: row.timezone,
    windows: row.windows,
    country: row.holiday_country,
    holidays: row.extra_closed_dates,
    ...(row.service_day_minutes ? { serviceDayMinutes: row.service_day_minutes } : {}),
  };
  const key = JSON.stringify([input, years.from, years.to]);
  let calendar = calendars.get(key);
  if (!calendar) {
    calendar = buildServiceCalendar(parseCalendarConfig(input), years);
    if (calendars.size >= 500) calendars.clear();
    calendars.set(key, calendar);
  }
  return calendar;
}

/** One clock of a paragraph's setup; without events and `now`, the deadline of a fresh ticket. */
function evaluate(setup: SlaSetup, target: SlaTarget, submittedAt: Date, events: StateChange[] = [], now?: Date) {
  const t = setup[target];
  return { ...evaluateClock({ calendar: setup.calendar, method: t.method, target, amount: t.amount, submittedAt, events, ...(now ? { now } : {}) }), ...t };
}

/** Both clocks of a ticket at `now`, computed from its history (the source of truth). */
export async function ticketClocks(db: Conn, number: number, now = new Date()): Promise<TicketClocks> {
  const ticket = (await joinTicketSlaSetup(db('tickets as t'))
    .where('t.number', number)
    .first('t.created_at', ...clockColumns(db))) as ClockInputs;
  return clocksOf(ticket, now);
}

/** Both clocks from what the ticket's query brought (see joinTicketSlaSetup, clockColumns). */
export function clocksOf(ticket: ClockInputs, now = new Date()): TicketClocks {
  const changes: StateChange<Date>[] = ticket.state_changes.map((e) => ({ at: new Date(e.at), to: e.to }));
  // events carry the database's clock; never evaluate before the last of them (clock skew)
  const lastKnown = Math.max(ticket.created_at.getTime(), ...changes.map((e) => e.at.getTime()));
  const at = new Date(Math.max(now.getTime(), lastKnown));
  const setup = ticket.sla_setup && slaSetupOf(ticket.sla_setup, [ticket.created_at.getTime(), at.getTime()]);
  if (!setup) return { applies: false, reaction: null, resolution: null };
  return {
    applies: true,
    reaction: evaluate(setup, 'reaction', ticket.created_at, changes, at),
    resolution: evaluate(setup, 'resolution', ticket.created_at, changes, at),
  };
}

/**
 * Stores the current due instants and verdicts on the ticket. Called in the transaction of
 * every state change and reclassification, so the queue never sorts by a stale due.
 */
export async function refreshStoredSla(db: Conn, number: number): Promise<TicketClocks> {
  // the transaction's own time: the same clock as the events it just wrote
  const now = (await db.raw('select now() as now')).rows[0].now as Date;
  const clocks = await ticketClocks(db, number, now);
  await db('tickets').where({ number }).update(storedSla(clocks, now));
  return clocks;
}

/** The ticket's stored SLA columns (due instants, verdicts) for its clocks computed at `now`. */
export function storedSla(clocks: TicketClocks, now: Date) {
  const due = (c: ClockResult | null) => (c && c.clock === 'running' && c.due ? c.due.toJSDate() : null);
  return {
    reaction_due_at: due(clocks.reaction),
    resolution_due_at: due(clocks.resolution),
    reaction_breached: clocks.reaction?.breached ?? null,
    resolution_breached: clocks.resolution?.breached ?? null,
    // the counted time with its verdict: a closed ticket's report reads both as at its closing
    reaction_consumed_minutes: clocks.reaction?.consumedMinutes ?? null,
    resolution_consumed_minutes: clocks.resolution?.consumedMinutes ?? null,
    sla_computed_at: now,
  };
}

/**
 * Recomputes the stored SLA of open tickets: those whose calendar changed since their last
 * computation, or all open ones (`all`). Closed and cancelled tickets keep their stored
 * verdicts (report stability). Returns how many tickets were recomputed.
 */
export async function recomputeOpenTickets(ctx: ServiceContext, opts: { all?: boolean; batch?: number } = {}): Promise<number> {
  const batch = opts.batch ?? 500;
  let done = 0;
  let after = 0;
  for (;;) {
    const q = ctx.db('tickets as t')
      .join('contracts as c', 'c.id', 't.contract_id')
      .join('service_calendars as k', 'k.id', 'c.calendar_id')
      .whereNotIn('t.state', FINAL_STATES)
      .where('t.number', '>', after)
      .orderBy('t.number')
      .limit(batch)
      .pluck('t.number');
    if (!opts.all) q.where((w) => w.whereNull('t.sla_computed_at').orWhereRaw('k.updated_at > t.sla_computed_at'));
    const numbers = (await q).map(Number);
    if (numbers.length === 0) return done;
    for (const n of numbers) {
      await ctx.db.transaction(async (trx) => {
        await trx('tickets').where({ number: n }).forUpdate().first('number');
        await refreshStoredSla(trx, n);
      });
    }
    done += numbers.length;
    after = numbers[numbers.length - 1]!;
  }
}

export interface Deadlines {
  reaction: ClockResult & Target;
  resolution: ClockResult & Target;
}

/**
 * Both deadlines of a paragraph for a ticket submitted at `start` (the SLA calculator);
 * null for paragraphs without SLA.
 */
export async function deadlinesFor({ db }: Pick<Reads, 'db'>, paragraphId: number, start: Date): Promise<Deadlines | null> {
  const setup = await slaSetupOfParagraph(db, paragraphId, [start.getTime()]);
  if (!setup) return null;
  return { reaction: evaluate(setup, 'reaction', start), resolution: evaluate(setup, 'resolution', start) };
}

/** The contract zone of a paragraph, to read a local date-time typed into the calculator. */
export async function paragraphZone({ db }: Pick<Reads, 'db'>, paragraphId: number): Promise<string | null> {
  const row = await db('contract_paragraphs as p').join('contracts as c', 'c.id', 'p.contract_id').where('p.id', paragraphId).first('c.timezone');
  return (row?.timezone as string | undefined) ?? null;
}
