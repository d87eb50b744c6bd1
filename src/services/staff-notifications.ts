/**
 * Notifications to staff (issue 12, part 2): a new ticket on a contract they serve, a customer's
 * message or complaint on a ticket assigned to them, the assignment itself, and an SLA clock
 * about to breach or breached. Each is an outbox row (outbound_mail, purpose `staff_<kind>`)
 * written in the transaction of the change, like the customers' notifications; each kind can
 * be switched off in the user's settings (users.notify_prefs, an absent key is on).
 *
 * Who serves a contract: every active agent and admin, unless an admin narrowed theirs
 * (staff_contracts: with rows, only those contracts). Staff mail carries the ticket's number
 * but is not threaded into the customer's conversation (notifications.ts threadOf skips it).
 *
 * Language: every text comes from `staffTexts(recipient)`, the catalogue of the recipient's
 * language (users.language; not chosen: Czech). Rows are rendered per recipient.
 */
import type { Knex } from 'knex';
import { DEFAULT_TIMEZONE } from '../domain/sla/index.js';
import { FINAL_STATES } from '../domain/states.js';
import { catalogue } from '../i18n/index.js';
import type { ServiceContext, Tx } from './context.js';
import { newMessageId, type OutboxRow, type QueuedMail, queuedMails, render, STAFF_PURPOSE_PREFIX, type StaffNotificationKind } from './notifications.js';

/** A staff member to notify: their address and their choices. */
export interface StaffRecipient {
  id: number;
  email: string;
  notify_prefs: Record<string, boolean> | null;
  /** users.language: 'cs', 'en', or null (Czech) */
  language?: string | null;
}

/** The texts of a recipient's mail, in their language. */
export function staffTexts(recipient: StaffRecipient) {
  const lang = recipient.language === 'en' ? 'en' : 'cs';
  const t = catalogue(lang);
  return { lang, link: t.mail.link, staff: t.mail.staff, channels: t.channels as Record<string, string> };
}

export const wants = (r: StaffRecipient, kind: StaffNotificationKind) => r.notify_prefs?.[kind] !== false;

/**
 * The active staff serving `contract` (a bound value or a column, e.g. t.contract_id): agents
 * and admins with no staff_contracts row, or with a row for it. Users as `su`.
 */
export function servingStaff(db: Knex | Tx, contract: number | Knex.Raw): Knex.QueryBuilder {
  return db('users as su')
    .whereIn('su.role', ['agent', 'admin'])
    .where('su.active', true)
    .where((q) =>
      q
        .whereNotExists(db('staff_contracts as sc0').whereRaw('sc0.user_id = su.id').select(db.raw('1')))
        .orWhereExists(db('staff_contracts as sc1').whereRaw('sc1.user_id = su.id').where('sc1.contract_id', contract).select(db.raw('1'))),
    );
}

/**
 * One staff notification per recipient who has the kind on, not yet written. `build` gives the
 * subject and lines in the recipient's catalogue.
 */
export function staffRows(
  ctx: ServiceContext,
  ticket: number,
  recipients: readonly StaffRecipient[],
  kind: StaffNotificationKind,
  build: (texts: ReturnType<typeof staffTexts>) => { subject: string; lines: readonly string[] },
): OutboxRow[] {
  // the mail differs only by language: rendered once per language, not per recipient
  const rendered = new Map<string, { subject: string; text: string; html: string }>();
  const mailIn = (r: StaffRecipient) => {
    const texts = staffTexts(r);
    let mail = rendered.get(texts.lang);
    if (!mail) {
      const { subject, lines } = build(texts);
      mail = { subject, ...render(ctx, ticket, [...lines], { link: texts.link, footer: texts.staff.footer, lang: texts.lang }) };
      rendered.set(texts.lang, mail);
    }
    return mail;
  };
  return recipients
    .filter((r) => wants(r, kind))
    .map((r) => {
      const { subject, text, html } = mailIn(r);
      return {
        ticket_number: ticket,
        message_id: newMessageId(ticket, ctx.mail.messageIdDomain),
        to_address: r.email,
        subject: `[${ticket}] - ${subject}`,
        text_body: text,
        html_body: html,
        purpose: `${STAFF_PURPOSE_PREFIX}${kind}`,
        in_reply_to: null,
        references: [],
      };
    });
}

