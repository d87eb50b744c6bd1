import { z } from 'zod';
import { cs } from '../i18n/cs.js';
import { type Actor, actorId } from './actor.js';
import { checkFileLimits, type IncomingFile, storeAttachments, withinUploadQuota } from './attachments.js';
import type { ServiceContext, Tx } from './context.js';
import { ValidationError } from './errors.js';
import { recordEvent } from './history.js';
import { notifyCreated, type QueuedMail } from './notifications.js';
import { joinSlaSetup, SLA_SETUP_COLUMNS, type SlaSetupRow, storedSlaOfNewTicket } from './sla.js';
import { futureDate, id, optionalEmail, parseInput, phone, requiredText } from './validate.js';
import { usableContracts } from './visibility.js';

export type Channel = 'web' | 'email' | 'hotline' | 'api';

/** Longest subject (EMAIL.md §4.4 cuts mail subjects to this) and longest text we store. */
export const SUBJECT_MAX = 255;
export const TEXT_MAX = 50_000;

export const createTicketSchema = z.object({
  contract_id: id,
  paragraph_id: id,
  contact_phone: phone,
  contact_email: optionalEmail,
  subject: requiredText(SUBJECT_MAX),
  description: requiredText(TEXT_MAX),
  requested_resolution_date: futureDate,
});

// e-mail and hotline tickets take the phone from the user's profile when there is one
const createWithoutPhoneSchema = createTicketSchema.extend({ contact_phone: phone.optional() });

/** The web form requires the phone; other channels may leave it out. */
export type CreateTicketInput = z.input<typeof createWithoutPhoneSchema>;
type ValidInput = z.output<typeof createWithoutPhoneSchema>;

/** What the creation wrote: the ticket's number, its subject as stored, and the notifications queued. */
export interface CreatedTicket {
  number: number;
  subject: string;
  notifications: QueuedMail[];
}

/** The files that came with a ticket and its channel (default: the web form's, none). */
export interface TicketOrigin {
  files?: readonly IncomingFile[];
  channel?: Channel;
}

function validate(ctx: ServiceContext, input: CreateTicketInput, files: readonly IncomingFile[], channel: Channel): ValidInput {
  const data = parseInput(channel === 'web' ? createTicketSchema : createWithoutPhoneSchema, input);
  checkFileLimits(files, ctx.limits);
  return data;
}

/** Use case: a ticket is reported (web form, e-mail, hotline, API). One transaction. */
export async function createTicket(
  ctx: ServiceContext,
  actor: Actor,
  input: CreateTicketInput,
  files: readonly IncomingFile[] = [],
  channel: Channel = 'web',
): Promise<CreatedTicket> {
  const data = validate(ctx, input, files, channel);
  return withinUploadQuota(ctx, actor, channel, files, () => ctx.db.transaction((trx) => writeTicket(trx, ctx, actor, data, files, channel)));
}

/**
 * The same use case in the caller's transaction (e-mail ingestion): it commits or rolls back
 * with it. The hourly upload quota is the caller's business (the web's createTicket counts it).
 */
export async function createTicketInTx(trx: Tx, ctx: ServiceContext, actor: Actor, input: CreateTicketInput, origin: TicketOrigin = {}): Promise<CreatedTicket> {
  const { files = [], channel = 'web' } = origin;
  return writeTicket(trx, ctx, actor, validate(ctx, input, files, channel), files, channel);
}

/** The paragraph (active, of the contract) with its SLA setup, the reporter's mail settings, and the transaction's time. */
interface ParagraphForTicket extends SlaSetupRow {
  id: number;
  reporter_email: string;
  notify_prefs: Record<string, boolean>;
  now: Date;
}

async function writeTicket(trx: Tx, ctx: ServiceContext, actor: Actor, data: ValidInput, files: readonly IncomingFile[], channel: Channel): Promise<CreatedTicket> {
  const contract = await usableContracts(trx, actor).where('c.id', data.contract_id).first('c.id');
  if (!contract) throw new ValidationError({ contract_id: cs.errors.choice });
  // one read gives all the ticket's SLA, notification and history need besides what it writes
  const paragraph = (await joinSlaSetup(trx('contract_paragraphs as p'))
    .crossJoin(trx.raw('users as u'))
    .where({ 'p.id': data.paragraph_id, 'p.contract_id': data.contract_id, 'p.active': true, 'u.id': actorId(actor) })
    .first('p.id', ...SLA_SETUP_COLUMNS, 'u.email as reporter_email', 'u.notify_prefs', trx.raw('now() as now'))) as ParagraphForTicket | undefined;
  if (!paragraph) throw new ValidationError({ paragraph_id: cs.errors.choice });

  const ticket = {
    contract_id: data.contract_id,
    paragraph_id: data.paragraph_id,
    reporter_id: actorId(actor),
    contact_phone: data.contact_phone ?? null,
    contact_email: data.contact_email ?? actor.email,
    subject: data.subject,
    description: data.description,
    requested_resolution_date: data.requested_resolution_date ?? null,
    state: 'new',
    channel,
  };
  // created_at is the transaction's time (now()): the SLA is stored with the row, as of then
  const [row] = await trx('tickets')
    .insert({ ...ticket, ...storedSlaOfNewTicket(paragraph, paragraph.now) })
    .returning('number');
  const number = Number(row.number);
  await recordEvent(trx, { ticket: number, actor, kind: 'created', to: 'new', data: { channel } });
  await storeAttachments(trx, number, null, files, actor);
  const notifications = await notifyCreated(ctx, trx, {
    number,
    subject: ticket.subject,
    contact_email: ticket.contact_email,
    channel,
    reporter_email: paragraph.reporter_email,
    notify_prefs: paragraph.notify_prefs,
  });
  return { number, subject: ticket.subject, notifications };
}
