/**
 * The rows of one contract's monthly report (REPORT.md), for domain/report's buildReport: the
 * contract and its paragraphs, the tickets that may count in the month (created before its
 * end and not final before its start, or with effort in it) with their transitions and
 * reclassifications from the month's start on, and the month's effort entries. Flat rows,
 * grouped here: PostgreSQL's JSON aggregation would cost more to build and to parse.
 */
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { monthRange, type MonthRange, type ReportInput, type ReportParagraph, type ReportTicket } from '../../domain/report/index.js';
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
  // the big reads are planned for their values every time (planEachTime): the generic plan a named statement
  // gets after five runs reads the month's efforts 4× slower and the transitions 1.5× (bench/report)
  const ticketRows = (await planEachTime(inScope.clone())
    .select(
      't.number', 't.subject', 't.channel', 't.created_at', 't.state', 't.paragraph_id',
      't.reaction_breached', 't.reaction_consumed_minutes', 't.resolution_breached', 't.resolution_consumed_minutes',
    )
    .orderBy('t.number')) as {
    number: string | number; subject: string; channel: ReportTicket['channel']; created_at: Date; state: StateCode; paragraph_id: number;
    reaction_breached: boolean | null; reaction_consumed_minutes: number | null; resolution_breached: boolean | null; resolution_consumed_minutes: number | null;
  }[];
  const tickets = new Map<number, ReportTicket>();
  for (const r of ticketRows) {
    const number = Number(r.number);
    tickets.set(number, {
      number,
      subject: r.subject,
      channel: r.channel,
      created_at: r.created_at,
      state: r.state,
      paragraph_id: r.paragraph_id,
      transitions: [],
      reclassified: [],
      reaction: { breached: r.reaction_breached, consumed_minutes: r.reaction_consumed_minutes },
      resolution: { breached: r.resolution_breached, consumed_minutes: r.resolution_consumed_minutes },
    });
  }

  // transitions (not the creation, not the import's marker) and reclassifications from the month's start on,
  // read apart: the transitions are an index-only scan of ticket_events_transitions per ticket of the contract
  // (bench/report), in ticket order, each ticket's in time order as before; reclassifications are few
  const ofContract = (q: Knex.QueryBuilder) => q.join('tickets as t', 't.number', 'e.ticket_number').where('t.contract_id', contract.id).where('e.at', '>=', range.start);
  const transitionRows = (await planEachTime(ofContract(db('ticket_events as e')))
    .whereNotNull('e.to_state')
    .whereNotIn('e.kind', ['created', 'imported', 'field_changed'])
    .orderBy([{ column: 'e.ticket_number' }, { column: 'e.at' }, { column: 'e.id' }])
    .select('e.ticket_number', 'e.at', 'e.from_state', 'e.to_state')) as {
    ticket_number: string | number; at: Date; from_state: StateCode | null; to_state: StateCode;
  }[];
  const reclassificationRows = (await ofContract(db('ticket_events as e'))
    // literal, so a generic plan still proves ticket_events_reclassified's predicate
    .whereRaw("e.kind = 'field_changed'")
    .where((q) => q.whereRaw("e.data->>'field' = 'paragraph'").orWhereNotNull('e.to_state'))
    .orderBy([{ column: 'e.ticket_number' }, { column: 'e.at' }, { column: 'e.id' }])
    .select('e.ticket_number', 'e.at', db.raw("e.data->>'from_id' as from_id"), db.raw("e.data->>'to_id' as to_id"), db.raw("e.data->>'from' as from_text"), db.raw("e.data->>'to' as to_text"))) as {
    ticket_number: string | number; at: Date; from_id: string | null; to_id: string | null; from_text: string | null; to_text: string | null;
  }[];
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
  // rows of one ticket come together: look it up once per ticket
  let t: ReportTicket | undefined;
  let number = Number.NaN;
  for (const e of transitionRows) {
    const n = Number(e.ticket_number);
    if (n !== number) {
      number = n;
      t = tickets.get(n);
    }
    t?.transitions.push({ at: e.at, from: e.from_state, to: e.to_state });
  }

  const efforts = ((await planEachTime(db('efforts as ef'))
    .join('tickets as t', 't.number', 'ef.ticket_number')
    .where('t.contract_id', contract.id)
    .where('ef.work_date', '>=', firstDay)
    .where('ef.work_date', '<', nextFirstDay)
    .orderBy('ef.id')
    .select('ef.ticket_number', 'ef.minutes', 'ef.billable')) as { ticket_number: string | number; minutes: number; billable: boolean }[]).map((e) => ({
    ticket: Number(e.ticket_number),
    minutes: e.minutes,
    billable: e.billable,
  }));

  return { company: contract.company_name, contract: contract.number, range, paragraphs, tickets: [...tickets.values()], efforts };
}