async function write(trx: Tx, rows: OutboxRow[]): Promise<QueuedMail[]> {
  if (rows.length === 0) return [];
  const ids = (await trx('outbound_mail').insert(rows).returning('id')) as { id: number }[];
  return queuedMails(rows, ids.map((r) => r.id));
}

/** The ticket's subject and its assignee when that is an active staff member. */
async function ticketAndAssignee(trx: Tx, number: number): Promise<{ subject: string; assignee: StaffRecipient | null }> {
  const row = await trx('tickets as t')
    .leftJoin('users as u', (j) => j.on('u.id', 't.assignee_id').andOnVal('u.active', true).andOnIn('u.role', ['agent', 'admin']))
    .where('t.number', number)
    .first('t.subject', 'u.id', 'u.email', 'u.notify_prefs', 'u.language');
  if (!row) return { subject: '', assignee: null };
  return { subject: row.subject, assignee: row.id === null ? null : { id: row.id, email: row.email, notify_prefs: row.notify_prefs, language: row.language } };
}

/** A customer wrote into the conversation: the assignee is told (not when they wrote it themselves). */
export async function notifyAssigneeOfCustomerMessage(ctx: ServiceContext, trx: Tx, number: number, authorId: number, author: string, body: string): Promise<QueuedMail[]> {
  const { subject, assignee } = await ticketAndAssignee(trx, number);
  if (!assignee || assignee.id === authorId) return [];
  return write(trx, staffRows(ctx, number, [assignee], 'customer_message', ({ staff }) => ({ subject: staff.customerMessageSubject(subject), lines: staff.customerMessageBody(author, body) })));
}

/** The customer complained about the resolution: the assignee is told. */
export async function notifyAssigneeOfComplaint(ctx: ServiceContext, trx: Tx, number: number, author: string, reason: string): Promise<QueuedMail[]> {
  const { subject, assignee } = await ticketAndAssignee(trx, number);
  if (!assignee) return [];
  return write(trx, staffRows(ctx, number, [assignee], 'complaint', ({ staff }) => ({ subject: staff.complaintSubject(subject), lines: staff.complaintBody(author, reason) })));
}

/** The ticket was assigned to someone (escalation, reassignment): they are told, unless they assigned themselves. */
export async function notifyAssigned(ctx: ServiceContext, trx: Tx, number: number, by: { id: number; name: string }): Promise<QueuedMail[]> {
  const { subject, assignee } = await ticketAndAssignee(trx, number);
  if (!assignee || assignee.id === by.id) return [];
  return write(trx, staffRows(ctx, number, [assignee], 'assigned', ({ staff }) => ({ subject: staff.assignedSubject(subject), lines: staff.assignedBody(by.name) })));
}

/** The creation's staff notifications: to those serving the contract (the creation read lists them), but the creator. */
export function newTicketRows(
  ctx: ServiceContext,
  t: { number: number; subject: string; channel: string; reporter: string },
  staff: readonly StaffRecipient[],
  creatorId: number,
): OutboxRow[] {
  return staffRows(ctx, t.number, staff.filter((s) => s.id !== creatorId), 'new_ticket', ({ staff: x, channels }) => ({
    subject: x.newTicketSubject(t.subject),
    lines: x.newTicketBody(t.number, t.subject, t.reporter, channels[t.channel] ?? t.channel),
  }));
}

