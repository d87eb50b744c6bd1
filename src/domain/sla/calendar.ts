/**
 * Service calendar: validation and normalisation of the weekly windows (SLA.md §2.1).
 * Windows are local wall-clock, half-open [start, end); "24:00" may end a window.
 */
import { DateTime, IANAZone } from 'luxon';
import { z } from 'zod';
import { SlaInputError, fromZodError } from './errors.js';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** "HH:MM", "00:00".."24:00". */
export type HHMM = string;
export type WindowSpec = readonly [HHMM, HHMM];
export type WeeklyWindows = Readonly<Record<Weekday, readonly WindowSpec[]>>;

/** What the engine receives: windows normalised, holidays materialised to ISO dates. */
export interface ServiceCalendar {
  readonly timezone: string;
  readonly windows: WeeklyWindows;
  readonly holidays: ReadonlySet<string>;
  /** W for Den; default = max over weekdays of Σ(end − start). */
  readonly serviceDayMinutes?: number;
}

export const SUPPORTED_COUNTRIES = ['CZ'] as const;
export type Country = (typeof SUPPORTED_COUNTRIES)[number];

/** A validated calendar as stored on a contract, before holidays are materialised. */
export interface CalendarConfig {
  readonly timezone: string;
  readonly windows: WeeklyWindows;
  readonly country: Country | null;
  /** Extra closed dates (ISO), on top of the country's public holidays. */
  readonly holidays: readonly string[];
  readonly serviceDayMinutes?: number;
}

/** The vendor's zone (Prague): calendars without a zone, dates and times the portal shows, today for the forms. */
export const DEFAULT_TIMEZONE = 'Europe/Prague';

