import { z } from 'zod';
import { compiledRead, fixedStatement } from '../db/compiled.js';
import { cs } from '../i18n/cs.js';
import { type Actor, actorId, isStaff } from './actor.js';
import { checkFileLimits, type IncomingFile, storeAttachments, type StoredAttachment, withinUploadQuota } from './attachments.js';
import type { ServiceContext, Tx } from './context.js';
import { ValidationError } from './errors.js';
import { eventRow } from './history.js';
import { createdReceipts, type QueuedMail, queuedMails } from './notifications.js';
import { clocksOf, joinSlaSetup, SLA_SETUP_COLUMNS, type SlaSetupRow, storedSla, type TicketClocks } from './sla.js';
import { newTicketRows, servingStaff, type StaffRecipient } from './staff-notifications.js';
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
  /** as stored (cleaned) */
  description: string;
  /** the transaction's time, which the ticket's created_at took */
  createdAt: Date;
  /** both SLA clocks as of the creation (stored with the row) */
  clocks: TicketClocks;
  /** the files stored with it */
  attachments: StoredAttachment[];
  notifications: QueuedMail[];
}

/** The files that came with a ticket and its channel (default: the web form's, none). */
export interface TicketOrigin {
  files?: readonly IncomingFile[];
  channel?: Channel;
  /** who it came through, for the history (the API token's name: "přes API: <name>") */
  via?: string;
  /** the caller's own reference (the API's external_id) */
  externalId?: string | null;
}

function validate(ctx: ServiceContext, input: CreateTicketInput, files: readonly IncomingFile[], channel: Channel): ValidInput {
  const data = parseInput(channel === 'web' ? createTicketSchema : createWithoutPhoneSchema, input);
  checkFileLimits(files, ctx.limits);
  return data;
}

/**
 * Use case: a ticket is reported (web form, e-mail, hotline, API). One transaction: without files
 * the creation's writes are one statement (the ticket, its event and its mail in one CTE after
 * one read), atomic as it stands, so it runs without BEGIN and COMMIT, which were two of its
 * four round trips; with files, their chunks are written in the same transaction.
 */
export async function createTicket(
  ctx: ServiceContext,
  actor: Actor,
  input: CreateTicketInput,
  files: readonly IncomingFile[] = [],
  channel: Channel = 'web',
): Promise<CreatedTicket> {
  const data = validate(ctx, input, files, channel);
  const origin = { files, channel };
  return withinUploadQuota(ctx, actor, channel, files, () =>
    files.length === 0 ? writeTicket(ctx.db, ctx, actor, data, origin) : ctx.db.transaction((trx) => writeTicket(trx, ctx, actor, data, origin)),
  );
}

/**
 * The same use case in the caller's transaction (e-mail ingestion): it commits or rolls back
 * with it. The hourly upload quota is the caller's business (the web's createTicket counts it).
 */
export async function createTicketInTx(trx: Tx, ctx: ServiceContext, actor: Actor, input: CreateTicketInput, origin: TicketOrigin = {}): Promise<CreatedTicket> {
  const { files = [], channel = 'web' } = origin;
  return writeTicket(trx, ctx, actor, validate(ctx, input, files, channel), { ...origin, files, channel });
}

/**
 * The creation's one read: whether the actor may use the contract (visibility.ts's scope), the
 * paragraph (active, of the contract) with its SLA setup, the reporter's mail settings, the
 * staff serving the contract with theirs (staff-notifications.ts), the transaction's time, and
 * the new ticket's number, drawn only when both checks pass. Built by
 * knex once per shape (staff or customer) and then only bound (db/compiled.ts).
 */
const creationRead = compiledRead((db, shape: 'staff' | 'customer', actor: number, contract: number, paragraph: number) => {
  const scope: Actor = { id: actor, role: shape === 'staff' ? 'agent' : 'customer', login: '', name: '', email: '' };
  const usable = usableContracts(db, scope).where('c.id', contract).select(db.raw('1'));
  const setup = joinSlaSetup(db('contract_paragraphs as p'))
    .crossJoin(db.raw('users as u'))
    .where({ 'p.id': paragraph, 'p.contract_id': contract, 'p.active': true, 'u.id': actor })
    .select('p.id', ...SLA_SETUP_COLUMNS, 'u.email as reporter_email', 'u.notify_prefs', 'u.language', db.raw('now() as now'));
  const staff = servingStaff(db, contract).select(
    db.raw("coalesce(json_agg(json_build_object('id', su.id, 'email', su.email, 'notify_prefs', su.notify_prefs, 'language', su.language) order by su.id), '[]'::json)"),
  );
  const checked = db
    .select(db.raw('exists (?) as contract_ok', [usable]), db.raw('(?) as staff', [staff]), 'x.*')
    .from(db.raw('(select 1) as one'))
    .leftJoin(setup.as('x'), db.raw('true'));
  return db
    .select('s.*', db.raw("case when s.contract_ok and s.id is not null then nextval('ticket_number_seq') end as number"))
    .from(checked.as('s'));
});

/** What creationRead gives: the contract check, and the paragraph's row when it is one to use. */
interface CreationRow extends SlaSetupRow {
  contract_ok: boolean;
  id: number | null;
  reporter_email: string;
  notify_prefs: Record<string, boolean>;
  language: string | null;
  staff: StaffRecipient[];
  now: Date;
  number: number | null;
}

