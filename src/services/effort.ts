/**
 * Effort (Pracnost, REPORT.md §2): staff log the minutes they worked on a ticket, with the
 * work date, a note and whether the customer is billed for them. The flag defaults from the
 * ticket's paragraph kind (question, order, hypercare billed; incident not). Staff edit and
 * delete their own entries; each change is a history event (staff-only).
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import { billableByDefault, type Kind } from '../domain/report/index.js';
import { cs } from '../i18n/cs.js';
import { type Actor, isStaff } from './actor.js';
import type { ServiceContext, Tx } from './context.js';
import { ConflictError, ForbiddenError, NotFoundError } from './errors.js';
import { recordEvent } from './history.js';
import { lockVisibleTicket } from './ticket-lock.js';
import { optionalText, parseInput, wholeNumber } from './validate.js';

const workDate = z.preprocess(
  (v) => (v === '' || v === undefined ? new Date().toISOString().slice(0, 10) : v),
  z
    .string({ invalid_type_error: cs.errors.date })
    .regex(/^\d{4}-\d{2}-\d{2}$/, cs.errors.date)
    // a calendar date PostgreSQL stores (2026-02-30 and year 0 are not)
    .refine((v) => v >= '1900-01-01' && DateTime.fromISO(v).isValid, cs.errors.date),
);

/** '' or absent: the paragraph's default; a form's 'yes'/'no', or a boolean from a program. */
const billable = z.preprocess(
  (v) => (v === '' || v === undefined || v === null ? undefined : v === 'yes' || v === true || v === '1' || v === 'true' ? true : v === 'no' || v === false || v === '0' || v === 'false' ? false : v),
  z.boolean({ invalid_type_error: cs.errors.choice }).optional(),
);

const effortSchema = z.object({ minutes: wholeNumber(1, 1440, cs.errors.minutes), work_date: workDate, note: optionalText(2000), billable });

export interface EffortEntry {
  minutes: number;
  work_date: string;
  note: string | null;
  billable: boolean;
}

/** The paragraph kind of a locked ticket: the default of the billable flag. */
async function kindOf(trx: Tx, paragraphId: number): Promise<Kind> {
  return ((await trx('contract_paragraphs').where({ id: paragraphId }).first('kind')) as { kind: Kind }).kind;
}

/** Logs effort on a ticket; returns the entry's id and what was stored. */
export async function logEffort(ctx: ServiceContext, actor: Actor, number: number, input: unknown): Promise<{ id: number; entry: EffortEntry }> {
  const data = parseInput(effortSchema, input);
  if (!isStaff(actor)) throw new ForbiddenError();
  return ctx.db.transaction(async (trx) => {
    // effort may be logged after resolution too (reports bill the month's work)
    const ticket = await lockVisibleTicket(trx, actor, number);
    if (ticket.state === 'cancelled') throw new ConflictError(cs.errors.commentClosed);
    const entry: EffortEntry = {
      minutes: data.minutes,
      work_date: data.work_date,
      note: data.note ?? null,
      billable: data.billable ?? billableByDefault(await kindOf(trx, ticket.paragraph_id)),
    };
    const [row] = (await trx('efforts').insert({ ticket_number: number, user_id: actor.id, ...entry }).returning('id')) as { id: string | number }[];
    const id = Number(row!.id);
    await recordEvent(trx, { ticket: number, actor, kind: 'effort', data: { effort_id: id, ...entry }, internal: true });
    return { id, entry };
  });
}

/** The actor's own entry on the ticket, locked; anyone else's (or none) is not found. */
async function ownEntry(trx: Tx, actor: Actor, number: number, effortId: number) {
  const row = (await trx('efforts').where({ id: effortId, ticket_number: number }).forUpdate().first()) as
    | { id: number; user_id: number; minutes: number; work_date: string; note: string | null; billable: boolean }
    | undefined;
  if (!row) throw new NotFoundError();
  if (row.user_id !== actor.id) throw new ForbiddenError();
  return row;
}

const dateText = (d: unknown) => (d instanceof Date ? DateTime.fromJSDate(d).toISODate()! : String(d));

/** Changes the actor's own entry (every field as in logEffort; the flag as chosen, or the default again). */
export async function editEffort(ctx: ServiceContext, actor: Actor, number: number, effortId: number, input: unknown): Promise<EffortEntry> {
  if (!isStaff(actor)) throw new ForbiddenError();
  return ctx.db.transaction(async (trx) => {
    const ticket = await lockVisibleTicket(trx, actor, number);
    if (ticket.state === 'cancelled') throw new ConflictError(cs.errors.commentClosed);
    // the entry of the path first: a form sent to one that does not exist is a 404, not a 400
    const before = await ownEntry(trx, actor, number, effortId);
    const data = parseInput(effortSchema, input);
    const entry: EffortEntry = {
      minutes: data.minutes,
      work_date: data.work_date,
      note: data.note ?? null,
      billable: data.billable ?? billableByDefault(await kindOf(trx, ticket.paragraph_id)),
    };
    await trx('efforts').where({ id: effortId }).update({ ...entry, updated_at: trx.fn.now() });
    const was: EffortEntry = { minutes: before.minutes, work_date: dateText(before.work_date), note: before.note, billable: before.billable };
    await recordEvent(trx, { ticket: number, actor, kind: 'effort_changed', data: { effort_id: effortId, before: was, after: entry }, internal: true });
    return entry;
  });
}

/** Deletes the actor's own entry. */
export async function deleteEffort(ctx: ServiceContext, actor: Actor, number: number, effortId: number): Promise<void> {
  if (!isStaff(actor)) throw new ForbiddenError();
  await ctx.db.transaction(async (trx) => {
    const ticket = await lockVisibleTicket(trx, actor, number);
    if (ticket.state === 'cancelled') throw new ConflictError(cs.errors.commentClosed);
    const before = await ownEntry(trx, actor, number, effortId);
    await trx('efforts').where({ id: effortId }).delete();
    const was: EffortEntry = { minutes: before.minutes, work_date: dateText(before.work_date), note: before.note, billable: before.billable };
    await recordEvent(trx, { ticket: number, actor, kind: 'effort_deleted', data: { effort_id: effortId, before: was }, internal: true });
  });
}
