import type { Knex } from 'knex';
import { LIST_STATES, type ListName, type StateCode, STATES } from '../domain/states.js';
import { type Actor, isStaff } from './actor.js';
import { contentChunks } from './attachments.js';
import { planEachTime } from '../db/knex.js';
import { stripControls } from '../domain/text.js';
import { NotFoundError } from './errors.js';
import { type ClockInputs, type SlaSetupRow, slaSetupJson, stateChangesJson } from './sla.js';
import { usableContracts, visibleTickets } from './visibility.js';

export const PAGE_SIZE = 50;

/** The nearer of the two running clocks' due instants (stored on the ticket, see services/sla.ts). */
const SLA_DUE = 'least(t.reaction_due_at, t.resolution_due_at)';
/** SLA_DUE compared with `cmp`; the null check is the predicate of the due index (tickets_sla_due). */
const slaDueIs = (cmp: string) => `(${SLA_DUE} ${cmp} and (t.reaction_due_at is not null or t.resolution_due_at is not null))`;

export interface TicketListRow {
  number: number;
  /** the customer lists carry only the date they show (LIST_DATE) */
  created_at?: Date;
  resolved_at?: Date | null;
  closed_at?: Date | null;
  subject: string;
  state: StateCode;
  assignee_name: string | null;
  contract_number?: string;
  company_name?: string;
  reporter_name?: string;
  sla_due?: Date | null;
  sla_breached?: boolean;
}

export interface Page<T> {
  rows: T[];
  page: number;
  pages: number;
  total: number;
  /** the list has more than `total` tickets (counting stops at COUNT_LIMIT) */
  more: boolean;
}

/**
 * Lists count at most this many tickets: the staff queue over a million tickets would spend
 * a second counting. Beyond it the pager says "more than".
 */
export const COUNT_LIMIT = 10_000;

/**
 * The last page a list shows: its pages are cut from the COUNT_LIMIT tickets counted, so asking
 * for any page costs what page 1 costs. Tickets beyond them are found by filtering, not paging.
 */
export const MAX_PAGE = COUNT_LIMIT / PAGE_SIZE;

/** A list of tickets to show a page of. */
interface PageSpec {
  /** the tickets (as t), scoped and filtered, selecting t's own columns only */
  rows: Knex.QueryBuilder;
  /** the list's order: on the tickets (alias t), then on the selections made from them (y, x) */
  order: (q: Knex.QueryBuilder, alias: 't' | 'y' | 'x') => void;
  /** joins and selects the page's names (assignee, reporter, contract) onto the page (alias x) */
  names: (page: Knex.QueryBuilder) => void;
  /** plan the statements for their values every time (see planEachTime) */
  valueDependent?: boolean;
}

/**
 * One page in the list's order with the total in the same statement: the first COUNT_LIMIT + 1
 * tickets in order (y), counted by a window (so an index in the list's order stops early), the page
 * cut from them, and only the page's 50 rows joined to names (x). A page number beyond MAX_PAGE
 * (however large) is MAX_PAGE; only a page past the end needs a second statement, which counts at
 * most the tickets before that page, to show the last page instead. No statement reads more than
 * COUNT_LIMIT + 1 tickets, whatever page is asked for.
 */
async function paginate(db: Knex, spec: PageSpec, page: number): Promise<Page<TicketListRow>> {
  const reach = COUNT_LIMIT + 1;
  const planned = <T extends Knex.QueryBuilder>(q: T) => (spec.valueDependent ? planEachTime(q) : q);
  const fetch = async (p: number) => {
    const offset = (p - 1) * PAGE_SIZE;
    const first = spec.rows.clone();
    spec.order(first, 't');
    const counted = db.from(first.limit(reach).as('y')).select('y.*', db.raw('count(*) over () as total_rows'));
    spec.order(counted, 'y');
    const pageQuery = db.from(counted.limit(PAGE_SIZE).offset(offset).as('x')).select('x.*');
    spec.names(pageQuery);
    spec.order(pageQuery, 'x');
    return (await planned(pageQuery)) as (TicketListRow & { total_rows?: number })[];
  };
  let current = Number.isNaN(page) ? 1 : Math.min(MAX_PAGE, Math.max(1, Math.floor(page)));
  let rows = await fetch(current);
  let counted = Number(rows[0]?.total_rows ?? 0);
  if (rows.length === 0 && current > 1) {
    // fewer tickets than the page's offset: count them all (below the offset) and show the last page
    const offset = (current - 1) * PAGE_SIZE;
    const countRow = await planned(db.from(spec.rows.clone().limit(offset).as('y')).count<{ count: number }[]>('* as count').first());
    counted = Number(countRow?.count ?? 0);
    current = Math.max(1, Math.ceil(counted / PAGE_SIZE));
    rows = counted > 0 ? await fetch(current) : [];
  }
  for (const r of rows) delete r.total_rows;
  const more = counted === reach;
  const total = more ? counted - 1 : counted;
  return { rows, page: current, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)), total, more };
}

