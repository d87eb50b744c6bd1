/**
 * Writes a checked import document: upserts by the natural keys, counting only rows that were
 * inserted or actually changed, so that importing the same document again changes nothing.
 */
import { billableByDefault, type Kind } from '../../domain/report/index.js';
import { DEFAULT_TIMEZONE } from '../../domain/sla/index.js';
import { isFinal, type StateCode } from '../../domain/states.js';
import { ensureTicketNumberStart } from '../../db/migrate.js';
import type { Tx } from '../context.js';
import type { EventKind } from '../history.js';
import { saveCalendar } from '../admin/calendars.js';
import { saveCompany } from '../admin/companies.js';
import { saveContract, saveParagraph } from '../admin/contracts.js';
import { codeHash } from '../../domain/hotline-code.js';
import { storeCodeInTx } from '../hotline/codes.js';
import { type AuditWho, jsonb, type Lookup, lookup, type Row, same, save, type SaveOptions, upsert } from '../admin/records.js';
import { refreshAffectedTickets } from '../admin/sla-impact.js';
import { writeAuthorizedAddressInTx, writeMembershipInTx, writeUserInTx } from '../admin/users.js';
import {
  type CalendarInput,
  type CompanyInput,
  type EventInput,
  type ContractInput,
  type ImportDocument,
  loginKey,
  type MessageInput,
  type TicketInput,
  type UserInput,
} from './schema.js';

/** Inserted or changed entities; a contract counts its paragraphs, a user its contracts and address, a ticket its history. */
export interface Summary {
  companies: number;
  contracts: number;
  users: number;
  tickets: number;
  messages: number;
}

/** The history event every imported ticket starts with ("importováno" in the UI). */
export const IMPORTED_EVENT = 'imported';

interface UserRef {
  id: number;
  email: string;
}

export interface WriteOptions {
  /** roll back afterwards: leave the ticket number sequence alone */
  dryRun?: boolean;
  /** who the audit log names for the administered rows (default: the command-line import) */
  who?: AuditWho;
  /** the hotline code key the users' codes are hashed with (needed when the document brings codes) */
  codeKey?: string | null;
}

/** Ids of what the document names, and what changed that bears on the stored SLA of tickets. */
interface Writer {
  trx: Tx;
  calendars: Lookup<number>;
  companies: Lookup<number>;
  contracts: Lookup<number>;
  /** by login key */
  users: Lookup<UserRef>;
  changedCalendars: Set<number>;
  changedContracts: Set<number>;
  changedParagraphs: Set<number>;
  /** who the audit log names */
  who: AuditWho;
  /** the audit option of an administered row's write */
  audited: (type: string) => Pick<SaveOptions, 'audit'>;
  codeKey: string | null;
}

function writer(trx: Tx, who: AuditWho, codeKey: string | null): Writer {
  const idOf = (table: string, column: string) => async (key: string) => ((await trx(table).where({ [column]: key }).first('id')) as { id: number }).id;
  return {
    trx,
    calendars: lookup(idOf('service_calendars', 'name')),
    companies: lookup(idOf('companies', 'name')),
    contracts: lookup(idOf('contracts', 'number')),
    users: lookup(async (key) => (await trx('users').where({ login_key: key }).first('id', 'email')) as UserRef),
    changedCalendars: new Set(),
    changedContracts: new Set(),
    changedParagraphs: new Set(),
    who,
    audited: (type) => ({ audit: { who, type } }),
    codeKey,
  };
}

const userKey = (login: string) => loginKey(login) ?? login;

export async function writeDocument(trx: Tx, doc: ImportDocument, opts: WriteOptions = {}): Promise<Summary> {
  const w = writer(trx, opts.who ?? { actorId: null, source: 'import' }, opts.codeKey ?? null);
  const zones = await writeCalendars(w, doc.calendars);
  const companies = await countWritten(doc.companies, (c) => writeCompany(w, c));
  const contracts = await countWritten(doc.contracts, (c) => writeContract(w, c, zones));
  const users = await countWritten(doc.users, (u) => writeUser(w, u));
  const tickets = await writeTickets(w, doc.tickets);
  await refreshStoredSlas(w, tickets.refresh);
  // new tickets are numbered above the highest one, imported or not
  if (tickets.inserted && !opts.dryRun) await ensureTicketNumberStart(trx, 1);
  return { companies, contracts, users, tickets: tickets.written, messages: tickets.messages };
}

