import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import {
  autoReplyReason,
  bounceInfo,
  cleanTitle,
  dedupeKey,
  dmarcVerdict,
  isOwnMessage,
  MailParseError,
  parseMail,
  type ParsedMail,
  stripQuotedText,
  ticketCandidates,
} from '../../domain/mail/index.js';
import { customerMayComment, type StateCode } from '../../domain/states.js';
import { type Actor, SYSTEM } from '../actor.js';
import { fileFromBuffer, type InMemoryFile } from '../attachments.js';
import type { InboundSettings, ServiceContext, Tx } from '../context.js';
import { addMessageInTx } from '../conversation.js';
import { createTicketInTx, SUBJECT_MAX, TEXT_MAX } from '../create-ticket.js';
import { normalisePhone } from '../../domain/phone.js';
import { recordEvent } from '../history.js';
import { notifyTooLarge, type QueuedMail } from '../notifications.js';
import { visibleTickets } from '../visibility.js';
import type { IngestResult, MailOutcome, MailSource } from './types.js';

interface Sender {
  actor: Actor;
  phone: string | null;
  contractId: number;
  contractNumber: string;
  /** the contract and its company are active: new tickets are taken (follow-ups always) */
  contractActive: boolean;
}

interface Handled extends IngestResult {
  matchedBy?: string;
  messageRef?: number;
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/**
 * The active user an address is authorised for, with its one contract (manual §3.2) and whether
 * that contract takes new tickets (it and its company are active).
 */
async function authorisedSender(trx: Tx, address: string): Promise<Sender | null> {
  const row = await trx('authorized_addresses as a')
    .join('users as u', 'u.id', 'a.user_id')
    .join('contracts as c', 'c.id', 'a.contract_id')
    .join('companies as co', 'co.id', 'c.company_id')
    .where({ 'a.address': address.toLowerCase(), 'u.active': true })
    .first('u.id', 'u.login', 'u.name', 'u.email', 'u.role', 'u.language', 'u.phone', 'c.id as contract_id', 'c.number as contract_number', trx.raw('c.active and co.active as contract_active'));
  if (!row) return null;
  return {
    actor: { id: row.id, login: row.login, name: row.name, email: row.email, role: row.role, language: row.language },
    phone: row.phone,
    contractId: row.contract_id,
    contractNumber: row.contract_number,
    contractActive: row.contract_active,
  };
}

/** Tickets a Message-ID belongs to: our notifications, mail we received, comments made from mail. */
async function ticketOfMessageId(trx: Tx, id: string): Promise<number | null> {
  const bare = id.replace(/^<|>$/g, '');
  const row =
    (await trx('outbound_mail').where('message_id', `<${bare}>`).whereNotNull('ticket_number').first('ticket_number')) ??
    (await trx('inbound_mail').where('message_id', bare).whereNotNull('ticket_number').first('ticket_number')) ??
    // comments made from mail (bare) and imported mail (in angle brackets)
    (await trx('ticket_messages').whereIn('email_message_id', [bare, `<${bare}>`]).first('ticket_number'));
  return row ? Number(row.ticket_number) : null;
}

/**
 * The ticket a mail follows up (EMAIL.md §4.3): the first candidate — subject tags, then
 * In-Reply-To, then References right to left — that exists on the sender's contract and is
 * visible to them. Anything else is ignored silently (never reveals another ticket).
 */
async function followedTicket(trx: Tx, m: ParsedMail, sender: Sender, settings: InboundSettings) {
  const candidates: { number: number; by: string }[] = ticketCandidates(m.subject, settings.ticketIdDigits).map((n: number) => ({ number: n, by: 'subject_tag' }));
  const headerIds = [...(m.inReplyTo ? [{ id: m.inReplyTo, by: 'in_reply_to' }] : []), ...[...m.references].reverse().map((id) => ({ id, by: 'references' }))];
  for (const h of headerIds) {
    const n = await ticketOfMessageId(trx, h.id);
    if (n !== null) candidates.push({ number: n, by: h.by });
  }
  for (const c of candidates) {
    const row = await visibleTickets(trx, sender.actor)
      .join('contract_paragraphs as p', 'p.id', 't.paragraph_id')
      .where('t.number', c.number)
      .where('t.contract_id', sender.contractId)
      .first('t.number', 't.state', 't.subject', 'p.code as paragraph');
    if (row) {
      return { number: Number(row.number), state: row.state as StateCode, subject: row.subject as string, paragraph: row.paragraph as string, by: c.by };
    }
  }
  return null;
}

async function emailParagraph(trx: Tx, contractId: number): Promise<{ id: number; code: string } | null> {
  return (
    (await trx('contract_paragraphs').where({ contract_id: contractId, is_email_default: true, active: true }).first('id', 'code')) ??
    (await trx('contract_paragraphs').where({ contract_id: contractId, active: true }).orderBy('code').first('id', 'code')) ??
    null
  );
}

/** Files within the limits; the rest are skipped and listed (the ticket is still created). */
function withinLimits(ctx: ServiceContext, m: ParsedMail) {
  const files: InMemoryFile[] = [];
  const skipped = [...m.skipped];
  for (const a of m.attachments) {
    if (a.data.length > ctx.limits.maxBytes) skipped.push({ name: a.name, reason: 'too_large' });
    else if (files.length >= ctx.limits.maxFiles) skipped.push({ name: a.name, reason: 'too_many_files' });
    else files.push(fileFromBuffer(a.name, a.type, a.data, { inline: a.inline, contentId: a.contentId }));
  }
  return { files, skipped };
}

/** What the ingestion did, from what the use case wrote (mailgate prints it). */
function describeResult(
  outcome: MailOutcome,
  ticket: { number: number; subject: string; paragraph: string },
  text: string,
  sender: Sender,
  files: InMemoryFile[],
  notifications: QueuedMail[],
): Handled {
  return {
    outcome,
    ticket: ticket.number,
    title: ticket.subject,
    text,
    reporter: sender.actor.email,
    contract: sender.contractNumber,
    paragraph: ticket.paragraph,
    attachments: files.map((f) => ({ name: f.name, type: f.type, size: f.size, sha256: sha256(f.source), inline: f.inline ?? false })),
    notifications: notifications.map(({ to, subject, text: body }) => ({ to, subject, text: body })),
  };
}

/** Classifies one parsed message and acts on it inside the transaction (EMAIL.md §4.2). */
async function handle(ctx: ServiceContext, trx: Tx, m: ParsedMail): Promise<Handled> {
  const settings = ctx.inbound;
  const mail = ctx.mail;
  if (isOwnMessage(m, { helpdeskAddress: mail.helpdeskAddress, messageIdDomain: mail.messageIdDomain })) {
    return { outcome: 'ignore_auto_reply', reason: 'own_message' };
  }
  const bounce = bounceInfo(m);
  if (bounce) {
    if (bounce.originalMessageId) {
      const original = await trx('outbound_mail')
        .where('message_id', `<${bounce.originalMessageId.replace(/^<|>$/g, '')}>`)
        .update({ status: 'delivery_failed' })
        .returning(['ticket_number', 'to_address']);
      for (const o of original) {
        if (o.ticket_number) {
          await recordEvent(trx, { ticket: Number(o.ticket_number), actor: SYSTEM, kind: 'delivery_failed', data: { to: o.to_address }, internal: true });
        }
      }
    }
    return { outcome: 'ignore_bounce', reason: 'delivery_status' };
  }
  const auto = autoReplyReason(m);
  if (auto) return { outcome: 'ignore_auto_reply', reason: auto };
  if (m.from.count !== 1 || !m.from.address) return { outcome: 'reject_unauthorized', reason: 'sender' };
  const sender = await authorisedSender(trx, m.from.address);
  if (!sender) return { outcome: 'reject_unauthorized', reason: 'not_authorized' };
  if (dmarcVerdict(m, settings.trustedAuthservId, settings.requireDmarcPass) === 'fail') return { outcome: 'reject_unauthorized', reason: 'spoofed' };
  const recent = await trx('inbound_mail')
    .where('from_address', m.from.address)
    .whereIn('outcome', ['create_ticket', 'comment_on_ticket'])
    .where('received_at', '>', trx.raw("now() - interval '1 hour'"))
    .count<{ n: number }[]>('* as n')
    .first();
  if (Number(recent?.n ?? 0) >= settings.senderHourlyLimit) return { outcome: 'quarantine', reason: 'rate_limit' };

  // the use cases run in this transaction: the message commits with its audit row, or nothing does
  const { files, skipped } = withinLimits(ctx, m);
  const followed = await followedTicket(trx, m, sender, settings);
  if (followed && customerMayComment(followed.state)) {
    // new text only; a reply that is all quote keeps its full text, never an empty comment
    const body = fitText(stripQuotedText(m.text).trim() || m.text.trim() || (files.length ? '' : '(bez textu)'));
    const added = await addMessageInTx(trx, ctx, sender.actor, followed.number, { body }, { files, source: 'email', emailMessageId: m.messageId });
    await noteSkipped(trx, followed.number, sender.actor, skipped);
    return {
      ...describeResult('comment_on_ticket', followed, body, sender, files, added.notifications),
      matchedBy: followed.by,
      messageRef: added.messageId,
    };
  }

  // a deactivated contract takes no new tickets (its tickets still take replies, above); no reply, as for other refusals
  if (!sender.contractActive) return { outcome: 'reject_unauthorized', reason: 'contract_inactive' };
  const paragraph = await emailParagraph(trx, sender.contractId);
  if (!paragraph) return { outcome: 'quarantine', reason: 'no_paragraph' };
  const description = fitText(m.text.trim() || '(bez textu)');
  // a profile phone imported in a shape we cannot read is left out rather than failing the mail
  const phone = sender.phone ? normalisePhone(sender.phone) : null;
  const created = await createTicketInTx(
    trx,
    ctx,
    sender.actor,
    { contract_id: sender.contractId, paragraph_id: paragraph.id, contact_email: m.from.address, contact_phone: phone ?? undefined, subject: cleanTitle(m.subject).slice(0, SUBJECT_MAX), description },
    { files, channel: 'email' },
  );
  if (followed) await recordEvent(trx, { ticket: created.number, actor: sender.actor, kind: 'linked', data: { follows: followed.number } });
  await noteSkipped(trx, created.number, sender.actor, skipped);
  return {
    ...describeResult('create_ticket', { ...created, paragraph: paragraph.code }, description, sender, files, created.notifications),
    matchedBy: followed ? followed.by : 'none',
  };
}

/** A mail longer than we store is cut, never refused (the raw message stays in the audit). */
function fitText(text: string): string {
  const suffix = '\n[…zkráceno]';
  return text.length <= TEXT_MAX ? text : text.slice(0, TEXT_MAX - suffix.length) + suffix;
}

/** Nothing is created; an authorised sender is told once why (a forged one gets nothing). */
async function tooLargeMessage(ctx: ServiceContext, trx: Tx, m: ParsedMail | null, size: number): Promise<Handled> {
  const settings = ctx.inbound;
  const handled: Handled = { outcome: 'too_large', reason: `size ${size} > ${settings.maxMessageBytes}` };
  const sender = m?.from.address ? await authorisedSender(trx, m.from.address) : null;
  if (!m || !sender) return handled;
  const { id: _id, ...mail } = await notifyTooLarge(ctx, trx, m.from.address!, m.subject, settings.maxMessageBytes, sender.actor.language);
  return { ...handled, notifications: [mail] };
}

async function noteSkipped(trx: Tx, ticket: number, actor: Actor, skipped: { name: string; reason: string }[]) {
  for (const s of skipped) await recordEvent(trx, { ticket, actor, kind: 'attachment_skipped', data: { name: s.name, reason: s.reason } });
}

function auditFields(m: ParsedMail | null, source: MailSource) {
  return {
    mailbox: source.mailbox,
    uidvalidity: source.uidvalidity ?? null,
    uid: source.uid ?? null,
    internal_date: source.internalDate ?? null,
    size: source.size ?? null,
    message_id: m?.messageId ?? null,
    date_header: m?.date ?? null,
    from_raw: m?.from.raw ?? null,
    from_address: m?.from.address ?? null,
    to_addresses: m ? [...m.to, ...m.cc].join(', ') : null,
    subject: m?.subject ?? null,
    in_reply_to: m?.inReplyTo ?? null,
    references: m?.references ?? null,
    auth_results: JSON.stringify(m?.authResults ?? []),
  };
}

async function advanceMailbox(trx: Tx, source: MailSource) {
  if (!source.mailbox || source.uid === undefined || source.uid === null) return;
  await trx.raw(
    `insert into mailbox_state (mailbox, uidvalidity, last_uid, updated_at) values (?, ?, ?, now())
     on conflict (mailbox) do update set last_uid = greatest(mailbox_state.last_uid, excluded.last_uid), uidvalidity = coalesce(excluded.uidvalidity, mailbox_state.uidvalidity), updated_at = now()`,
    [source.mailbox, source.uidvalidity ?? null, source.uid],
  );
}

interface AuditRow {
  id: number;
  outcome: string;
  ticket_number: number | null;
  attempts: number;
}

/** The audit row of a dedupe key, locked for the rest of the transaction (one ingestion of a message at a time). */
async function lockAuditRow(trx: Tx, key: string): Promise<AuditRow | undefined> {
  return trx('inbound_mail').where({ dedupe_key: key }).forUpdate().first('id', 'outcome', 'ticket_number', 'attempts');
}

/** Writes the message's audit row: the row of an earlier attempt is updated, else one is inserted. */
async function saveAuditRow(trx: Tx, existing: AuditRow | undefined, row: Record<string, unknown>): Promise<void> {
  if (existing) await trx('inbound_mail').where({ id: existing.id }).update(row);
  else await trx('inbound_mail').insert(row);
}

/** Keeps the raw message, once per content; returns its sha256. */
async function keepRaw(trx: Tx, raw: Buffer): Promise<string> {
  const rawSha = sha256(raw);
  await trx('raw_mails').insert({ sha256: rawSha, size: raw.length, data: raw }).onConflict('sha256').ignore();
  return rawSha;
}

/** The dedupe key of a raw message, also for mail that cannot be parsed. */
async function keyOf(raw: Buffer): Promise<{ parsed: ParsedMail | null; key: string; parseError: string | null }> {
  try {
    const parsed = await parseMail(raw);
    return { parsed, key: dedupeKey(parsed), parseError: null };
  } catch (e) {
    if (!(e instanceof MailParseError)) throw e;
    return { parsed: null, key: `raw:${sha256(raw)}`, parseError: (e as Error).message };
  }
}

/**
 * Ingests one message in ONE transaction (EMAIL.md §4.1): audit row (deduplicated), the ticket
 * or comment with its history and outbox mail, and the mailbox's last UID. Throws when the
 * message could not be handled; nothing is written then (see recordMailFailure).
 */
export async function ingestMail(ctx: ServiceContext, raw: Buffer, source: MailSource, opts: { release?: boolean } = {}): Promise<IngestResult> {
  const settings = ctx.inbound;
  const tooLarge = (source.size ?? raw.length) > settings.maxMessageBytes;
  const { parsed, key, parseError } = await keyOf(raw);
  return ctx.db.transaction(async (trx) => {
    const existing = await lockAuditRow(trx, key);
    const retrying = existing && (existing.outcome === 'failed' || (opts.release && existing.outcome === 'quarantine'));
    if (existing && !retrying) {
      await advanceMailbox(trx, source);
      // the reason names what the first copy became, so the poller files this one alike
      return { outcome: 'duplicate', reason: existing.outcome, ...(existing.ticket_number ? { ticket: Number(existing.ticket_number) } : {}) };
    }
    const rawSha = tooLarge ? null : await keepRaw(trx, raw);
    let handled: Handled;
    if (tooLarge) handled = await tooLargeMessage(ctx, trx, parsed, source.size ?? raw.length);
    else if (!parsed) handled = { outcome: 'quarantine', reason: `unparseable: ${parseError}` };
    else handled = await handle(ctx, trx, parsed);

    const row = {
      ...auditFields(parsed, source),
      dedupe_key: key,
      raw_sha256: rawSha,
      outcome: handled.outcome,
      reason: handled.reason ?? null,
      matched_by: handled.matchedBy ?? null,
      ticket_number: handled.ticket ?? null,
      ticket_message_id: handled.messageRef ?? null,
      review: handled.outcome === 'quarantine' ? 'pending' : opts.release ? 'released' : null,
      processed_at: trx.fn.now(),
      last_error: null,
    };
    await saveAuditRow(trx, existing, existing ? { ...row, attempts: Number(existing.attempts) + 1 } : row);
    await advanceMailbox(trx, source);
    const { matchedBy: _m, messageRef: _r, ...result } = handled;
    return result;
  });
}

/**
 * Records a message whose ingestion threw (in its own transaction): attempts count up; after
 * the configured number it is quarantined for staff, never dropped.
 */
export async function recordMailFailure(ctx: ServiceContext, raw: Buffer, source: MailSource, error: unknown): Promise<{ attempts: number; quarantined: boolean }> {
  const settings = ctx.inbound;
  const { parsed, key } = await keyOf(raw).catch(() => ({ parsed: null, key: `raw:${sha256(raw)}` }));
  const message = String((error as Error)?.message ?? error).slice(0, 2000);
  return ctx.db.transaction(async (trx: Knex.Transaction) => {
    const rawSha = await keepRaw(trx, raw);
    const existing = await lockAuditRow(trx, key);
    if (existing && existing.outcome !== 'failed') return { attempts: Number(existing.attempts), quarantined: existing.outcome === 'quarantine' };
    const attempts = (existing ? Number(existing.attempts) : 0) + 1;
    const quarantined = attempts >= settings.maxAttempts;
    const row = {
      ...auditFields(parsed, source),
      dedupe_key: key,
      raw_sha256: rawSha,
      outcome: quarantined ? 'quarantine' : 'failed',
      reason: quarantined ? 'failed_repeatedly' : 'failed',
      review: quarantined ? 'pending' : null,
      last_error: message,
      attempts,
    };
    await saveAuditRow(trx, existing, row);
    if (quarantined) await advanceMailbox(trx, source);
    return { attempts, quarantined };
  });
}