/** The assignee's name on a page of tickets. */
const assigneeName = (page: Knex.QueryBuilder) => page.leftJoin('users as a', 'a.id', 'x.assignee_id').select('a.name as assignee_name');

/** The date each list shows and sorts by: created, resolved or closed. */
export const LIST_DATE = { current: 'created', resolved: 'resolved', closed: 'closed' } as const satisfies Record<ListName, string>;

/** Customer overview: one of the three lists, newest first, 50 a page. */
export async function listTickets(db: Knex, actor: Actor, list: ListName, page = 1): Promise<Page<TicketListRow>> {
  const date = `${LIST_DATE[list]}_at`;
  const rows = visibleTickets(db, actor)
    .whereIn('t.state', LIST_STATES[list] as StateCode[])
    // only the date the list shows: parsing timestamps is a noticeable part of rendering a page
    .select('t.number', `t.${date}`, 't.subject', 't.state', 't.assignee_id');
  const order = (q: Knex.QueryBuilder, alias: string) => q.orderBy(`${alias}.${date}`, 'desc').orderBy(`${alias}.number`, 'desc');
  return paginate(db, { rows, order, names: assigneeName }, page);
}

/** Search by number: the number if the actor may see it, else null (no hint that it exists). */
export async function findVisibleNumber(db: Knex, actor: Actor, number: number): Promise<number | null> {
  const row = await visibleTickets(db, actor).where('t.number', number).first('t.number');
  return row ? Number(row.number) : null;
}

export interface QueueFilter {
  state?: StateCode | 'open';
  contract_id?: number;
  assignee?: number | 'none';
  text?: string;
  /** breached: a clock overran (stored verdict or a running due in the past); a number: due within that many hours */
  sla?: 'breached' | number;
  sort?: 'created_desc' | 'created_asc' | 'due_asc';
  page?: number;
}

/** Staff queue over every contract. */
export async function staffQueue(db: Knex, actor: Actor, f: QueueFilter): Promise<Page<TicketListRow>> {
  const q = visibleTickets(db, actor).select(
    't.number', 't.created_at', 't.resolved_at', 't.subject', 't.state', 't.assignee_id', 't.contract_id', 't.reporter_id',
    db.raw(`${SLA_DUE} as sla_due`),
    db.raw('coalesce(t.reaction_breached, false) or coalesce(t.resolution_breached, false) or ' + `${SLA_DUE} < now() as sla_breached`),
  );
  if (f.state === 'open') q.whereIn('t.state', LIST_STATES.current as StateCode[]);
  else if (f.state && (STATES as readonly string[]).includes(f.state)) q.where('t.state', f.state);
  if (f.contract_id) q.where('t.contract_id', f.contract_id);
  if (f.assignee === 'none') q.whereNull('t.assignee_id');
  else if (typeof f.assignee === 'number') q.where('t.assignee_id', f.assignee);
  // NUL would fail the statement; the other control characters never match a subject
  const text = f.text === undefined ? undefined : stripControls(f.text).trim();
  if (text) {
    const like = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q.where((w) => {
      w.whereILike('t.subject', like);
      if (/^\d{1,15}$/.test(text)) w.orWhere('t.number', Number(text));
    });
  }
  if (f.sla === 'breached') {
    q.where((w) => w.where('t.reaction_breached', true).orWhere('t.resolution_breached', true).orWhereRaw(slaDueIs('< now()')));
  } else if (typeof f.sla === 'number') {
    q.whereRaw(slaDueIs('between now() and now() + make_interval(hours => ?)'), [f.sla]);
  }
  const dir = f.sort === 'created_asc' || f.sort === 'due_asc' ? 'asc' : 'desc';
  const order = (o: Knex.QueryBuilder, alias: string) => {
    if (f.sort === 'due_asc') o.orderByRaw(`${alias === 't' ? SLA_DUE : `${alias}.sla_due`} asc nulls last`);
    o.orderBy(`${alias}.created_at`, dir).orderBy(`${alias}.number`, dir);
  };
  const names = (page: Knex.QueryBuilder) =>
    assigneeName(page)
      .join('contracts as c', 'c.id', 'x.contract_id')
      .join('companies as co', 'co.id', 'c.company_id')
      .join('users as r', 'r.id', 'x.reporter_id')
      .select('c.number as contract_number', 'co.name as company_name', 'r.name as reporter_name');
  return paginate(db, { rows: q, order, names, valueDependent: true }, f.page ?? 1);
}

