import type { Reads } from '../reads/pools.js';
import type { Knex } from 'knex';
import { type Actor, isStaff } from '../actor.js';
import type { ServiceContext } from '../context.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors.js';
import { ingestMail } from './ingest.js';
import { type IngestResult, MAIL_OUTCOMES } from './types.js';

/** The outcomes the audit log shows: the ingestion's, and `failed` for an attempt that broke. */
export const LOGGED_OUTCOMES = [...MAIL_OUTCOMES, 'failed'] as const;

export interface InboundRow {
  id: number;
  received_at: Date;
  from_address: string | null;
  subject: string | null;
  message_id: string | null;
  outcome: string;
  reason: string | null;
  ticket_number: number | null;
  review: string | null;
  attempts: number;
  last_error: string | null;
}

/** The mail audit log for staff, newest first (every fetched message has a row). */
export async function listInboundMail({ db }: Pick<Reads, 'db'>, actor: Actor, filter: { outcome?: string; pendingOnly?: boolean }, limit = 200): Promise<InboundRow[]> {
  if (!isStaff(actor)) throw new ForbiddenError();
  const q = db('inbound_mail').orderBy('id', 'desc').limit(limit)
    .select('id', 'received_at', 'from_address', 'subject', 'message_id', 'outcome', 'reason', 'ticket_number', 'review', 'attempts', 'last_error');
  if (filter.outcome) q.where('outcome', filter.outcome);
  if (filter.pendingOnly) q.where('review', 'pending');
  return q;
}

export async function rawMail({ db }: Pick<Reads, 'db'>, actor: Actor, id: number): Promise<Buffer> {
  if (!isStaff(actor)) throw new ForbiddenError();
  const row = await db('inbound_mail as i').join('raw_mails as r', 'r.sha256', 'i.raw_sha256').where('i.id', id).first('r.data');
  if (!row) throw new NotFoundError('mail');
  return row.data as Buffer;
}

/** Staff release a quarantined message: it is ingested again as if it had just arrived. */
export async function releaseMail(ctx: ServiceContext, actor: Actor, id: number): Promise<IngestResult> {
  if (!isStaff(actor)) throw new ForbiddenError();
  const row = await ctx.db('inbound_mail').where({ id }).first('outcome', 'review');
  if (!row) throw new NotFoundError('mail');
  if (row.outcome !== 'quarantine' || row.review !== 'pending') throw new ConflictError('Zprávu lze uvolnit jen z karantény.');
  return ingestMail(ctx, await rawMail(ctx, actor, id), { mailbox: null }, { release: true });
}

/** Staff discard a quarantined message: it stays in the audit log, marked discarded. */
export async function discardMail(ctx: ServiceContext, actor: Actor, id: number): Promise<void> {
  if (!isStaff(actor)) throw new ForbiddenError();
  const n = await ctx.db('inbound_mail').where({ id, outcome: 'quarantine', review: 'pending' }).update({ review: 'discarded' });
  if (n > 0) return;
  // a message that does not exist is not found, like one asked for by a path that is not a number
  if (!(await ctx.db('inbound_mail').where({ id }).first('id'))) throw new NotFoundError('mail');
  throw new ConflictError('Zprávu lze zahodit jen z karantény.');
}