const TIME = /^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** "08:30" → 510; "24:00" → 1440. Expects a string matching TIME. */
export function minutesOf(hhmm: HHMM): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** 510 → "08:30"; 1440 → "24:00". */
export function hhmmOf(minutes: number): HHMM {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

const timeSchema = z
  .string({ invalid_type_error: 'must be a time "HH:MM"' })
  .regex(TIME, 'must be a time "HH:MM" between 00:00 and 24:00');
const windowSchema = z.tuple([timeSchema, timeSchema], {
  invalid_type_error: 'must be a window ["HH:MM", "HH:MM"]',
});
const daySchema = z.array(windowSchema, { invalid_type_error: 'must be a list of windows' }).default([]);

const weekSchema = z
  .object(
    { mon: daySchema, tue: daySchema, wed: daySchema, thu: daySchema, fri: daySchema, sat: daySchema, sun: daySchema },
    { invalid_type_error: 'must be an object with keys mon..sun' },
  )
  .strict();

/** Whether a string is a date the engine takes as a closed date ("YYYY-MM-DD", a real date). */
export function isIsoDate(s: string): boolean {
  return ISO_DATE.test(s) && DateTime.fromISO(s, { zone: 'utc' }).isValid;
}

const isoDateSchema = z
  .string({ invalid_type_error: 'must be a date "YYYY-MM-DD"' })
  .refine(isIsoDate, { message: 'must be a valid date "YYYY-MM-DD"' });

const rawCalendarSchema = z
  .object(
    {
      timezone: z.string({ invalid_type_error: 'must be an IANA time zone name' }).default(DEFAULT_TIMEZONE),
      windows: weekSchema,
      country: z
        .enum(SUPPORTED_COUNTRIES, { errorMap: () => ({ message: 'must be "CZ" or null (no public holidays)' }) })
        .nullable(),
      holidays: z.array(isoDateSchema, { invalid_type_error: 'must be a list of dates' }).default([]),
      serviceDayMinutes: z
        .number({ invalid_type_error: 'must be a whole number of minutes' })
        .int('must be a whole number of minutes')
        .min(1, 'must be between 1 and 1440')
        .max(1440, 'must be between 1 and 1440')
        .optional(),
    },
    { invalid_type_error: 'must be an object' },
  )
  .strict();

/** Why the engine refuses one window of a day (checkDayWindows); the form words each in Czech. */
export type WindowProblem =
  | { readonly code: 'start_24' }
  | { readonly code: 'end_not_after_start'; readonly start: HHMM; readonly end: HHMM }
  | { readonly code: 'dst_hour'; readonly time: HHMM }
  | { readonly code: 'overlap'; readonly window: WindowSpec; readonly other: WindowSpec };

/** The engine's own wording of a window problem (the import and the command line show it). */
export function windowProblemMessage(p: WindowProblem): string {
  switch (p.code) {
    case 'start_24':
      return 'start 24:00 is not allowed (24:00 may only end a window)';
    case 'end_not_after_start':
      return `end ${p.end} is not after start ${p.start}`;
    case 'dst_hour':
      return `boundary ${p.time} lies inside 02:00–02:59, which is skipped or repeated on DST switch days`;
    case 'overlap':
      return `window ${p.window[0]}–${p.window[1]} overlaps ${p.other[0]}–${p.other[1]}`;
  }
}

/** Whether a string is a time the engine takes ("HH:MM", 00:00..24:00). */
export function isHHMM(s: string): boolean {
  return TIME.test(s);
}

export type DayCheck =
  | { readonly windows: WindowSpec[] }
  | { readonly index: number; readonly problem: WindowProblem; readonly message: string };

/**
 * The engine's check of one day's windows (times already "HH:MM"): sorts them and merges
 * adjacent ones, or names the first bad window by its index in the input and says why.
 */
export function checkDayWindows(day: readonly WindowSpec[]): DayCheck {
  const refuse = (index: number, problem: WindowProblem): DayCheck => ({ index, problem, message: windowProblemMessage(problem) });
  const parsed: { index: number; start: number; end: number; spec: WindowSpec }[] = [];
  for (const [index, spec] of day.entries()) {
    const [start, end] = spec;
    if (start === '24:00') return refuse(index, { code: 'start_24' });
    if (minutesOf(end) <= minutesOf(start)) return refuse(index, { code: 'end_not_after_start', start, end });
    const inDstHour = [start, end].find((t) => t.startsWith('02:'));
    if (inDstHour) return refuse(index, { code: 'dst_hour', time: inDstHour });
    parsed.push({ index, start: minutesOf(start), end: minutesOf(end), spec });
  }
  parsed.sort((a, b) => a.start - b.start || a.index - b.index);
  const merged: { start: number; end: number }[] = [];
  for (const [i, w] of parsed.entries()) {
    const prev = merged[merged.length - 1];
    if (prev && w.start < prev.end) return refuse(w.index, { code: 'overlap', window: w.spec, other: parsed[i - 1]!.spec });
    if (prev && w.start === prev.end) prev.end = w.end;
    else merged.push({ start: w.start, end: w.end });
  }
  return { windows: merged.map((w) => [hhmmOf(w.start), hhmmOf(w.end)] as const) };
}

/** zod schema of a contract calendar; parses to a normalised CalendarConfig. */
export const calendarConfigSchema = rawCalendarSchema.transform((raw, ctx): CalendarConfig => {
  if (!IANAZone.isValidZone(raw.timezone)) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['timezone'],
      message: `unknown time zone "${raw.timezone}" (expected an IANA name such as Europe/Prague)`,
    });
    return z.NEVER;
  }
  const windows = {} as Record<Weekday, readonly WindowSpec[]>;
  let total = 0;
  for (const day of WEEKDAYS) {
    const result = checkDayWindows(raw.windows[day]);
    if (!('windows' in result)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['windows', day, result.index], message: result.message });
      return z.NEVER;
    }
    windows[day] = result.windows;
    total += result.windows.length;
  }
  if (total === 0) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['windows'],
      message: 'the week has no service window; at least one day needs one',
    });
    return z.NEVER;
  }
  const holidays = [...new Set(raw.holidays)].sort();
  return {
    timezone: raw.timezone,
    windows,
    country: raw.country,
    holidays,
    ...(raw.serviceDayMinutes === undefined ? {} : { serviceDayMinutes: raw.serviceDayMinutes }),
  };
});

/** Validates and normalises a calendar; throws SlaInputError naming the field (prefixed by `field`). */
export function parseCalendarConfig(input: unknown, field = 'calendar'): CalendarConfig {
  const result = calendarConfigSchema.safeParse(input);
  if (!result.success) throw fromZodError(result.error, field);
  return result.data;
}

/** W: the configured service day, else the longest weekday total (480 for 08–16 and 08–12 + 13–17). */
export function serviceDayMinutes(calendar: Pick<ServiceCalendar, 'windows' | 'serviceDayMinutes'>): number {
  if (calendar.serviceDayMinutes !== undefined) return calendar.serviceDayMinutes;
  let max = 0;
  for (const day of WEEKDAYS) {
    let sum = 0;
    for (const [start, end] of calendar.windows[day]) sum += minutesOf(end) - minutesOf(start);
    max = Math.max(max, sum);
  }
  if (max === 0) throw new SlaInputError('calendar.windows', 'the week has no service window; at least one day needs one');
  return max;
}