const EVENT_COLUMNS = ['ticket_number', 'actor_id', 'kind', 'from_state', 'to_state', 'data', 'internal'] as const;
/** Columns each outbox row has its own value of (the customers' receipts and the staff's notices differ), and those all share. */
const MAIL_PER_ROW = ['message_id', 'to_address', 'subject', 'text_body', 'html_body', 'purpose'] as const;
const MAIL_SHARED = ['in_reply_to'] as const;

/**
 * The creation's one write: the ticket (with its stored SLA), its history event and its
 * receipts and staff notifications in the outbox, numbered and returned in the order of the lists. Its SQL is made once
 * per list of the ticket's columns (the number first), so a column added to the stored SLA is
 * written without a change here.
 */
function creationWrite(ticketColumns: readonly string[]) {
  const key = ticketColumns.join(',');
  let write = creationWrites.get(key);
  if (!write) {
    const params = (from: number, count: number) => Array.from({ length: count }, (_, i) => `$${from + i}`).join(', ');
    const names = (columns: readonly string[]) => columns.map((c) => `"${c}"`).join(', ');
    const t = ticketColumns.length;
    const e = t + EVENT_COLUMNS.length;
    const sql = `with ticket as (
      insert into "tickets" (${names(ticketColumns)}) values (${params(1, t)})
    ), event as (
      insert into "ticket_events" (${names(EVENT_COLUMNS)}) values (${params(t + 1, EVENT_COLUMNS.length)})
    )
    insert into "outbound_mail" ("ticket_number", ${names(MAIL_PER_ROW)}, ${names(MAIL_SHARED)}, "references")
    select $1, ${MAIL_PER_ROW.map((c) => `r."${c}"`).join(', ')}, ${MAIL_SHARED.map((_, i) => `$${e + MAIL_PER_ROW.length + 1 + i}::text`).join(', ')}, $${e + MAIL_PER_ROW.length + 1 + MAIL_SHARED.length}::text[]
    from unnest(${MAIL_PER_ROW.map((_, i) => `$${e + 1 + i}::text[]`).join(', ')}) with ordinality as r(${names(MAIL_PER_ROW)}, i)
    order by r.i
    returning "id"`;
    creationWrites.set(key, (write = fixedStatement(sql, 'insert')));
  }
  return write;
}
const creationWrites = new Map<string, ReturnType<typeof fixedStatement>>();

async function writeTicket(
  trx: Tx | ServiceContext['db'],
  ctx: ServiceContext,
  actor: Actor,
  data: ValidInput,
  { files, channel, via, externalId }: Required<Pick<TicketOrigin, 'files' | 'channel'>> & TicketOrigin,
): Promise<CreatedTicket> {
  const reporter = actorId(actor);
  // (the system, id 0, is no user: no row of users, so no paragraph for it)
  const [read] = (await creationRead(trx, isStaff(actor) ? 'staff' : 'customer', actor.id, data.contract_id, data.paragraph_id)) as unknown as CreationRow[];
  if (!read?.contract_ok) throw new ValidationError({ contract_id: cs.errors.choice });
  if (read.id === null || read.number === null) throw new ValidationError({ paragraph_id: cs.errors.choice });

  const number = Number(read.number);
  // a new ticket's clocks: no state change yet, measured from the transaction's time
  const clocks = clocksOf({ created_at: read.now, sla_setup: read, state_changes: [] }, read.now);
  const ticket = {
    number,
    contract_id: data.contract_id,
    paragraph_id: data.paragraph_id,
    reporter_id: reporter,
    contact_phone: data.contact_phone ?? null,
    contact_email: data.contact_email ?? actor.email,
    subject: data.subject,
    description: data.description,
    requested_resolution_date: data.requested_resolution_date ?? null,
    state: 'new',
    channel,
    // only when given, so the other channels' statement stays as it was (one compiled write per column list)
    ...(externalId ? { external_id: externalId } : {}),
    // the read's time: the SLA is stored with the row, as of then (the same as the transaction's now() when there is one)
    created_at: read.now,
    updated_at: read.now,
    ...storedSla(clocks, read.now),
  };
  const event = eventRow({ ticket: number, actor, kind: 'created', to: 'new', data: via ? { channel, via } : { channel } });
  const receipts = [
    ...createdReceipts(ctx, {
      number,
      subject: ticket.subject,
      contact_email: ticket.contact_email,
      channel,
      reporter_email: read.reporter_email,
      notify_prefs: read.notify_prefs,
      language: read.language,
    }),
    // the staff serving the contract, in the same statement (the creator is not told)
    ...newTicketRows(ctx, { number, subject: ticket.subject, channel, reporter: actor.name }, read.staff ?? [], actor.id),
  ];
  const mail = receipts[0];
  const columns = Object.keys(ticket);
  const ids = await creationWrite(columns)(trx, [
    ...Object.values(ticket),
    ...EVENT_COLUMNS.map((c) => event[c]),
    ...MAIL_PER_ROW.map((c) => receipts.map((r) => r[c])),
    ...MAIL_SHARED.map((c) => mail?.[c] ?? null),
    mail?.references ?? null,
  ]);
  // (with files, createTicket gave a transaction)
  const attachments = files.length > 0 ? await storeAttachments(trx as Tx, number, null, files, actor) : [];
  return {
    number,
    subject: ticket.subject,
    description: ticket.description,
    createdAt: read.now,
    clocks,
    attachments,
    notifications: queuedMails(receipts, ids.map((r) => Number(r.id))),
  };
}
