/**
 * Service calendars (issue 10): the admin's create and edit, and the one write of a calendar
 * row that the admin form and the migration import (import/write.ts) both call.
 *
 * The form's text becomes the engine's calendar through the engine's own checks
 * (domain/sla/calendar-input.ts: night windows split at midnight, checkDayWindows per day; then
 * parseCalendarConfig on the whole, as the import validates its calendars). Every refusal is a
 * ValidationError at its field: the weekday's windows (win_mon…win_sun), the closed dates
 * (with line numbers), the country, the service day, the name.
 *
 * Saving a changed calendar recomputes, in the same transaction, the stored SLA of the open
 * tickets on the contracts whose SLA calendar it is (admin/sla-impact.ts, as the import does):
 * the queue and the ticket page show the new due as soon as the save returns, and a failure
 * leaves both as they were. Closed and cancelled tickets keep their stored verdicts. The
 * calendar's updated_at moves too, which the background "sla" job also watches.
 */
import { z } from 'zod';
import {
  type CalendarConfig,
  checkWeek,
  DEFAULT_TIMEZONE,
  parseCalendarConfig,
  parseDateLines,
  parseWindowText,
  SlaInputError,
  type TypedWindow,
  type WeeklyWindows,
  type Weekday,
  WEEKDAYS,
  type WindowRefusal,
  windowText,
} from '../../domain/sla/index.js';
import { cs } from '../../i18n/cs.js';
import type { Actor } from '../actor.js';
import type { ServiceContext, Tx } from '../context.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { parseInput, requiredText, wholeNumber } from '../validate.js';
import { mustBeAdmin, violates } from './companies.js';
import { type AuditWho, jsonb, type Row, type Saved, save } from './records.js';
import { refreshAffectedTickets } from './sla-impact.js';

const words = cs.admin.calendars;

/** Which calendar a write is about: none (a new one), its id (the form), or its name (the import's natural key). */
export type CalendarKey = { id: number } | { name: string } | null;

/** The columns of a calendar row for a validated calendar (the contract holds the zone). */
export function calendarColumns(config: CalendarConfig): Row {
  return {
    windows: config.windows,
    holiday_country: config.country,
    extra_closed_dates: config.holidays,
    service_day_minutes: config.serviceDayMinutes ?? null,
  };
}

const encode = (r: Row): Row => ({
  ...r,
  ...('windows' in r ? { windows: jsonb(r.windows) } : {}),
  ...('extra_closed_dates' in r ? { extra_closed_dates: jsonb(r.extra_closed_dates) } : {}),
});

/**
 * Inserts or updates one calendar (only the changed columns, audited as `calendar`; an update
 * moves updated_at). A name another calendar has is refused at the field `name`; a missing id
 * is a 404. Recomputing the tickets is the caller's (the import does it once for the document).
 */
export async function saveCalendar(trx: Tx, who: AuditWho, key: CalendarKey, name: string, config: CalendarConfig): Promise<Saved> {
  const existing = key === null ? undefined : ((await trx('service_calendars').where(key).first()) as Row | undefined);
  if (key !== null && 'id' in key && !existing) throw new NotFoundError('calendar');
  if (await nameTaken(trx, name, existing ? (existing.id as number) : null)) throw new ValidationError({ name: words.nameTaken });
  try {
    return await save(trx, 'service_calendars', existing, {}, { name, ...calendarColumns(config) }, {
      encode,
      // to the millisecond, as sla_computed_at is stored: tickets recomputed in this transaction
      // then count as up to date for the background job (k.updated_at > t.sla_computed_at)
      onUpdate: () => ({ updated_at: trx.raw("date_trunc('milliseconds', now())") }),
      audit: { who, type: 'calendar' },
    });
  } catch (e) {
    // another admin saved the same name between the check and the write
    if (violates(e, 'service_calendars_name_unique')) throw new ValidationError({ name: words.nameTaken });
    throw e;
  }
}

/** The form's field of a weekday's windows. */
export const windowField = (day: Weekday): string => `win_${day}`;

/** What the form shows for a stored calendar (the same fields as it sends). */
export function calendarFormValues(row: { name: string; windows: WeeklyWindows; holiday_country: string | null; extra_closed_dates: string[]; service_day_minutes: number | null }) {
  return {
    name: row.name,
    ...Object.fromEntries(WEEKDAYS.map((d) => [windowField(d), windowText(row.windows[d] ?? [])])),
    holiday_country: row.holiday_country ?? '',
    extra_closed_dates: row.extra_closed_dates.join('\n'),
    service_day_minutes: row.service_day_minutes === null ? '' : String(row.service_day_minutes),
  };
}

/** A new calendar's form: Monday to Friday 08:00–16:00, Czech public holidays. */
export const NEW_CALENDAR_VALUES = calendarFormValues({
  name: '',
  windows: { mon: [['08:00', '16:00']], tue: [['08:00', '16:00']], wed: [['08:00', '16:00']], thu: [['08:00', '16:00']], fri: [['08:00', '16:00']], sat: [], sun: [] },
  holiday_country: 'CZ',
  extra_closed_dates: [],
  service_day_minutes: null,
});

const text = z.preprocess((v) => (v === undefined || v === null ? '' : v), z.string({ invalid_type_error: cs.errors.required }));

const formSchema = z.object({
  name: requiredText(200),
  holiday_country: z.preprocess((v) => v ?? '', z.enum(['', 'CZ'], { errorMap: () => ({ message: cs.errors.choice }) })),
  extra_closed_dates: text,
  service_day_minutes: z.preprocess((v) => (v === undefined || v === null || (typeof v === 'string' && v.trim() === '') ? undefined : typeof v === 'string' ? v.trim() : v), wholeNumber(1, 1440, cs.errors.minutes).optional()),
  ...Object.fromEntries(WEEKDAYS.map((d) => [windowField(d), text])),
});