/** How many of `items` `write` inserted or changed, one after another. */
async function countWritten<T>(items: readonly T[], write: (item: T) => Promise<boolean>): Promise<number> {
  let count = 0;
  for (const item of items) if (await write(item)) count += 1;
  return count;
}

/**
 * Calendars through the admin's write (services/admin/calendars.ts saveCalendar; not in the
 * summary; an edit marks the calendar for the SLA recomputation); returns each one's zone.
 */
async function writeCalendars(w: Writer, calendars: CalendarInput[]): Promise<Map<string, string>> {
  const zones = new Map<string, string>();
  for (const { name, config } of calendars) {
    const saved = await saveCalendar(w.trx, w.who, { name }, name, config);
    if (saved.changed && !saved.inserted) w.changedCalendars.add(saved.id);
    w.calendars.set(name, saved.id);
    zones.set(name, config.timezone);
  }
  return zones;
}

/** A company: the admin form's write (admin/companies.ts), keyed by its name. */
async function writeCompany(w: Writer, c: CompanyInput): Promise<boolean> {
  const saved = await saveCompany(w.trx, w.who, { name: c.name }, { name: c.name, ...(c.address === undefined ? {} : { address: c.address }) });
  w.companies.set(c.name, saved.id);
  return saved.changed;
}

/**
 * A contract and its paragraphs, by the admin forms' writes (admin/contracts.ts), keyed by the
 * contract's number and each paragraph's code; true when any of them was inserted or changed.
 */
async function writeContract(w: Writer, c: ContractInput, zones: Map<string, string>): Promise<boolean> {
  const company_id = await w.companies.get(c.company);
  const calendar_id = await w.calendars.get(c.calendar);
  const hotlineCalendar = c.hotline_calendar ? await w.calendars.get(c.hotline_calendar) : null;
  const saved = await saveContract(w.trx, w.who, { number: c.number }, (existing) => ({
    company_id,
    number: c.number,
    name: c.name,
    // the clocks run in the contract's zone: the calendar's when the document gives it
    timezone: zones.get(c.calendar) ?? (existing?.timezone as string | undefined) ?? DEFAULT_TIMEZONE,
    calendar_id,
    // absent: kept as stored; given: the hotline's calendar, null meaning the contract's own
    ...(c.hotline === undefined ? {} : { hotline: c.hotline }),
    ...(c.hotline === undefined && c.hotline_calendar === undefined ? {} : { hotline_calendar_id: hotlineCalendar }),
  }));
  if (saved.slaChanged) w.changedContracts.add(saved.id);
  w.contracts.set(c.number, saved.id);
  let touched = saved.changed;
  for (const p of c.paragraphs) {
    // the e-mail default (at most one in a contract) is taken from the contract's other paragraph, audited
    const paragraph = await saveParagraph(w.trx, w.who, { contractId: saved.id, code: p.code }, {
      code: p.code,
      name: p.name,
      kind: p.kind,
      sla: p.sla,
      email_default: p.email_default,
      ...(p.hotline_default === undefined ? {} : { hotline_default: p.hotline_default }),
      active: true,
    });
    if (paragraph.slaChanged) w.changedParagraphs.add(paragraph.id);
    touched ||= paragraph.changed;
  }
  return touched;
}

/** A user, their contracts and authorised address (the admin's writes, services/admin/users.ts); true when any of them was inserted or changed. */
async function writeUser(w: Writer, u: UserInput): Promise<boolean> {
  const key = userKey(u.login);
  const saved = await writeUserInTx(w.trx, w.who, { loginKey: key }, { login: u.login, name: u.name, email: u.email, role: u.role, phone: u.phone }, u.password === undefined ? {} : { password: u.password });
  w.users.set(key, { id: saved.id, email: u.email });
  let touched = saved.changed;
  for (const c of u.contracts) {
    const membership = await writeMembershipInTx(w.trx, w.who, saved.id, await w.contracts.get(c.number), c.see_all);
    touched ||= membership.changed;
  }
  if (u.authorized_email) {
    const authorised = await writeAuthorizedAddressInTx(w.trx, w.who, saved.id, u.authorized_email.address, await w.contracts.get(u.authorized_email.number));
    touched ||= authorised.changed;
  }
  for (const c of u.hotline_codes) {
    // the code staff would issue, but the one the user knows from the old system (services/hotline/codes.ts)
    if (w.codeKey === null) throw new Error('the hotline code key is needed to import hotline codes');
    const code = await storeCodeInTx(w.trx, w.who, { userId: saved.id, contractId: await w.contracts.get(c.number) }, codeHash(w.codeKey, c.code), 'import');
    touched ||= code.changed;
  }
  return touched;
}