const dueFormat = new Intl.DateTimeFormat('cs-CZ', { timeZone: DEFAULT_TIMEZONE, day: 'numeric', month: 'numeric', year: 'numeric', hour: '2-digit', minute: '2-digit' });
function formatDue(d: Date): string {
  const p = Object.fromEntries(dueFormat.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.day}.${p.month}.${p.year} ${p.hour}:${p.minute}`;
}

/** A breach older than this is not announced any more (a backlog after the feature's start or a long outage). */
const BREACH_MAX_AGE = '1 day';

export interface SlaAlertRun {
  /** (ticket, clock, kind, due) alerts newly recorded */
  alerts: number;
  /** mails queued for them */
  mails: number;
}

/**
 * The SLA alerts job's unit: for every open ticket whose stored due (reaction_due_at,
 * resolution_due_at; null while the clock does not run) is within `leadMinutes` from now, a
 * warning, and for one already past (by at most a day), a breach notice; to the assignee, or
 * to the staff serving the contract when nobody is assigned (or the assignee is inactive).
 *
 * Once each: the alert (ticket, clock, kind, due instant) is inserted into staff_alerts with ON
 * CONFLICT DO NOTHING, and mail is queued only for the rows this run inserted, in the same
 * transaction. A second run, a restart or another process running at the same moment inserts
 * nothing for the same alert (a concurrent insert of the same key waits for the first and then
 * conflicts). A due moved later (a pause, a reclassification, a calendar change) is another
 * instant, so it may be warned about again. A clock first seen already past its due gets only
 * the breach notice. At most `limit` alerts per run; the rest come on the next run.
 */
export async function queueSlaAlerts(ctx: ServiceContext, opts: { leadMinutes: number; limit?: number }): Promise<SlaAlertRun> {
  const limit = opts.limit ?? 500;
  return ctx.db.transaction(async (trx) => {
    const finals = FINAL_STATES.map(() => '?').join(', ');
    const { rows: alerts } = (await trx.raw(
      `with due as (
         select t.number, c.clock, c.due_at, case when c.due_at <= now() then 'sla_breached' else 'sla_warning' end as kind
         from tickets t
         cross join lateral (values ('reaction', t.reaction_due_at), ('resolution', t.resolution_due_at)) as c(clock, due_at)
         where t.state not in (${finals})
           -- the stored dues' index (tickets_sla_due): only tickets with a due before the window's end
           and (t.reaction_due_at is not null or t.resolution_due_at is not null)
           and least(t.reaction_due_at, t.resolution_due_at) <= now() + make_interval(mins => ?)
           and c.due_at is not null
           and c.due_at <= now() + make_interval(mins => ?)
           and c.due_at > now() - interval '${BREACH_MAX_AGE}'
       )
       insert into staff_alerts (ticket_number, clock, kind, due_at)
       select number, clock, kind, due_at from due
       where not exists (select 1 from staff_alerts a where a.ticket_number = due.number and a.clock = due.clock and a.kind = due.kind and a.due_at = due.due_at)
       order by due_at
       limit ?
       on conflict do nothing
       returning ticket_number, clock, kind, due_at`,
      [...FINAL_STATES, opts.leadMinutes, opts.leadMinutes, limit],
    )) as { rows: { ticket_number: string; clock: string; kind: 'sla_warning' | 'sla_breached'; due_at: Date }[] };
    if (alerts.length === 0) return { alerts: 0, mails: 0 };

    const numbers = [...new Set(alerts.map((a) => Number(a.ticket_number)))];
    // the assignee when an active staff member, else the active staff serving the contract
    const { rows: recipients } = (await trx.raw(
      `select t.number, t.subject, su.id, su.email, su.notify_prefs, su.language
       from tickets t
       left join users a on a.id = t.assignee_id and a.active and a.role in ('agent', 'admin')
       join users su on su.active and su.role in ('agent', 'admin') and (
         su.id = a.id
         or (a.id is null and (
           not exists (select 1 from staff_contracts sc0 where sc0.user_id = su.id)
           or exists (select 1 from staff_contracts sc1 where sc1.user_id = su.id and sc1.contract_id = t.contract_id))))
       where t.number = any(?::bigint[])
       order by t.number, su.id`,
      [numbers],
    )) as { rows: (StaffRecipient & { number: string; subject: string })[] };

    const rows = alerts.flatMap((alert) => {
      const number = Number(alert.ticket_number);
      const to = recipients.filter((r) => Number(r.number) === number);
      const subject = to[0]?.subject ?? '';
      const due = formatDue(new Date(alert.due_at));
      return staffRows(ctx, number, to, alert.kind, ({ staff }) => {
        const clock = staff.clocks[alert.clock] ?? alert.clock;
        return alert.kind === 'sla_warning'
          ? { subject: staff.slaWarningSubject(subject, clock), lines: staff.slaWarningBody(clock, due) }
          : { subject: staff.slaBreachedSubject(subject, clock), lines: staff.slaBreachedBody(clock, due) };
      });
    });
    await write(trx, rows);
    return { alerts: alerts.length, mails: rows.length };
  });
}
