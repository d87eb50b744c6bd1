/**
 * Writes a checked import document: upserts by the natural keys, counting only rows that were
 * inserted or actually changed, so that importing the same document again changes nothing.
 */
import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import { DEFAULT_TIMEZONE } from '../../domain/sla/index.js';
import { FINAL_STATES, isFinal, type StateCode } from '../../domain/states.js';
import { ensureTicketNumberStart } from '../../db/migrate.js';
import type { Tx } from '../context.js';
import { refreshStoredSla } from '../sla.js';
import { hashPassword } from '../users.js';
import { loginKey, type ImportDocument, type MessageInput, type TicketInput } from './schema.js';

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

type Row = Record<string, unknown>;

/** JSON with sorted keys: jsonb does not keep key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Row)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function same(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) {
    const ta = a instanceof Date ? a.getTime() : a;
    const tb = b instanceof Date ? b.getTime() : b;
    return ta === tb;
  }
  if (typeof a === 'object' && a !== null) return canonical(a) === canonical(b);
  return (a ?? null) === (b ?? null);
}

/** The columns of `desired` whose stored value differs. */
function changes(existing: Row, desired: Row): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(desired)) if (!same(existing[k], v)) out[k] = v;
  return out;
}

const changed = (diff: Row) => Object.keys(diff).length > 0;

/** jsonb columns are written as JSON text (knex would turn arrays into Postgres arrays). */
const jsonb = (v: unknown) => JSON.stringify(v);

interface UserRef {
  id: number;
  email: string;
}

export interface WriteOptions {
  /** roll back afterwards: leave the ticket number sequence alone */
  dryRun?: boolean;
}