export interface TicketDetail {
  number: number;
  state: StateCode;
  subject: string;
  description: string;
  contact_phone: string | null;
  contact_email: string | null;
  requested_resolution_date: string | null;
  category: string | null;
  channel: string;
  resolution: string | null;
  created_at: Date;
  resolved_at: Date | null;
  closed_at: Date | null;
  contract_id: number;
  contract_number: string;
  contract_name: string;
  company_name: string;
  company_address: string | null;
  paragraph_id: number;
  paragraph_code: string;
  paragraph_name: string;
  paragraph_kind: string;
  sla_applies: boolean;
  reporter_id: number;
  reporter_name: string;
  assignee_id: number | null;
  assignee_name: string | null;
  /** what the SLA clocks are computed from (clocksOf) */
  sla_setup: SlaSetupRow;
  state_changes: ClockInputs['state_changes'];
}

/** The ticket page's header with what its clocks need, in one statement. */
export async function ticketDetail(db: Knex, actor: Actor, number: number): Promise<TicketDetail> {
  const row = await visibleTickets(db, actor)
    .join('contracts as c', 'c.id', 't.contract_id')
    .join('companies as co', 'co.id', 'c.company_id')
    .join('contract_paragraphs as p', 'p.id', 't.paragraph_id')
    .join('service_calendars as k', 'k.id', 'c.calendar_id')
    .join('users as r', 'r.id', 't.reporter_id')
    .leftJoin('users as a', 'a.id', 't.assignee_id')
    .where('t.number', number)
    .first(
      't.*',
      'c.number as contract_number', 'c.name as contract_name',
      'co.name as company_name', 'co.address as company_address',
      'p.code as paragraph_code', 'p.name as paragraph_name', 'p.kind as paragraph_kind', 'p.sla_applies',
      'r.name as reporter_name', 'a.name as assignee_name',
      slaSetupJson(db).wrap('', ' as sla_setup'), stateChangesJson(db).wrap('', ' as state_changes'),
    );
  if (!row) throw new NotFoundError();
  return { ...row, number: Number(row.number) } as TicketDetail;
}

export interface MessageRow {
  id: number;
  body: string;
  source: string;
  internal: boolean;
  created_at: Date;
  author_name: string | null;
  author_role: string | null;
  attachments: AttachmentRow[];
}

export interface AttachmentRow {
  id: number;
  message_id: number | null;
  name: string;
  content_type: string;
  size: number;
}

export interface EventRow {
  id: number;
  at: Date;
  kind: string;
  from_state: StateCode | null;
  to_state: StateCode | null;
  data: Record<string, unknown>;
  internal: boolean;
  actor_name: string | null;
}

/*
 * The tab loaders below take a ticket number the caller has already found visible through
 * ticketDetail; each hides staff-only rows from customers.
 */
/** Komunikace: the messages, oldest first, each with its attachments (one statement). */
export function ticketMessages(db: Knex, actor: Actor, number: number): Promise<MessageRow[]> {
  return db('ticket_messages as m')
    .leftJoin('users as u', 'u.id', 'm.author_id')
    .where('m.ticket_number', number)
    .modify((q) => {
      if (!isStaff(actor)) q.where('m.internal', false);
    })
    .orderBy('m.id', 'asc')
    .select(
      'm.id', 'm.body', 'm.source', 'm.internal', 'm.created_at', 'u.name as author_name', 'u.role as author_role',
      // the ticket number lets the subquery use the attachments' index
      db.raw(`(select coalesce(json_agg(json_build_object('id', f.id, 'message_id', f.message_id, 'name', f.name,
                 'content_type', f.content_type, 'size', f.size) order by f.id), '[]')
               from attachments f where f.ticket_number = m.ticket_number and f.message_id = m.id) as attachments`),
    );
}

