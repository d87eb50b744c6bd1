import { randomUUID } from 'node:crypto';
import type { StateCode } from '../domain/states.js';
import { cs } from '../i18n/cs.js';
import { catalogue } from '../i18n/index.js';
import type { ServiceContext, Tx } from './context.js';

/** Kinds of notification a user can switch off in their settings (default: all on). */
export const NOTIFICATION_KINDS = ['created', 'state_changed', 'staff_message', 'complaint_decided'] as const;
/**
 * Kinds only staff (agents, admins) get and see in their settings (issue 12): sent by
 * staff-notifications.ts, each with the outbox purpose `staff_<kind>`.
 */
export const STAFF_NOTIFICATION_KINDS = ['new_ticket', 'customer_message', 'complaint', 'assigned', 'sla_warning', 'sla_breached'] as const;
export type StaffNotificationKind = (typeof STAFF_NOTIFICATION_KINDS)[number];
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number] | StaffNotificationKind;

/** The kinds a user with this role chooses from: everyone's, and staff's for agents and admins. */
export function notificationKindsOf(role: string): readonly NotificationKind[] {
  return role === 'customer' ? NOTIFICATION_KINDS : [...NOTIFICATION_KINDS, ...STAFF_NOTIFICATION_KINDS];
}

/** Outbox purposes of staff notifications: they are not part of the customer's mail thread. */
export const STAFF_PURPOSE_PREFIX = 'staff_';

/** A notification a use case wrote to the outbox: it says what it queued. */
export interface QueuedMail {
  /** the outbox row (outbound_mail.id) */
  id: number;
  to: string;
  subject: string;
  text: string;
}

/** What a notification about a ticket needs: the ticket and its reporter's address and choices. */
export interface TicketForMail {
  number: number;
  subject: string;
  contact_email: string | null;
  channel: string;
  reporter_email: string;
  notify_prefs: Record<string, boolean>;
  /** the reporter's language (users.language; null: Czech): every recipient's mail is in it */
  language?: string | null;
}

async function ticketForMail(trx: Tx, number: number): Promise<TicketForMail> {
  const row = await trx('tickets as t')
    .join('users as u', 'u.id', 't.reporter_id')
    .where('t.number', number)
    .first('t.number', 't.subject', 't.contact_email', 't.channel', 'u.email as reporter_email', 'u.notify_prefs', 'u.language');
  return { ...row, number: Number(row.number) } as TicketForMail;
}

/** The reporter and the ticket's contact e-mail, once each, unless the reporter switched the kind off. */
function recipients(t: TicketForMail, kind: NotificationKind, always = false): string[] {
  if (!always && t.notify_prefs?.[kind] === false) return [];
  const all = [t.contact_email, t.reporter_email].filter((a): a is string => !!a).map((a) => a.toLowerCase());
  return [...new Set(all)];
}

export function newMessageId(ticket: number | null, domain: string): string {
  // randomUUID draws from a buffered pool: randomBytes per id was a twentieth of a creation's CPU (eleven ids)
  return `<hd-notif.${ticket ?? 0}.${Date.now().toString(36)}.${randomUUID().slice(24)}@${domain}>`;
}

/** Message-IDs of the ticket's mail so far, oldest first: our notifications and the mail we received. */
async function threadOf(trx: Tx, ticket: number): Promise<string[]> {
  const rows = await trx
    .select('message_id', 'at')
    .from(
      trx('outbound_mail').where({ ticket_number: ticket }).whereNot('purpose', 'like', `${STAFF_PURPOSE_PREFIX}%`).select('message_id', 'created_at as at')
        .unionAll(trx('inbound_mail').where({ ticket_number: ticket }).whereNotNull('message_id').select(trx.raw("'<' || message_id || '>'"), 'received_at as at'))
        .as('m'),
    )
    .orderBy('at');
  return rows.map((r) => r.message_id as string);
}