/** Tickets with their history and messages; which tickets' stored SLA is to be recomputed. */
async function writeTickets(w: Writer, tickets: TicketInput[]) {
  const result = { written: 0, messages: 0, inserted: false, refresh: new Set<number>() };
  for (const t of tickets) {
    const { saved, desired, reporter, paragraphId } = await writeTicket(w, t);
    if (saved.changed) {
      result.written += 1;
      result.refresh.add(t.number);
    } else if (!isFinal(t.state) && (w.changedParagraphs.has(paragraphId) || w.changedContracts.has(desired.contract_id))) {
      // a closed or cancelled ticket keeps the verdicts of its closing (its month's report)
      result.refresh.add(t.number);
    }
    result.inserted ||= saved.inserted;
    // past state changes and effort (REPORT.md §4): new ones count the ticket as written
    const history = await writeHistory(w, t);
    const efforts = await writeEfforts(w, t, paragraphId);
    if ((history || efforts) && !saved.changed) result.written += 1;
    if (history) result.refresh.add(t.number);
    result.messages += await writeMessages(w, t, { reporter, contact_email: desired.contact_email });
  }
  return result;
}

async function writeTicket(w: Writer, t: TicketInput) {
  const { trx } = w;
  const contract_id = await w.contracts.get(t.contract);
  const paragraph = (await trx('contract_paragraphs').where({ contract_id, code: t.paragraph }).first('id')) as { id: number };
  const reporter = await w.users.get(userKey(t.reporter));
  const assignee_id = t.assignee === null ? null : (await w.users.get(userKey(t.assignee))).id;
  const desired = {
    contract_id,
    paragraph_id: paragraph.id,
    reporter_id: reporter.id,
    contact_phone: t.contact_phone ?? null,
    contact_email: t.contact_email ?? reporter.email,
    subject: t.subject,
    description: t.description,
    channel: t.channel,
    state: t.state,
    assignee_id,
    created_at: t.created_at,
  };
  const withHistory = t.events.length > 0;
  // a history gives the instants and the resolution the old system had; else the import's time stands in
  const desiredWithHistory = withHistory ? { ...desired, ...historyStamps(t.events), resolution: resolutionOf(t.events, t.state) } : desired;
  const saved = await upsert(trx, 'tickets', { number: t.number }, desiredWithHistory, {
    onInsert: () => (withHistory ? {} : stateStamps(trx, t.state)),
    onUpdate: (diff, existing) => ({ updated_at: trx.fn.now(), ...(diff.state === undefined || withHistory ? {} : stateStamps(trx, t.state, existing)) }),
  });
  if (saved.inserted) {
    // the history starts here: one event carrying the state the old system had; with the past
    // state changes given, a marker only (no transition: the events carry the states)
    await importedEvent(trx, t.number, t.created_at, null, withHistory ? null : t.state, { channel: t.channel, imported_at: new Date().toISOString(), ...(withHistory ? { state: t.state } : {}) });
  } else if (saved.diff.state !== undefined && !withHistory) {
    // a re-import that moves the state appends to the history, so replaying it still gives the state
    const at = trx.raw('greatest(now(), ?, (select max(at) from ticket_events where ticket_number = ?))', [t.created_at, t.number]);
    await importedEvent(trx, t.number, at, saved.existing!.state as StateCode, t.state, { channel: t.channel, reimport: true });
  }
  return { saved, desired, reporter, paragraphId: paragraph.id };
}

async function importedEvent(trx: Tx, ticket: number, at: unknown, from: StateCode | null, to: StateCode | null, data: Row): Promise<void> {
  await trx('ticket_events').insert({ ticket_number: ticket, at, actor_id: null, kind: IMPORTED_EVENT, from_state: from, to_state: to, data: jsonb(data), internal: false });
}

