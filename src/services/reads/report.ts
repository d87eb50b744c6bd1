/**
 * The rows of one contract's monthly report (REPORT.md), for domain/report's buildReport: the
 * contract and its paragraphs, the tickets that may count in the month (created before its
 * end and not final before its start, or with effort in it) with their state at the month's
 * end, each ticket's steps in the month (its transitions counted per ticket: MonthSteps), the
 * reclassifications from the month's start on, and the month's effort per ticket and billable
 * flag. Flat rows, joined here: PostgreSQL's JSON aggregation would cost more to build and to parse.
 */
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { type MonthSteps, monthRange, type MonthRange, NO_STEPS, type ReportInput, type ReportParagraph, type ReportTicket, UPHELD_TO } from '../../domain/report/index.js';
import type { StateCode } from '../../domain/states.js';
import { planEachTime } from '../../db/knex.js';
import type { Reads } from './pools.js';

export interface ReportContract {
  id: number;
  number: string;
  name: string;
  company_id: number;
  company_name: string;
  timezone: string;
}

/** The contract a report names: by its company's name and its number; null when there is none. */
export async function findReportContract(pools: Reads, company: string, number: string): Promise<ReportContract | null> {
  return ((await pools
    .db('contracts as c')
    .join('companies as co', 'co.id', 'c.company_id')
    .where({ 'co.name': company, 'c.number': number })
    .first('c.id', 'c.number', 'c.name', 'c.company_id', 'co.name as company_name', 'c.timezone')) ?? null) as ReportContract | null;
}

export async function contractById(pools: Reads, id: number): Promise<ReportContract | null> {
  return ((await pools
    .db('contracts as c')
    .join('companies as co', 'co.id', 'c.company_id')
    .where('c.id', id)
    .first('c.id', 'c.number', 'c.name', 'c.company_id', 'co.name as company_name', 'c.timezone')) ?? null) as ReportContract | null;
}

/**
 * The contracts a list of reports offers: every active contract (staff), or those where
 * `seeAllOf`'s membership has the see-all flag (a customer); by company and number.
 */
export async function reportContracts(pools: Reads, opts: { seeAllOf?: number } = {}): Promise<ReportContract[]> {
  const q = pools
    .db('contracts as c')
    .join('companies as co', 'co.id', 'c.company_id')
    .orderBy([{ column: 'co.name' }, { column: 'c.number' }])
    .select('c.id', 'c.number', 'c.name', 'c.company_id', 'co.name as company_name', 'c.timezone');
  if (opts.seeAllOf === undefined) q.where('c.active', true);
  else q.join('user_contracts as uc', 'uc.contract_id', 'c.id').where({ 'uc.user_id': opts.seeAllOf, 'uc.sees_all_tickets': true });
  return (await q) as ReportContract[];
}

/** The report month of a contract (its zone); null for a malformed month. */
export const reportRange = (contract: ReportContract, month: string): MonthRange | null => monthRange(month, contract.timezone);

/**
 * A read started now on a connection of its own, awaited later (marked handled, so a failure while another
 * read is awaited is not an unhandled rejection: the await rethrows it). Without parallel workers: the reads
 * already run side by side, one per connection, and workers on top of them only added their start and the
 * copying of rows through their queues (bench/report: 970 → 800 ms on 2 cores).
 */
function started<T>(db: Knex, q: Knex.QueryBuilder): Promise<T> {
  const p = db.transaction(async (trx) => {
    await trx.raw('set local max_parallel_workers_per_gather = 0');
    return (await q.transacting(trx)) as T;
  });
  p.catch(() => undefined);
  return p;
}

const dateOf = (d: Date, zone: string) => DateTime.fromJSDate(d, { zone }).toISODate()!;

