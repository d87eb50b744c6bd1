/**
 * What the integration API reads (API.md §2). The scope is the token's: the tickets of its
 * contract that its user may see (visibility.ts). A ticket outside it is not found, exactly like
 * a number that does not exist.
 */
import type { Knex } from 'knex';
import { compiledRead } from '../../db/compiled.js';
import type { StateCode } from '../../domain/states.js';
import type { Actor } from '../actor.js';
import { type StoredAttachment, wholeContent } from '../attachments.js';
import { NotFoundError } from '../errors.js';
import { type ClockInputs, clockColumns, clocksOf, joinTicketSlaSetup, type TicketClocks } from '../sla.js';
import { visibleTickets } from '../visibility.js';
import type { Reads } from './pools.js';

/** Who asks: the token's user, within the token's contract. */
export interface ApiScope {
  actor: Actor;
  contractId: number;
}

function scoped(db: Knex, scope: ApiScope): Knex.QueryBuilder {
  return visibleTickets(db, scope.actor).where('t.contract_id', scope.contractId);
}

export interface ApiTicketRow {
  number: number;
  subject: string;
  description: string;
  state: StateCode;
  paragraph_code: string;
  paragraph_name: string;
  channel: string;
  external_id: string | null;
  assignee_name: string | null;
  created_at: Date;
  updated_at: Date;
  resolved_at: Date | null;
  closed_at: Date | null;
  /** the files that came with the ticket (each message lists its own) */
  attachments: StoredAttachment[];
  clocks: TicketClocks;
}

const TICKET_COLUMNS = [
  't.number', 't.subject', 't.description', 't.state', 't.channel', 't.external_id',
  't.created_at', 't.updated_at', 't.resolved_at', 't.closed_at',
  'p.code as paragraph_code', 'p.name as paragraph_name', 'a.name as assignee_name',
];

/** An actor as visibleTickets needs it to build a shape: the role, and the id as the bound value. */
const scopeOf = (role: Actor['role'], id: number): Actor => ({ id, role, login: '', name: '', email: '' });

/** The ticket read, built by knex once per role (db/compiled.ts) and then only bound: every GET of a ticket runs it. */
const ticketRead = compiledRead((db, role: Actor['role'], actorId: number, contractId: number, number: number) =>
  joinTicketSlaSetup(scoped(db, { actor: scopeOf(role, actorId), contractId }))
    .leftJoin('users as a', 'a.id', 't.assignee_id')
    .where('t.number', number)
    .first(...TICKET_COLUMNS, attachmentsOf(db, 'f.ticket_number = t.number and f.message_id is null'), ...clockColumns(db)),
);

/** One ticket with both SLA clocks computed now, as the ticket page computes them (clocksOf). */
export async function apiTicket(pools: Reads | { db: Knex | Knex.Transaction }, scope: ApiScope, number: number): Promise<ApiTicketRow> {
  const [row] = (await ticketRead(pools.db, scope.actor.role, scope.actor.id, scope.contractId, number)) as unknown as (Omit<ApiTicketRow, 'clocks'> & ClockInputs)[];
  if (!row) throw new NotFoundError();
  const { sla_setup, state_changes, ...ticket } = row;
  return { ...ticket, number: Number(ticket.number), clocks: clocksOf({ created_at: row.created_at, sla_setup, state_changes }) };
}

/** The list's keyset: newest first by (created_at, number); the cursor carries created_at to the microsecond. */
export interface ListPosition {
  createdAt: string;
  number: number;
}

export interface ApiListFilter {
  limit: number;
  state?: StateCode;
  externalId?: string;
  updatedSince?: string;
  after?: ListPosition;
}

export type ApiTicketSummaryRow = Omit<ApiTicketRow, 'clocks' | 'description'> & { position: ListPosition };

/**
 * A page of the contract's tickets, newest first, after `after`; one row more than the limit tells
 * whether another page follows. A ticket created while the caller pages is newer than every
 * position already handed out, so pages never repeat or skip a ticket.
 */