/** The attachments of the request itself (those not sent with a message). */
export function ticketAttachments(db: Knex, number: number): Promise<AttachmentRow[]> {
  return db('attachments as f')
    .where('f.ticket_number', number)
    .whereNull('f.message_id')
    .orderBy('f.id', 'asc')
    .select('f.id', 'f.message_id', 'f.name', 'f.content_type', 'f.size');
}

export function ticketEvents(db: Knex, actor: Actor, number: number): Promise<EventRow[]> {
  return db('ticket_events as e')
    .leftJoin('users as u', 'u.id', 'e.actor_id')
    .where('e.ticket_number', number)
    .modify((q) => {
      if (!isStaff(actor)) q.where('e.internal', false);
    })
    .orderBy('e.id', 'asc')
    .select('e.id', 'e.at', 'e.kind', 'e.from_state', 'e.to_state', 'e.data', 'e.internal', 'u.name as actor_name');
}

export interface EffortRow {
  minutes: number;
  work_date: string;
  note: string | null;
  user_name: string;
}

export async function ticketEfforts(db: Knex, actor: Actor, number: number): Promise<EffortRow[]> {
  if (!isStaff(actor)) return [];
  return db('efforts as ef')
    .join('users as u', 'u.id', 'ef.user_id')
    .where('ef.ticket_number', number)
    .orderBy('ef.id')
    .select('ef.minutes', 'ef.work_date', 'ef.note', 'u.name as user_name');
}

export interface AttachmentDownload {
  name: string;
  content_type: string;
  size: number;
  sha256: string;
  /** the content's chunks in order (read them with readContent) */
  chunks: { seq: number; length: number }[];
}

/** An attachment's description and chunk list, only through a ticket the actor may see; the content is read chunk by chunk. */
export async function attachmentForDownload(db: Knex, actor: Actor, number: number, attachmentId: number): Promise<AttachmentDownload> {
  const row = await visibleTickets(db, actor)
    .join('attachments as f', 'f.ticket_number', 't.number')
    .leftJoin('ticket_messages as m', 'm.id', 'f.message_id')
    .where('t.number', number)
    .where('f.id', attachmentId)
    .modify((q) => { if (!isStaff(actor)) q.where((w) => w.whereNull('m.internal').orWhere('m.internal', false)); })
    .first('f.name', 'f.content_type', 'f.sha256');
  if (!row) throw new NotFoundError('attachment');
  const chunks = await contentChunks(db, row.sha256);
  const size = chunks.reduce((sum, c) => sum + c.length, 0);
  return { name: row.name, content_type: row.content_type, sha256: row.sha256, size, chunks };
}

/** Lists for the forms: the actor's contracts with paragraphs; active staff for assignment. */
export async function contractsWithParagraphs(db: Knex, actor: Actor) {
  const contracts: { id: number; number: string; name: string; company_name: string }[] = await usableContracts(db, actor)
    .orderBy('c.number')
    .select('c.id', 'c.number', 'c.name', 'co.name as company_name');
  const paragraphs = contracts.length
    ? await db<{ id: number; contract_id: number; code: string; name: string; kind: string; sla_applies: boolean }>('contract_paragraphs').whereIn('contract_id', contracts.map((c) => c.id)).where('active', true)
        .orderBy(['contract_id', 'code']).select('id', 'contract_id', 'code', 'name', 'kind', 'sla_applies')
    : [];
  return contracts.map((c) => ({ ...c, paragraphs: paragraphs.filter((p) => p.contract_id === c.id) }));
}

export async function staffMembers(db: Knex) {
  return db('users').whereIn('role', ['agent', 'admin']).where('active', true).orderBy('name').select('id', 'name');
}

export async function paragraphsOfContract(db: Knex, contractId: number) {
  return db('contract_paragraphs').where({ contract_id: contractId }).orderBy('code').select('id', 'code', 'name', 'active');
}

/** The reason of the ticket's latest complaint (shown while it waits for a decision). */
export async function latestComplaintReason(db: Knex, number: number): Promise<string | null> {
  const row = await db('ticket_events').where({ ticket_number: number, kind: 'complaint' }).orderBy('id', 'desc').first('data');
  return (row?.data?.reason as string | undefined) ?? null;
}
