/**
 * The ticket page: its header with what the clocks need (ticketDetail), each tab's rows, the
 * complaint waiting for a decision, and the attachments' downloads. Every read here runs on
 * the generic-plan pool (`reads`): fixed-shape lookups by ticket number, whose plan does not
 * depend on the values.
 */
import { compiledRead } from '../../db/compiled.js';
import type { StateCode } from '../../domain/states.js';
import { type Actor, isStaff, type Role } from '../actor.js';
import { contentChunks, readContent } from '../attachments.js';
import { NotFoundError } from '../errors.js';
import { type ClockInputs, clockColumns, joinTicketSlaSetup, type SlaSetupRow } from '../sla.js';
import { visibleTickets } from '../visibility.js';
import type { Reads } from './pools.js';

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

/*
 * The page's reads are built by knex once per shape (db/compiled.ts): building them cost more
 * CPU than PostgreSQL spent running them. What changes their SQL is the shape (the actor's
 * role); the values are bound.
 */
/** An actor as visibleTickets needs it to build a shape: the role, and the id as the bound value. */
const scopeOf = (role: Role, id: number): Actor => ({ id, role, login: '', name: '', email: '' });

/** The ticket's own columns the page shows (not t.*: every column read is a column parsed). */
const TICKET_COLUMNS = [
  't.number', 't.state', 't.subject', 't.description', 't.contact_phone', 't.contact_email', 't.requested_resolution_date',
  't.category', 't.channel', 't.resolution', 't.created_at', 't.resolved_at', 't.closed_at',
  't.contract_id', 't.paragraph_id', 't.reporter_id', 't.assignee_id',
];

/** A tab's rows the header's statement can bring along (ticketWithTab). */
export type TabRows = 'messages' | 'attachments' | 'none';

const detailRead = compiledRead((db, shape: `${Role} ${TabRows}`, actorId: number, number: number) => {
  const [role, rows] = shape.split(' ') as [Role, TabRows];
  const staff = role !== 'customer';
  return joinTicketSlaSetup(visibleTickets(db, scopeOf(role, actorId)))
    .join('companies as co', 'co.id', 'c.company_id')
    .join('users as r', 'r.id', 't.reporter_id')
    .leftJoin('users as a', 'a.id', 't.assignee_id')
    .where('t.number', number)
    .first(
      ...TICKET_COLUMNS,
      'c.number as contract_number', 'c.name as contract_name',
      'co.name as company_name', 'co.address as company_address',
      'p.code as paragraph_code', 'p.name as paragraph_name', 'p.kind as paragraph_kind', 'p.sla_applies',
      'r.name as reporter_name', 'a.name as assignee_name',
      ...clockColumns(db),
      ...(rows === 'messages' ? [db.raw(`${messagesJson(staff)} as tab_messages`)] : []),
      ...(rows === 'attachments' ? [db.raw(`${REQUEST_ATTACHMENTS_JSON} as tab_attachments`)] : []),
    );
});

/** The ticket page's header with what its clocks need, in one statement. */
export async function ticketDetail(pools: Reads, actor: Actor, number: number): Promise<TicketDetail> {
  return (await ticketWithTab(pools, actor, number, 'none')).ticket;
}

/**
 * The ticket page's header (as ticketDetail) and, in the same statement, the rows of the tab
 * that has them: Komunikace's messages or Zadání's request attachments, as ticketMessages and
 * ticketAttachments read them. One statement (and round trip) less per page.
 */