const esc = (v: string) => v.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** A notification's text and HTML: its lines, the ticket's link and the footer (staff mail brings its own, in its recipient's catalogue). */
export function render(ctx: ServiceContext, ticket: number, lines: string[], texts: { link: string; footer: string; lang: string } = { link: cs.mail.link, footer: cs.mail.footer, lang: 'cs' }) {
  const link = `${ctx.mail.publicUrl}/tickets/${ticket}`;
  const text = [...lines, '', `${texts.link}: ${link}`, '', texts.footer].join('\n');
  const html = `<!doctype html><html lang="${esc(texts.lang)}"><body style="font-family:sans-serif">${lines.map((l) => `<p>${esc(l).replace(/\n/g, '<br>')}</p>`).join('')}<p><a href="${esc(link)}">${esc(texts.link)}</a></p><p style="color:#666">${esc(texts.footer)}</p></body></html>`;
  return { text, html };
}

/** An outbox row (outbound_mail) as a notification is written. */
export interface OutboxRow {
  ticket_number: number;
  message_id: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  purpose: string;
  in_reply_to: string | null;
  references: string[];
}

/** One notification per recipient, threaded on `previous` (the ticket's mail so far), not yet written. */
function outboxRows(ctx: ServiceContext, t: TicketForMail, to: string[], purpose: string, subject: string, lines: string[], previous: string[]): OutboxRow[] {
  if (to.length === 0) return [];
  const m = catalogue(t.language);
  const { text, html } = render(ctx, t.number, lines, { link: m.mail.link, footer: m.mail.footer, lang: t.language === 'en' ? 'en' : 'cs' });
  return to.map((address) => ({
    ticket_number: t.number,
    message_id: newMessageId(t.number, ctx.mail.messageIdDomain),
    to_address: address,
    subject: `[${t.number}] - ${subject}`,
    text_body: text,
    html_body: html,
    purpose,
    in_reply_to: previous.at(-1) ?? null,
    references: previous.slice(-10),
  }));
}

/** What a use case says it queued: the written rows with their ids (outbound_mail.id, in the rows' order). */
export function queuedMails(rows: readonly OutboxRow[], ids: readonly number[]): QueuedMail[] {
  return rows.map((r, i) => ({ id: Number(ids[i]), to: r.to_address, subject: r.subject, text: r.text_body }));
}

/**
 * Writes one notification per recipient into the outbox, in the caller's transaction, threaded
 * on the ticket's mail so far.
 */
async function enqueue(
  ctx: ServiceContext,
  trx: Tx,
  t: TicketForMail,
  to: string[],
  purpose: string,
  subject: string,
  lines: string[],
): Promise<QueuedMail[]> {
  if (to.length === 0) return [];
  const rows = outboxRows(ctx, t, to, purpose, subject, lines, await threadOf(trx, t.number));
  // one statement; PostgreSQL numbers and returns the rows in the order of the list
  const ids = (await trx('outbound_mail').insert(rows).returning('id')) as { id: number }[];
  return queuedMails(rows, ids.map((r) => r.id));
}

/**
 * Ticket created: the receipt with its number. For e-mail it is the contractual confirmation
 * (manual §3.2), always sent. A new ticket has no mail to thread on yet. The rows are not
 * written here: the creation writes them in the statement that writes the ticket.
 */
export function createdReceipts(ctx: ServiceContext, t: TicketForMail): OutboxRow[] {
  const m = catalogue(t.language);
  return outboxRows(ctx, t, recipients(t, 'created', t.channel === 'email'), 'created', m.mail.createdSubject(t.subject), m.mail.createdBody(t.number, t.subject), []);
}

export async function notifyStateChange(
  ctx: ServiceContext,
  trx: Tx,
  number: number,
  from: StateCode,
  to: StateCode,
  data: Record<string, unknown>,
): Promise<QueuedMail[]> {
  const t = await ticketForMail(trx, number);
  const m = catalogue(t.language);
  if (from === 'complained' && data.upheld !== undefined) {
    const upheld = data.upheld === true;
    return enqueue(ctx, trx, t, recipients(t, 'complaint_decided'), 'complaint_decided', m.mail.complaintSubject(t.subject, upheld),
      m.mail.complaintBody(upheld, m.states[to], (data.reason as string | undefined) ?? (data.note as string | undefined) ?? null));
  }
  const detail = (data.cooperation ?? data.resolution ?? data.reason ?? null) as string | null;
  return enqueue(ctx, trx, t, recipients(t, 'state_changed'), 'state_changed', m.mail.stateSubject(t.subject, m.states[to]),
    m.mail.stateBody(m.states[from], m.states[to], to, detail));
}

export async function notifyStaffMessage(ctx: ServiceContext, trx: Tx, number: number, author: string, body: string): Promise<QueuedMail[]> {
  const t = await ticketForMail(trx, number);
  const m = catalogue(t.language);
  return enqueue(ctx, trx, t, recipients(t, 'staff_message'), 'staff_message', m.mail.messageSubject(t.subject), m.mail.messageBody(author, body));
}

/** A mail about no ticket (an invitation, a password link, a refusal): one outbox row, in the caller's transaction. */
export async function queueMail(
  ctx: ServiceContext,
  trx: Tx,
  mail: { to: string; subject: string; text: string; html?: string | null; purpose: string; sealed?: string | null },
): Promise<QueuedMail> {
  const [row] = await trx('outbound_mail')
    .insert({
      ticket_number: null,
      message_id: newMessageId(null, ctx.mail.messageIdDomain),
      to_address: mail.to,
      subject: mail.subject,
      text_body: mail.text,
      html_body: mail.html ?? null,
      purpose: mail.purpose,
      // a secret the mail carries, encrypted (services/sealed-mail.ts)
      sealed: mail.sealed ?? null,
    })
    .returning('id');
  return { id: Number(row.id), to: mail.to, subject: mail.subject, text: mail.text };
}

/** One explanatory mail to an authorised sender whose message was too large to take (EMAIL.md §4.1.5). */
export async function notifyTooLarge(ctx: ServiceContext, trx: Tx, to: string, subject: string, maxBytes: number, lang: string | null = null): Promise<QueuedMail> {
  // in the sender's language (users.language, null: Czech)
  const m = catalogue(lang);
  return queueMail(ctx, trx, { to, subject: m.mail.tooLargeSubject(subject), text: m.mail.tooLargeBody(Math.round(maxBytes / 1024 / 1024)).join('\n'), purpose: 'too_large' });
}