export async function reportRows(pools: Reads, contract: ReportContract, range: MonthRange): Promise<ReportInput> {
  const db = pools.db;
  const firstDay = dateOf(range.start, range.zone);
  const nextFirstDay = dateOf(range.end, range.zone);
  const paragraphRows = (await db('contract_paragraphs')
    .where('contract_id', contract.id)
    .select('id', 'code', 'name', 'kind', 'sla_applies', 'reaction_method', 'reaction_amount', 'resolution_method', 'resolution_amount')) as {
    id: number; code: string; name: string; kind: ReportParagraph['kind']; sla_applies: boolean;
    reaction_method: string | null; reaction_amount: number | null; resolution_method: string | null; resolution_amount: number | null;
  }[];
  const paragraphs: ReportParagraph[] = paragraphRows.map((p) => ({
    id: p.id,
    code: p.code,
    name: p.name,
    kind: p.kind,
    sla: p.sla_applies
      ? { reaction: { method: p.reaction_method!, amount: p.reaction_amount! }, resolution: { method: p.resolution_method!, amount: p.resolution_amount! } }
      : null,
  }));

  // tickets that may count: open at some point of the month, or with effort in it
  const inScope = db('tickets as t')
    .where('t.contract_id', contract.id)
    .where((q) =>
      q
        .where((w) => w.where('t.created_at', '<', range.end).andWhere((c) => c.whereNull('t.closed_at').orWhere('t.closed_at', '>=', range.start)))
        .orWhereExists(db('efforts as ef').whereRaw('ef.ticket_number = t.number').where('ef.work_date', '>=', firstDay).where('ef.work_date', '<', nextFirstDay)),
    );
  // the reads run at once, each on its own connection of the pool: PostgreSQL executes one while this process
  // parses the rows of another (bench/report). (Separate statements, as before: no common snapshot.)
  // each ticket's steps in the month (MonthSteps): its transitions (not the creation, not the import's marker) to
  // resolved, closed, cancelled or complained and from complained, counted per ticket. An index-only scan of
  // ticket_events_transitions per ticket of the contract (bench/report), grouped as it comes, in ticket order;
  // the reclassifications from the month's start on are read apart (few)
  const ofContract = (q: Knex.QueryBuilder) => q.join('tickets as t', 't.number', 'e.ticket_number').where('t.contract_id', contract.id).where('e.at', '>=', range.start);
  const stepsRead = started<[ticket_number: string | number, resolved: true | null, closed_at: Date | null, cancelled: true | null, filed: number | null, upheld: number | null, rejected: number | null][]>(
    db,
    planEachTime(ofContract(db('ticket_events as e')))
      .where('e.at', '<', range.end)
      .whereNotNull('e.to_state')
      .whereNotIn('e.kind', ['created', 'imported', 'field_changed'])
      .where((q) => q.whereIn('e.to_state', ['resolved', 'closed', 'cancelled', 'complained']).orWhere('e.from_state', 'complained'))
      .groupBy('e.ticket_number')
      // null for false and 0, the usual values: a null costs this process no parsing, and most of the month's
      // tickets were neither cancelled nor complained about (bench/report)
      .select(
        'e.ticket_number',
        db.raw("nullif(bool_or(e.to_state = 'resolved'), false)"),
        db.raw("max(e.at) filter (where e.to_state = 'closed')"),
        db.raw("nullif(bool_or(e.to_state = 'cancelled'), false)"),
        db.raw("nullif(count(*) filter (where e.to_state = 'complained'), 0)::int"),
        db.raw("nullif(count(*) filter (where e.from_state = 'complained' and e.to_state = any(?)), 0)::int", [[...UPHELD_TO]]),
        db.raw("nullif(count(*) filter (where e.from_state = 'complained' and e.to_state = 'resolved'), 0)::int"),
      )
      .options({ rowMode: 'array' }),
  );
  const reclassificationsRead = started<{
    ticket_number: string | number; at: Date; from_id: string | null; to_id: string | null; from_text: string | null; to_text: string | null;
  }[]>(db, ofContract(db('ticket_events as e'))
    // literal, so a generic plan still proves ticket_events_reclassified's predicate
    .whereRaw("e.kind = 'field_changed'")
    .where((q) => q.whereRaw("e.data->>'field' = 'paragraph'").orWhereNotNull('e.to_state'))
    .orderBy([{ column: 'e.ticket_number' }, { column: 'e.at' }, { column: 'e.id' }])
    .select('e.ticket_number', 'e.at', db.raw("e.data->>'from_id' as from_id"), db.raw("e.data->>'to_id' as to_id"), db.raw("e.data->>'from' as from_text"), db.raw("e.data->>'to' as to_text")));
  // the month's effort summed per ticket and billable flag (build.ts sums them further)
  const effortsRead = started<[ticket_number: string | number, minutes: number, billable: boolean][]>(db, planEachTime(db('efforts as ef'))
    .join('tickets as t', 't.number', 'ef.ticket_number')
    .where('t.contract_id', contract.id)
    .where('ef.work_date', '>=', firstDay)
    .where('ef.work_date', '<', nextFirstDay)
    .groupBy('ef.ticket_number', 'ef.billable')
    // in ticket order, as the report lists them: the database sorts while this process is the busier one
    .orderBy('ef.ticket_number')
    .select('ef.ticket_number', db.raw('sum(ef.minutes)::int as minutes'), 'ef.billable')
    .options({ rowMode: 'array' }));

  // the big reads are planned for their values every time (planEachTime): the generic plan a named statement
  // gets after five runs reads the month's efforts 4× slower and the transitions 1.5× (bench/report); their rows
  // come as arrays (pg's rowMode), which spares building an object per row.
  // A ticket's state at the month's end is the `from` of its first transition at or after the end (one probe of
  // ticket_events_transitions, only for tickets updated since), else its state now: so no transition after the month is read.
  const ticketRows = (await started(db, planEachTime(inScope.clone())
    .select(
      't.number', 't.subject', 't.channel', 't.created_at', 't.state', 't.paragraph_id',
      // nulls where no figure reads a value, as for the steps: the verdicts count only for closed tickets, and the
      // state at the end is given only where it differs from the state now
      ...['reaction_breached', 'reaction_consumed_minutes', 'resolution_breached', 'resolution_consumed_minutes'].map((c) => db.raw(`case when t.state = 'closed' then t.${c} end`)),
      // a ticket untouched since the month's end is still in its state now: every transition moves updated_at to its
      // transaction's time (an imported one's row is written after its past events), so only the others are probed
      db.raw(
        `case when t.updated_at >= ? then
           nullif((select coalesce(l.from_state, 'new') from ticket_events l where l.ticket_number = t.number and l.to_state is not null
             and l.kind not in ('created', 'imported', 'field_changed') and l.at >= ? order by l.at, l.id limit 1), t.state) end as state_at_end`,
        [range.end, range.end],
      ),
    )
    // no order: sorting 100,000 rows spilled to disk at work_mem 4 MB; build.ts does not need one (lists.ts sorts)
    .options({ rowMode: 'array' }))) as unknown as [
    number: string | number, subject: string, channel: ReportTicket['channel'], created_at: Date, state: StateCode, paragraph_id: number,
    reaction_breached: boolean | null, reaction_consumed_minutes: number | null, resolution_breached: boolean | null, resolution_consumed_minutes: number | null,
    state_at_end: StateCode | null,
  ][];
  const tickets = new Map<number, ReportTicket>();
  for (const r of ticketRows) {
    const number = Number(r[0]);
    tickets.set(number, {
      number,
      subject: r[1],
      channel: r[2],
      created_at: r[3],
      state: r[4],
      paragraph_id: r[5],
      month: NO_STEPS,
      reclassified: [],
      reaction: { breached: r[6], consumed_minutes: r[7] },
      resolution: { breached: r[8], consumed_minutes: r[9] },
      state_at_end: r[10] ?? r[4],
    });
  }

  const [stepRows, reclassificationRows] = await Promise.all([stepsRead, reclassificationsRead]);
  // reclassifications written before their events carried ids name the paragraph as "code name"
  const byCode = new Map(paragraphs.map((p) => [p.code, p.id]));
  const paragraphOf = (id: string | null, text: string | null): number | null => {
    if (id !== null) return Number(id);
    if (text === null) return null;
    const match = paragraphs.filter((p) => text === `${p.code} ${p.name}` || text.startsWith(`${p.code} `));
    return match.length === 1 ? match[0]!.id : (byCode.get(text) ?? null);
  };
  for (const e of reclassificationRows) {
    const t = tickets.get(Number(e.ticket_number));
    if (!t) continue;
    const to = paragraphOf(e.to_id, e.to_text);
    if (to !== null) t.reclassified.push({ at: e.at, from_id: paragraphOf(e.from_id, e.from_text), to_id: to });
  }
  for (const r of stepRows) {
    const t = tickets.get(Number(r[0]));
    if (t) t.month = { resolved: r[1] === true, closed_at: r[2], cancelled: r[3] === true, complaints_filed: r[4] ?? 0, complaints_upheld: r[5] ?? 0, complaints_rejected: r[6] ?? 0 } satisfies MonthSteps;
  }

  const efforts = (await effortsRead).map((e) => ({ ticket: Number(e[0]), minutes: e[1], billable: e[2] }));

  return { company: contract.company_name, contract: contract.number, range, paragraphs, tickets: [...tickets.values()], efforts };
}