const windowLabel = (w: TypedWindow | readonly [string, string]) => ('start' in w ? `${w.start}-${w.end}` : `${w[0]}-${w[1]}`);

/** A weekday's refusal by the engine, in Czech, naming the window as it was typed. */
function refusalMessage(r: WindowRefusal): string {
  const typed = windowLabel(r.typed);
  const p = r.problem;
  switch (p.code) {
    case 'start_24':
      return words.problems.start24(typed);
    case 'end_not_after_start':
      return words.problems.empty(typed);
    case 'dst_hour':
      return words.problems.dstHour(typed, p.time);
    case 'overlap': {
      const other = windowLabel(p.other) + (r.otherFrom ? words.problems.otherNight(words.fromWeekday[r.otherFrom]!) : '');
      if (r.piece) return words.problems.nightPart(typed, words.onWeekday[r.piece.day]!, windowLabel(r.piece.window), other);
      return words.problems.overlap(typed, other);
    }
  }
}

/** The engine's whole-calendar check, its field named as the form names it. */
function engineCheck(input: Record<string, unknown>): CalendarConfig {
  try {
    return parseCalendarConfig(input, '');
  } catch (e) {
    if (!(e instanceof SlaInputError)) throw e;
    if (e.field === 'windows') throw new ValidationError({ windows: words.noWindow });
    const field = e.field.startsWith('holidays') ? 'extra_closed_dates' : e.field.startsWith('serviceDayMinutes') ? 'service_day_minutes' : e.field.startsWith('country') ? 'holiday_country' : 'windows';
    throw new ValidationError({ [field]: e.message });
  }
}

/**
 * The form's values as a name and a validated calendar, or a ValidationError with a Czech
 * message at every refused field (each weekday checked, every bad date line named).
 */
export function calendarFromForm(input: unknown): { name: string; config: CalendarConfig } {
  const errors: Record<string, string> = {};
  let data: z.output<typeof formSchema> | undefined;
  try {
    data = parseInput(formSchema, input);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    Object.assign(errors, e.fields);
  }
  const raw = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const typed = {} as Record<Weekday, TypedWindow[]>;
  for (const day of WEEKDAYS) {
    const value = raw[windowField(day)];
    const parsed = parseWindowText(typeof value === 'string' ? value : '');
    if ('problem' in parsed) {
      errors[windowField(day)] ??= parsed.problem.code === 'syntax' ? words.problems.syntax(parsed.problem.text) : words.problems.time(parsed.problem.time);
      typed[day] = [];
    } else typed[day] = parsed.windows;
  }
  const week = checkWeek(typed);
  if ('refused' in week) for (const [day, r] of Object.entries(week.refused)) errors[windowField(day as Weekday)] ??= refusalMessage(r);
  const dates = parseDateLines(typeof raw.extra_closed_dates === 'string' ? raw.extra_closed_dates : '');
  if ('problems' in dates) errors.extra_closed_dates ??= words.problems.dates(dates.problems);
  if (Object.keys(errors).length > 0 || !data || !('windows' in week) || !('dates' in dates)) throw new ValidationError(errors);
  const config = engineCheck({
    timezone: DEFAULT_TIMEZONE,
    windows: week.windows,
    country: data.holiday_country === '' ? null : data.holiday_country,
    holidays: dates.dates,
    ...(data.service_day_minutes === undefined ? {} : { serviceDayMinutes: data.service_day_minutes }),
  });
  return { name: data.name, config };
}

/** Whether another calendar than `id` has the name. */
async function nameTaken(db: ServiceContext['db'] | Tx, name: string, id: number | null): Promise<boolean> {
  return (await db('service_calendars').where({ name }).modify((q) => void (id === null ? q : q.whereNot('id', id))).first('id')) !== undefined;
}

/** calendarFromForm, with a taken name reported together with the other fields' refusals. */
async function formCalendar(ctx: ServiceContext, input: unknown, id: number | null): Promise<{ name: string; config: CalendarConfig }> {
  try {
    return calendarFromForm(input);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    const name = (input as Record<string, unknown> | null)?.name;
    if (e.fields.name === undefined && typeof name === 'string' && name.trim() !== '' && (await nameTaken(ctx.db, name.trim(), id))) {
      throw new ValidationError({ ...e.fields, name: words.nameTaken });
    }
    throw e;
  }
}

/** Use case: an admin creates a calendar. Returns its id. */
export async function createCalendar(ctx: ServiceContext, actor: Actor, input: unknown): Promise<{ id: number }> {
  const who = mustBeAdmin(actor);
  const { name, config } = await formCalendar(ctx, input, null);
  return ctx.db.transaction(async (trx) => ({ id: (await saveCalendar(trx, who, null, name, config)).id }));
}

/**
 * Use case: an admin edits a calendar. When its content changed, the stored SLA of the open
 * tickets on the contracts that use it for SLA is recomputed in the same transaction (a
 * hotline calendar bears on no clock). Returns whether anything changed and the tickets recomputed.
 */
export async function updateCalendar(ctx: ServiceContext, actor: Actor, id: number, input: unknown): Promise<{ changed: boolean; recomputed: number[] }> {
  const who = mustBeAdmin(actor);
  const { name, config } = await formCalendar(ctx, input, id);
  return ctx.db.transaction(async (trx) => {
    const saved = await saveCalendar(trx, who, { id }, name, config);
    const content = Object.keys(saved.diff).some((k) => k !== 'name');
    const recomputed = content ? await refreshAffectedTickets(trx, { calendars: [id] }) : [];
    return { changed: saved.changed, recomputed };
  });
}