export async function writeDocument(trx: Tx, doc: ImportDocument, opts: WriteOptions = {}): Promise<Summary> {
  const summary: Summary = { companies: 0, contracts: 0, users: 0, tickets: 0, messages: 0 };

  // ---- calendars (not in the summary; an edit marks the calendar for the SLA recomputation) ----
  const calendarIds = new Map<string, number>();
  const calendarZones = new Map<string, string>();
  const changedCalendars = new Set<number>();
  for (const { name, config } of doc.calendars) {
    const desired = {
      windows: config.windows,
      holiday_country: config.country,
      extra_closed_dates: config.holidays,
      service_day_minutes: config.serviceDayMinutes ?? null,
    };
    const encoded = { ...desired, windows: jsonb(desired.windows), extra_closed_dates: jsonb(desired.extra_closed_dates) };
    const existing = (await trx('service_calendars').where({ name }).first()) as Row | undefined;
    let id: number;
    if (!existing) {
      const [row] = await trx('service_calendars').insert({ name, ...encoded }).returning('id');
      id = row.id;
    } else {
      id = existing.id as number;
      if (changed(changes(existing, desired))) {
        await trx('service_calendars').where({ id }).update({ ...encoded, updated_at: trx.fn.now() });
        changedCalendars.add(id);
      }
    }
    calendarIds.set(name, id);
    calendarZones.set(name, config.timezone);
  }
  const calendarId = async (name: string): Promise<number> => {
    let id = calendarIds.get(name);
    if (id === undefined) {
      id = ((await trx('service_calendars').where({ name }).first('id')) as { id: number }).id;
      calendarIds.set(name, id);
    }
    return id;
  };

  // ---- companies ----
  const companyIds = new Map<string, number>();
  for (const c of doc.companies) {
    const existing = (await trx('companies').where({ name: c.name }).first()) as Row | undefined;
    const desired: Row = c.address === undefined ? {} : { address: c.address };
    if (!existing) {
      const [row] = await trx('companies').insert({ name: c.name, ...desired }).returning('id');
      companyIds.set(c.name, row.id);
      summary.companies += 1;
    } else {
      companyIds.set(c.name, existing.id as number);
      const diff = changes(existing, desired);
      if (changed(diff)) {
        await trx('companies').where({ id: existing.id }).update(diff);
        summary.companies += 1;
      }
    }
  }
  const companyId = async (name: string): Promise<number> => {
    let id = companyIds.get(name);
    if (id === undefined) {
      id = ((await trx('companies').where({ name }).first('id')) as { id: number }).id;
      companyIds.set(name, id);
    }
    return id;
  };

  // ---- contracts and their paragraphs ----
  const changedContracts = new Set<number>();
  const changedParagraphs = new Set<number>();
  for (const c of doc.contracts) {
    const company_id = await companyId(c.company);
    const calendar_id = await calendarId(c.calendar);
    const existing = (await trx('contracts').where({ number: c.number }).first()) as Row | undefined;
    // the clocks run in the contract's zone: the calendar's when the document gives it
    const timezone = calendarZones.get(c.calendar) ?? (existing?.timezone as string | undefined) ?? DEFAULT_TIMEZONE;
    const desired = { company_id, number: c.number, name: c.name, timezone, calendar_id };
    let contractId: number;
    let touched = false;
    if (!existing) {
      const [row] = await trx('contracts').insert(desired).returning('id');
      contractId = row.id;
      touched = true;
    } else {
      contractId = existing.id as number;
      const diff = changes(existing, desired);
      if (changed(diff)) {
        await trx('contracts').where({ id: contractId }).update(diff);
        changedContracts.add(contractId);
        touched = true;
      }
    }
    // at most one e-mail default per contract (a partial unique index): clear the others first
    const emailDefault = c.paragraphs.find((p) => p.email_default);
    if (emailDefault) {
      const cleared = await trx('contract_paragraphs')
        .where({ contract_id: contractId, is_email_default: true })
        .whereNot('code', emailDefault.code)
        .update({ is_email_default: false }, ['id']);
      for (const row of cleared as { id: number }[]) changedParagraphs.add(row.id);
      if (cleared.length > 0) touched = true;
    }
    for (const p of c.paragraphs) {
      const desiredParagraph = {
        name: p.name,
        kind: p.kind,
        sla_applies: p.sla !== null,
        reaction_method: p.sla?.reaction.method ?? null,
        reaction_amount: p.sla?.reaction.amount ?? null,
        resolution_method: p.sla?.resolution.method ?? null,
        resolution_amount: p.sla?.resolution.amount ?? null,
        is_email_default: p.email_default,
        active: true,
      };
      const row = (await trx('contract_paragraphs').where({ contract_id: contractId, code: p.code }).first()) as Row | undefined;
      if (!row) {
        await trx('contract_paragraphs').insert({ contract_id: contractId, code: p.code, ...desiredParagraph });
        touched = true;
      } else {
        const diff = changes(row, desiredParagraph);
        if (changed(diff)) {
          await trx('contract_paragraphs').where({ id: row.id }).update(diff);
          changedParagraphs.add(row.id as number);
          touched = true;
        }
      }
    }
    if (touched) summary.contracts += 1;
  }
  const contractIds = new Map<string, number>();
  const contractId = async (number: string): Promise<number> => {
    let id = contractIds.get(number);
    if (id === undefined) {
      id = ((await trx('contracts').where({ number }).first('id')) as { id: number }).id;
      contractIds.set(number, id);
    }
    return id;
  };

  // ---- users, their contracts and authorised address ----
  const users = new Map<string, UserRef>();
  for (const u of doc.users) {
    const key = loginKey(u.login) ?? u.login;
    const existing = (await trx('users').where({ login_key: key }).first()) as Row | undefined;
    const desired: Row = { name: u.name, email: u.email, role: u.role, ...(u.phone === undefined ? {} : { phone: u.phone }) };
    let id: number;
    let touched = false;
    if (!existing) {
      // no password: a random one nobody knows; the user sets theirs by invitation
      const password_hash = await hashPassword(u.password ?? randomBytes(32).toString('base64url'));
      const [row] = await trx('users').insert({ login: u.login.trim(), login_key: key, ...desired, password_hash }).returning('id');
      id = row.id;
      touched = true;
    } else {
      id = existing.id as number;
      const diff = changes(existing, desired);
      if (u.password !== undefined && !(await argon2.verify(existing.password_hash as string, u.password).catch(() => false))) {
        diff.password_hash = await hashPassword(u.password);
      }
      if (changed(diff)) {
        await trx('users').where({ id }).update(diff);
        touched = true;
      }
    }
    users.set(key, { id, email: u.email });
    for (const c of u.contracts) {
      const cid = await contractId(c.number);
      const row = (await trx('user_contracts').where({ user_id: id, contract_id: cid }).first()) as Row | undefined;
      if (!row) {
        await trx('user_contracts').insert({ user_id: id, contract_id: cid, sees_all_tickets: c.see_all });
        touched = true;
      } else if (row.sees_all_tickets !== c.see_all) {
        await trx('user_contracts').where({ user_id: id, contract_id: cid }).update({ sees_all_tickets: c.see_all });
        touched = true;
      }
    }
    if (u.authorized_email) {
      const address = u.authorized_email.address.toLowerCase();
      const cid = await contractId(u.authorized_email.number);
      const row = (await trx('authorized_addresses').where({ address }).first()) as Row | undefined;
      if (!row) {
        await trx('authorized_addresses').insert({ address, user_id: id, contract_id: cid });
        touched = true;
      } else if (row.user_id !== id || row.contract_id !== cid) {
        await trx('authorized_addresses').where({ address }).update({ user_id: id, contract_id: cid });
        touched = true;
      }
    }
    if (touched) summary.users += 1;
  }
  const user = async (login: string): Promise<UserRef> => {
    const key = loginKey(login) ?? login;
    let ref = users.get(key);
    if (!ref) {
      ref = (await trx('users').where({ login_key: key }).first('id', 'email')) as UserRef;
      users.set(key, ref);
    }
    return ref;
  };

  // ---- tickets, their history and messages ----
  const refresh = new Set<number>();
  let inserted = false;
  for (const t of doc.tickets) {
    const contract_id = await contractId(t.contract);
    const paragraph = (await trx('contract_paragraphs').where({ contract_id, code: t.paragraph }).first('id')) as { id: number };
    const reporter = await user(t.reporter);
    const assignee_id = t.assignee === null ? null : (await user(t.assignee)).id;
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
    const existing = (await trx('tickets').where({ number: t.number }).first()) as Row | undefined;
    if (!existing) {
      await trx('tickets').insert({ number: t.number, ...desired, ...stateStamps(trx, t.state) });
      // the history starts here: one event carrying the state the old system had
      await trx('ticket_events').insert({
        ticket_number: t.number,
        at: t.created_at,
        actor_id: null,
        kind: IMPORTED_EVENT,
        from_state: null,
        to_state: t.state,
        data: jsonb({ channel: t.channel, imported_at: new Date().toISOString() }),
        internal: false,
      });
      summary.tickets += 1;
      refresh.add(t.number);
      inserted = true;
    } else {
      const diff = changes(existing, desired);
      if (changed(diff)) {
        const from = existing.state as StateCode;
        await trx('tickets')
          .where({ number: t.number })
          .update({ ...diff, updated_at: trx.fn.now(), ...(diff.state === undefined ? {} : stateStamps(trx, t.state, existing)) });
        if (diff.state !== undefined) {
          // a re-import that moves the state appends to the history, so replaying it still gives the state
          await trx('ticket_events').insert({
            ticket_number: t.number,
            at: trx.raw('greatest(now(), ?, (select max(at) from ticket_events where ticket_number = ?))', [t.created_at, t.number]),
            actor_id: null,
            kind: IMPORTED_EVENT,
            from_state: from,
            to_state: t.state,
            data: jsonb({ channel: t.channel, reimport: true }),
            internal: false,
          });
        }
        summary.tickets += 1;
        refresh.add(t.number);
      } else if (changedParagraphs.has(paragraph.id) || changedContracts.has(contract_id)) {
        refresh.add(t.number);
      }
    }
    summary.messages += await writeMessages(trx, t, { reporter, contact_email: desired.contact_email }, user);
  }

  // open tickets whose targets or calendar changed get their stored due recomputed now
  if (changedParagraphs.size > 0 || changedContracts.size > 0 || changedCalendars.size > 0) {
    const numbers = (await trx('tickets as t')
      .join('contracts as c', 'c.id', 't.contract_id')
      .whereNotIn('t.state', FINAL_STATES)
      .where((w) =>
        w
          .whereIn('t.paragraph_id', [...changedParagraphs])
          .orWhereIn('t.contract_id', [...changedContracts])
          .orWhereIn('c.calendar_id', [...changedCalendars]),
      )
      .pluck('t.number')) as number[];
    for (const n of numbers) refresh.add(Number(n));
  }
  for (const n of [...refresh].sort((a, b) => a - b)) await refreshStoredSla(trx, n);

  // new tickets are numbered above the highest one, imported or not
  if (inserted && !opts.dryRun) await ensureTicketNumberStart(trx, 1);
  return summary;
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

interface TicketContext {
  reporter: UserRef;
  contact_email: string;
}

/**
 * A ticket's messages: mail the old system sent (out, with a Message-ID) goes to outbound_mail
 * as already sent, so replies thread onto the ticket; comments and internal notes go to the
 * conversation. Returns how many messages were inserted or changed.
 */
async function writeMessages(
  trx: Tx,
  t: TicketInput,
  ticket: TicketContext,
  user: (login: string) => Promise<UserRef>,
): Promise<number> {
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
        m.author !== null ? (await user(m.author)).id : m.direction === 'in' && m.kind === 'comment' ? ticket.reporter.id : null;
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
      if (!existing) {
        await trx('ticket_messages').insert(desired);
        touched = true;
      } else {
        const diff = changes(existing, desired);
        if (changed(diff)) {
          await trx('ticket_messages').where({ id: existing.id }).update(diff);
          touched = true;
        }
      }
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
  const existing = (await trx('outbound_mail').where({ message_id: messageId }).first()) as Row | undefined;
  if (!existing) {
    await trx('outbound_mail').insert({
      ...desired,
      message_id: messageId,
      purpose: 'imported',
      status: 'imported',
      attempts: 0,
      next_attempt_at: m.at,
    });
    return true;
  }
  const diff = changes(existing, desired);
  if (!changed(diff)) return false;
  await trx('outbound_mail').where({ id: existing.id }).update(diff);
  return true;
}