/** Open tickets whose targets or calendar changed get their stored due recomputed now, with those written (admin/sla-impact.ts). */
async function refreshStoredSlas(w: Writer, refresh: Set<number>): Promise<void> {
  await refreshAffectedTickets(w.trx, { paragraphs: w.changedParagraphs, contracts: w.changedContracts, calendars: w.changedCalendars }, refresh);
}

/**
 * The instants a state implies, as the transitions set them. The old system's instants are not
 * in the document: the import's own time stands in (so auto-close counts from the migration).
 */
function stateStamps(trx: Tx, state: StateCode, existing?: Row): Row {
  const resolved = state === 'resolved' || state === 'complained' || state === 'closed';
  const closed = isFinal(state);
  return {
    resolved_at: resolved ? (existing?.resolved_at ?? trx.fn.now()) : null,
    closed_at: closed ? (existing?.closed_at ?? trx.fn.now()) : null,
  };
}

/** The stamps of a ticket's state from its past state changes: the last resolution and its final step. */
function historyStamps(events: EventInput[]): Row {
  const last = events[events.length - 1]!;
  const resolvedAt = [...events].reverse().find((e) => e.to === 'resolved')?.at ?? null;
  const keepsResolution = last.to === 'resolved' || last.to === 'complained' || last.to === 'closed';
  return { resolved_at: keepsResolution ? resolvedAt : null, closed_at: isFinal(last.to) ? last.at : null };
}

/** Each past state change with the state it left (the ticket starts in `new`). */
function steps(events: EventInput[]): { e: EventInput; from: StateCode }[] {
  let state: StateCode = 'new';
  return events.map((e) => {
    const from = state;
    state = e.to;
    return { e, from };
  });
}

/** The resolution text: the reason of the last resolving step, while the ticket keeps it. */
function resolutionOf(events: EventInput[], state: StateCode): string | null {
  if (state !== 'resolved' && state !== 'complained' && state !== 'closed') return null;
  const resolving = steps(events).reverse().find(({ e, from }) => e.to === 'resolved' && from !== 'complained');
  return resolving?.e.reason ?? null;
}

/** Where a step's text goes in its event's data, as the native transition stores it. */
const textKey = (from: StateCode, to: StateCode) => (to === 'resolved' && from !== 'complained' ? 'resolution' : to === 'paused' ? 'cooperation' : 'reason');

/** The history event kinds a native transition writes (services/transitions.ts), by the step. */
function eventKind(from: StateCode, to: StateCode): EventKind {
  if (to === 'complained') return 'complaint';
  if (from === 'complained') return 'complaint_decision';
  return 'state_changed';
}

/**
 * A ticket's past state changes (REPORT.md §4) as history events at their instants. A step
 * already stored (same instant and target state) is not written again, so a re-import changes
 * nothing; later steps are appended. Returns whether any event was written.
 */
async function writeHistory(w: Writer, t: TicketInput): Promise<boolean> {
  if (t.events.length === 0) return false;
  const { trx } = w;
  const stored = (await trx('ticket_events')
    .where({ ticket_number: t.number })
    .whereNotNull('to_state')
    .whereNot('kind', IMPORTED_EVENT)
    .select('at', 'to_state')) as { at: Date; to_state: StateCode }[];
  const known = new Set(stored.map((e) => `${e.at.getTime()} ${e.to_state}`));
  let written = false;
  for (const { e, from } of steps(t.events)) {
    if (known.has(`${e.at.getTime()} ${e.to}`)) continue;
    const by = e.by === null ? null : (await w.users.get(userKey(e.by))).id;
    const assignee = e.assignee === null ? null : await w.users.get(userKey(e.assignee));
    const data: Row = { imported: true };
    if (e.reason !== null && e.reason !== undefined) data[textKey(from, e.to)] = e.reason;
    if (from === 'complained') data.upheld = e.to !== 'resolved';
    if (assignee) Object.assign(data, { assignee_id: assignee.id, assignee: e.assignee });
    await trx('ticket_events').insert({ ticket_number: t.number, at: e.at, actor_id: by, kind: eventKind(from, e.to), from_state: from, to_state: e.to, data: jsonb(data), internal: false });
    written = true;
  }
  return written;
}