export async function apiTicketPage(pools: Reads, scope: ApiScope, filter: ApiListFilter): Promise<{ rows: ApiTicketSummaryRow[]; more: boolean }> {
  const db = pools.db;
  const q = scoped(db, scope)
    .join('contract_paragraphs as p', 'p.id', 't.paragraph_id')
    .leftJoin('users as a', 'a.id', 't.assignee_id')
    .orderBy([{ column: 't.created_at', order: 'desc' }, { column: 't.number', order: 'desc' }])
    .limit(filter.limit + 1)
    .select(
      ...TICKET_COLUMNS.filter((c) => c !== 't.description'),
      db.raw(`to_char(t.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_key`),
    );
  if (filter.state) q.where('t.state', filter.state);
  if (filter.externalId !== undefined) q.where('t.external_id', filter.externalId);
  // a new message does not move tickets.updated_at, but a caller polling for changes wants it
  if (filter.updatedSince) {
    const since = filter.updatedSince;
    q.where((w) =>
      w.where('t.updated_at', '>=', since).orWhereExists(
        db('ticket_messages as m').select(db.raw('1')).whereRaw('m.ticket_number = t.number').where('m.internal', false).where('m.created_at', '>=', since),
      ),
    );
  }
  if (filter.after) q.whereRaw('(t.created_at, t.number) < (?::timestamptz, ?)', [filter.after.createdAt, filter.after.number]);
  const rows = (await q) as (Omit<ApiTicketSummaryRow, 'position'> & { created_key: string })[];
  return {
    more: rows.length > filter.limit,
    rows: rows.slice(0, filter.limit).map(({ created_key, ...r }) => ({ ...r, number: Number(r.number), position: { createdAt: created_key, number: Number(r.number) } })),
  };
}

export interface ApiMessageRow {
  body: string;
  source: string;
  created_at: Date;
  author_name: string | null;
  author_role: string | null;
  attachments: StoredAttachment[];
}

/** The attachments (f) that `where` picks, as the API lists them: a JSON array in id order. */
const attachmentsOf = (db: Knex | Knex.Transaction, where: string) =>
  db.raw(`(select coalesce(json_agg(json_build_object('id', f.id, 'name', f.name, 'content_type', f.content_type, 'size', f.size) order by f.id), '[]')
           from attachments f where ${where}) as attachments`);

/** A message (m, its author u) as ApiMessageRow: the list's and the one just added alike. */
const messageColumns = (db: Knex | Knex.Transaction) => [
  'm.body', 'm.source', 'm.created_at', 'u.name as author_name', 'u.role as author_role',
  attachmentsOf(db, 'f.ticket_number = m.ticket_number and f.message_id = m.id'),
];

/** The conversation the customer sees (no internal notes), oldest first, with each message's attachments. */
export async function apiTicketMessages(pools: Reads, scope: ApiScope, number: number): Promise<ApiMessageRow[]> {
  const db = pools.db;
  await assertApiTicket(db, scope, number);
  return db('ticket_messages as m')
    .leftJoin('users as u', 'u.id', 'm.author_id')
    .where({ 'm.ticket_number': number, 'm.internal': false })
    .orderBy('m.id', 'asc')
    .select(...messageColumns(db));
}

/** Throws NotFoundError unless the ticket is in the scope (a write's check before the use case's own). */
export async function assertApiTicket(db: Knex | Knex.Transaction, scope: ApiScope, number: number): Promise<void> {
  const row = await scoped(db as Knex, scope).where('t.number', number).first('t.number');
  if (!row) throw new NotFoundError();
}

/**
 * An attachment of a message the customer sees, on a ticket of the token's contract, with its
 * bytes; NotFoundError for anything else (another contract's, an internal note's, none), so the
 * answers cannot be told apart.
 */
export async function apiAttachment(pools: Reads, scope: ApiScope, number: number, id: number): Promise<{ name: string; content: Buffer }> {
  const db = pools.db;
  const row = (await scoped(db, scope)
    .join('attachments as f', 'f.ticket_number', 't.number')
    .leftJoin('ticket_messages as m', 'm.id', 'f.message_id')
    .where({ 't.number': number, 'f.id': id })
    .where((w) => w.whereNull('m.internal').orWhere('m.internal', false))
    .first('f.name', 'f.sha256', 'f.size')) as { name: string; sha256: string; size: string | number } | undefined;
  if (!row) throw new NotFoundError();
  return { name: row.name, content: await wholeContent(db, row.sha256, Number(row.size)) };
}

/** The contract's active paragraph with this code (the API names paragraphs by code). */
export async function paragraphByCode(db: Knex, contractId: number, code: string): Promise<{ id: number; code: string; name: string } | null> {
  const row = await db('contract_paragraphs').where({ contract_id: contractId, code, active: true }).first('id', 'code', 'name');
  return row ? { id: Number(row.id), code: row.code, name: row.name } : null;
}

/** The message as the API shows it after adding it (the same shape as the list's). */
export async function apiMessage(db: Knex | Knex.Transaction, messageId: number): Promise<ApiMessageRow> {
  return db('ticket_messages as m')
    .leftJoin('users as u', 'u.id', 'm.author_id')
    .where('m.id', messageId)
    .first(...messageColumns(db));
}