export async function ticketWithTab(
  pools: Reads,
  actor: Actor,
  number: number,
  rows: TabRows,
): Promise<{ ticket: TicketDetail; messages: MessageRow[]; attachments: AttachmentRow[] }> {
  const [row] = await detailRead(pools.reads, `${actor.role} ${rows}`, actor.id, number);
  if (!row) throw new NotFoundError();
  const { tab_messages, tab_attachments, ...ticket } = row as { tab_messages?: JsonMessage[]; tab_attachments?: AttachmentRow[] };
  return {
    ticket: { ...ticket, number: Number((ticket as { number: unknown }).number) } as TicketDetail,
    // JSON carries instants as text: the messages' times become Dates as pg's rows have them
    messages: (tab_messages ?? []).map((m) => ({ ...m, created_at: new Date(m.created_at) })),
    attachments: tab_attachments ?? [],
  };
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
const messagesRead = compiledRead((db, shape: 'staff' | 'customer', number: number) =>
  db('ticket_messages as m')
    .leftJoin('users as u', 'u.id', 'm.author_id')
    .where('m.ticket_number', number)
    .modify((q) => {
      if (shape === 'customer') q.where('m.internal', false);
    })
    .orderBy('m.id', 'asc')
    .select(
      'm.id', 'm.body', 'm.source', 'm.internal', 'm.created_at', 'u.name as author_name', 'u.role as author_role',
      // the ticket number lets the subquery use the attachments' index
      db.raw(`(select coalesce(json_agg(json_build_object('id', f.id, 'message_id', f.message_id, 'name', f.name,
                 'content_type', f.content_type, 'size', f.size) order by f.id), '[]')
               from attachments f where f.ticket_number = m.ticket_number and f.message_id = m.id) as attachments`),
    ),
);

/** A message's attachments as a JSON array, for a query over ticket_messages as m (the ticket number lets it use the attachments' index). */
const MESSAGE_ATTACHMENTS_JSON = `(select coalesce(json_agg(json_build_object('id', f.id, 'message_id', f.message_id, 'name', f.name,
    'content_type', f.content_type, 'size', f.size) order by f.id), '[]')
  from attachments f where f.ticket_number = m.ticket_number and f.message_id = m.id)`;

/** The ticket's messages (MessageRow, created_at as text) as a JSON array, for a query over tickets as t. */
const messagesJson = (staff: boolean) => `(select coalesce(json_agg(json_build_object('id', m.id, 'body', m.body, 'source', m.source,
    'internal', m.internal, 'created_at', m.created_at, 'author_name', u.name, 'author_role', u.role,
    'attachments', ${MESSAGE_ATTACHMENTS_JSON}) order by m.id), '[]')
  from ticket_messages m left join users u on u.id = m.author_id
  where m.ticket_number = t.number${staff ? '' : ' and m.internal = false'})`;

/** The request's attachments (AttachmentRow) as a JSON array, for a query over tickets as t. */
const REQUEST_ATTACHMENTS_JSON = `(select coalesce(json_agg(json_build_object('id', f.id, 'message_id', f.message_id, 'name', f.name,
    'content_type', f.content_type, 'size', f.size) order by f.id), '[]')
  from attachments f where f.ticket_number = t.number and f.message_id is null)`;

type JsonMessage = Omit<MessageRow, 'created_at'> & { created_at: string };

/** Komunikace: the messages, oldest first, each with its attachments (one statement). */
export async function ticketMessages(pools: Reads, actor: Actor, number: number): Promise<MessageRow[]> {
  return (await messagesRead(pools.reads, isStaff(actor) ? 'staff' : 'customer', number)) as unknown as MessageRow[];
}

const requestAttachmentsRead = compiledRead((db, _shape: 'request', number: number) =>
  db('attachments as f')
    .where('f.ticket_number', number)
    .whereNull('f.message_id')
    .orderBy('f.id', 'asc')
    .select('f.id', 'f.message_id', 'f.name', 'f.content_type', 'f.size'),
);

/** The attachments of the request itself (those not sent with a message). */
export async function ticketAttachments(pools: Reads, number: number): Promise<AttachmentRow[]> {
  return (await requestAttachmentsRead(pools.reads, 'request', number)) as unknown as AttachmentRow[];
}

export function ticketEvents(pools: Reads, actor: Actor, number: number): Promise<EventRow[]> {
  const db = pools.reads;
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
  id: number;
  minutes: number;
  work_date: string;
  note: string | null;
  billable: boolean;
  user_id: number;
  user_name: string;
}

/** The ticket's effort entries: staff see all, a customer only the billable ones (REPORT.md §2). */
export async function ticketEfforts(pools: Reads, actor: Actor, number: number): Promise<EffortRow[]> {
  const db = pools.reads;
  const q = db('efforts as ef')
    .join('users as u', 'u.id', 'ef.user_id')
    .where('ef.ticket_number', number)
    .orderBy('ef.id')
    .select('ef.id', 'ef.minutes', 'ef.work_date', 'ef.note', 'ef.billable', 'ef.user_id', 'u.name as user_name');
  if (!isStaff(actor)) q.where('ef.billable', true);
  return q;
}

export interface AttachmentDownload {
  name: string;
  content_type: string;
  size: number;
  sha256: string;
  /** the content's chunks in order (read them with attachmentContent) */
  chunks: { seq: number; length: number }[];
}

/** An attachment's description and chunk list, only through a ticket the actor may see; the content is read chunk by chunk. */
export async function attachmentForDownload(pools: Reads, actor: Actor, number: number, attachmentId: number): Promise<AttachmentDownload> {
  const db = pools.reads;
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

/** The bytes `start`..`end` (inclusive) of an attachment found by attachmentForDownload, chunk by chunk. */
export function attachmentContent(pools: Reads, file: AttachmentDownload, start: number, end: number): AsyncGenerator<Buffer> {
  return readContent(pools.reads, file.sha256, file.chunks, start, end);
}

/** The reason of the ticket's latest complaint (shown while it waits for a decision). */
export async function latestComplaintReason(pools: Reads, number: number): Promise<string | null> {
  const db = pools.reads;
  const row = await db('ticket_events').where({ ticket_number: number, kind: 'complaint' }).orderBy('id', 'desc').first('data');
  return (row?.data?.reason as string | undefined) ?? null;
}

/**
 * The cooperation staff asked for when they last paused the ticket (the pause event's data),
 * shown to the customer while it waits for them; null when none is recorded.
 */
export async function latestPauseRequest(pools: Reads, number: number): Promise<string | null> {
  const db = pools.reads;
  const row = await db('ticket_events')
    .where({ ticket_number: number, to_state: 'paused' })
    .orderBy('id', 'desc')
    .first('data');
  const text = row?.data?.cooperation;
  return typeof text === 'string' && text.trim() ? text : null;
}