/**
 * A ticket's past effort (REPORT.md §4): an entry equal to a stored one (date, minutes, who,
 * note, flag) is not written again; `billable` left out takes the paragraph kind's default.
 * Returns whether any entry was written.
 */
async function writeEfforts(w: Writer, t: TicketInput, paragraphId: number): Promise<boolean> {
  if (t.efforts.length === 0) return false;
  const { trx } = w;
  const kind = ((await trx('contract_paragraphs').where({ id: paragraphId }).first('kind')) as { kind: Kind }).kind;
  const stored = (await trx('efforts').where({ ticket_number: t.number }).select('id', 'work_date', 'minutes', 'user_id', 'note', 'billable')) as Row[];
  const used = new Set<unknown>();
  let written = false;
  for (const e of t.efforts) {
    const user_id = (await w.users.get(userKey(e.by))).id;
    const entry = { work_date: e.date, minutes: e.minutes, user_id, note: e.note ?? null, billable: e.billable ?? billableByDefault(kind) };
    const same = stored.find((r) => !used.has(r.id) && Object.entries(entry).every(([k, v]) => r[k] === v));
    if (same) {
      used.add(same.id);
      continue;
    }
    await trx('efforts').insert({ ticket_number: t.number, ...entry });
    written = true;
  }
  return written;
}

interface TicketContext {
  reporter: UserRef;
  contact_email: string;
}

/**
 * A ticket's messages: mail the old system sent (out, with a Message-ID) goes to outbound_mail
 * as already sent, so replies thread onto the ticket; comments and internal notes go to the
 * conversation. Returns how many messages were inserted or changed.
 */
async function writeMessages(w: Writer, t: TicketInput, ticket: TicketContext): Promise<number> {
  const { trx } = w;
  let count = 0;
  // conversation rows without a Message-ID are matched by (instant, internal, author), in order
  const unkeyed = (await trx('ticket_messages')
    .where({ ticket_number: t.number })
    .whereNull('email_message_id')
    .orderBy('id')
    .select('*')) as Row[];
  const used = new Set<number>();

  for (const m of t.messages) {
    let touched = false;
    if (m.direction === 'out' && m.message_id !== null && m.kind !== 'internal') {
      touched = (await writeOutbound(trx, t, m, m.message_id, ticket)) || touched;
    }
    if (m.kind !== 'notification') {
      // an inbound comment without an author is the reporter's
      const author_id =
        m.author !== null ? (await w.users.get(userKey(m.author))).id : m.direction === 'in' && m.kind === 'comment' ? ticket.reporter.id : null;
      const desired = {
        ticket_number: t.number,
        author_id,
        body: m.body,
        source: m.message_id !== null ? 'email' : 'web',
        internal: m.kind === 'internal',
        created_at: m.at,
        email_message_id: m.message_id,
      };
      let existing: Row | undefined;
      if (m.message_id !== null) {
        existing = (await trx('ticket_messages').where({ ticket_number: t.number, email_message_id: m.message_id }).orderBy('id').first()) as
          | Row
          | undefined;
      } else {
        existing = unkeyed.find(
          (r) =>
            !used.has(r.id as number) &&
            same(r.created_at, m.at) &&
            r.internal === desired.internal &&
            (r.author_id ?? null) === author_id,
        );
        if (existing) used.add(existing.id as number);
      }
      touched = (await save(trx, 'ticket_messages', existing, {}, desired)).changed || touched;
    }
    if (touched) count += 1;
  }
  return count;
}

/** Mail the old system sent, recorded like the portal's own sent notifications (status 'imported'). */
async function writeOutbound(trx: Tx, t: TicketInput, m: MessageInput, messageId: string, ticket: TicketContext): Promise<boolean> {
  const desired = {
    ticket_number: t.number,
    to_address: m.to ?? ticket.contact_email,
    subject: m.subject ?? `[${t.number}] - ${t.subject}`,
    text_body: m.body,
    created_at: m.at,
    sent_at: m.at,
  };
  const saved = await upsert(trx, 'outbound_mail', { message_id: messageId }, desired, {
    onInsert: () => ({ purpose: 'imported', status: 'imported', attempts: 0, next_attempt_at: m.at }),
  });
  return saved.changed;
}
