/**
 * A service calendar as an administrator types it (SLA.md §2.1), turned into what the engine
 * stores, and what a calendar means for the days ahead. Pure: the form's text in, the engine's
 * windows out, with every refusal tied to the weekday or the line it came from.
 *
 * - Each weekday takes a list of windows, "08:00-12:00, 13:00-16:00".
 * - A window whose end is before its start crosses midnight: Monday "22:00-06:00" is stored as
 *   Monday 22:00–24:00 and Tuesday 00:00–06:00 (Sunday's goes on to Monday). "24:00" ends a day.
 * - Every day's windows then pass the engine's own check (checkDayWindows).
 */
import { DateTime } from 'luxon';
import {
  type CalendarConfig,
  checkDayWindows,
  type HHMM,
  isHHMM,
  isIsoDate,
  minutesOf,
  type WeeklyWindows,
  type Weekday,
  WEEKDAYS,
  type WindowProblem,
  type WindowSpec,
} from './calendar.js';
import { compile } from './days.js';
import { buildServiceCalendar, publicHolidays, type PublicHoliday, yearsAround } from './holidays.js';

/** A window as typed on one weekday; its end may be before its start (a night window). */
export interface TypedWindow {
  readonly start: HHMM;
  readonly end: HHMM;
}

/** Why a weekday's text was refused before the engine saw it. */
export type WindowTextProblem = { readonly code: 'syntax'; readonly text: string } | { readonly code: 'time'; readonly time: string };

const SEPARATORS = /[\s,;]+/y;
const WINDOW = /(\d{1,2})[:.](\d{2})\s*[-–—]\s*(\d{1,2})[:.](\d{2})(?![\d:.])/y;

const time = (h: string, m: string): string => `${h.padStart(2, '0')}:${m}`;

/**
 * One weekday's text: windows "HH:MM-HH:MM" separated by commas, semicolons or line breaks
 * ("8:00" and "8.00" are read as 08:00; "–" is a dash too). Empty text: no window that day.
 * A time outside 00:00–24:00 ("25:00", "08:60") is refused naming it.
 */
export function parseWindowText(text: string): { windows: TypedWindow[] } | { problem: WindowTextProblem } {
  const windows: TypedWindow[] = [];
  let at = 0;
  for (;;) {
    SEPARATORS.lastIndex = at;
    if (SEPARATORS.exec(text)) at = SEPARATORS.lastIndex;
    if (at >= text.length) return { windows };
    WINDOW.lastIndex = at;
    const m = WINDOW.exec(text);
    if (!m) return { problem: { code: 'syntax', text: text.slice(at).split(/[,;\n]/)[0]!.trim() } };
    const start = time(m[1]!, m[2]!);
    const end = time(m[3]!, m[4]!);
    const bad = [start, end].find((t) => !isHHMM(t));
    if (bad) return { problem: { code: 'time', time: bad } };
    windows.push({ start, end });
    at = WINDOW.lastIndex;
  }
}

/** A day's windows as the form shows them: "08:00-12:00, 13:00-16:00". */
export function windowText(windows: readonly WindowSpec[]): string {
  return windows.map(([s, e]) => `${s}-${e}`).join(', ');
}

export const nextWeekday = (day: Weekday): Weekday => WEEKDAYS[(WEEKDAYS.indexOf(day) + 1) % 7]!;

/** A stored window and the day it is stored on. */
export interface Piece {
  readonly day: Weekday;
  readonly window: WindowSpec;
}

/**
 * A typed window as stored: itself, or, when it crosses midnight (end before start), the part
 * until 24:00 on its day and the part from 00:00 on the next day ("22:00-00:00" has no second
 * part). Anything the engine will refuse (a bad time, a 24:00 start, end = start) is left whole.
 */
export function splitAtMidnight(day: Weekday, w: TypedWindow): Piece[] {
  if (!isHHMM(w.start) || !isHHMM(w.end) || w.start === '24:00' || minutesOf(w.end) >= minutesOf(w.start)) {
    return [{ day, window: [w.start, w.end] }];
  }
  const before: Piece = { day, window: [w.start, '24:00'] };
  return w.end === '00:00' ? [before] : [before, { day: nextWeekday(day), window: ['00:00', w.end] }];
}

/** Where a refused stored window came from: the weekday it was typed on and its position there. */
export interface WindowRefusal {
  /** the typed window (its position in the weekday's list is `index`) */
  readonly typed: TypedWindow;
  readonly index: number;
  /** the stored piece the engine refused, when it is not the typed window itself (a night window's part) */
  readonly piece: Piece | null;
  readonly problem: WindowProblem;
  /** for an overlap: the other window's weekday when it was typed on another day (a night window's part) */
  readonly otherFrom: Weekday | null;
}

export type WeekCheck = { readonly windows: WeeklyWindows } | { readonly refused: Partial<Record<Weekday, WindowRefusal>> };

/**
 * The typed week as the engine stores it: night windows split at midnight, each day's windows
 * sorted, adjacent ones merged, checked by the engine's checkDayWindows. A refusal is reported
 * on the weekday the offending window was typed on (one per weekday, every weekday checked).
 */
export function checkWeek(typed: Readonly<Record<Weekday, readonly TypedWindow[]>>): WeekCheck {
  const pieces = Object.fromEntries(WEEKDAYS.map((d) => [d, [] as { spec: WindowSpec; from: Weekday; index: number; whole: boolean }[]])) as Record<
    Weekday,
    { spec: WindowSpec; from: Weekday; index: number; whole: boolean }[]
  >;
  // a day's own windows first, then what the previous night carries over
  const carried: { piece: Piece; from: Weekday; index: number }[] = [];
  for (const day of WEEKDAYS) {
    for (const [index, w] of typed[day].entries()) {
      const parts = splitAtMidnight(day, w);
      pieces[day].push({ spec: parts[0]!.window, from: day, index, whole: parts.length === 1 && parts[0]!.window[1] === w.end });
      for (const p of parts.slice(1)) carried.push({ piece: p, from: day, index });
    }
  }
  for (const c of carried) pieces[c.piece.day].push({ spec: c.piece.window, from: c.from, index: c.index, whole: false });

  const windows = {} as Record<Weekday, readonly WindowSpec[]>;
  const refused: Partial<Record<Weekday, WindowRefusal>> = {};
  for (const day of WEEKDAYS) {
    const list = pieces[day];
    const result = checkDayWindows(list.map((p) => p.spec));
    if ('windows' in result) {
      windows[day] = result.windows;
      continue;
    }
    const bad = list[result.index]!;
    const { problem } = result;
    const other = problem.code === 'overlap' ? list.find((p, i) => i !== result.index && p.spec === problem.other) : undefined;
    refused[bad.from] ??= {
      typed: typed[bad.from][bad.index]!,
      index: bad.index,
      piece: bad.whole ? null : { day, window: bad.spec },
      problem,
      otherFrom: other && other.from !== day ? other.from : null,
    };
  }
  return Object.keys(refused).length > 0 ? { refused } : { windows };
}

/** A line of the closed dates' text that is not a date, numbered from 1. */
export interface DateLineProblem {
  readonly line: number;
  readonly text: string;
}

/** Closed dates, one ISO date ("2026-12-31") a line; blank lines are skipped. Every bad line is named. */
export function parseDateLines(text: string): { dates: string[] } | { problems: DateLineProblem[] } {
  const dates: string[] = [];
  const problems: DateLineProblem[] = [];
  for (const [i, raw] of text.split(/\r\n|\r|\n/).entries()) {
    const line = raw.trim();
    if (line === '') continue;
    if (isIsoDate(line)) dates.push(line);
    else problems.push({ line: i + 1, text: line });
  }
  return problems.length > 0 ? { problems } : { dates: [...new Set(dates)].sort() };
}

/** Consecutive weekdays with the same windows (days without any are left out): "po–pá 08:00–16:00". */
export function weekRuns(windows: WeeklyWindows): { from: Weekday; to: Weekday; windows: readonly WindowSpec[] }[] {
  const runs: { from: Weekday; to: Weekday; windows: readonly WindowSpec[] }[] = [];
  let key: string | null = null;
  for (const day of WEEKDAYS) {
    const list = windows[day];
    const k = JSON.stringify(list);
    const last = runs[runs.length - 1];
    if (list.length > 0 && last && k === key) last.to = day;
    else if (list.length > 0) runs.push({ from: day, to: day, windows: list });
    key = list.length > 0 ? k : null;
  }
  return runs;
}

/** One local date of the preview. */
export interface PreviewDay {
  readonly isoDate: string;
  readonly weekday: Weekday;
  /** service intervals in local time, "HH:MM" ("24:00" = the next midnight) */
  readonly intervals: readonly { readonly start: HHMM; readonly end: HHMM }[];
  /** real elapsed service time (a night on a DST Sunday has an hour less or more) */
  readonly serviceMs: number;
  /** the country's public holiday on that date */
  readonly holiday: PublicHoliday | null;
  /** one of the calendar's extra closed dates */
  readonly extraClosed: boolean;
}

/**
 * The next `days` local dates of the calendar's zone from the one containing `from` (epoch ms):
 * each date's service intervals and total, with the engine's calendar (buildServiceCalendar:
 * public holidays ∪ extra closed dates) compiled the way the engine walks it.
 */
export function previewDays(config: CalendarConfig, from: number, days = 14): PreviewDay[] {
  const years = yearsAround(config.timezone, [from], 1);
  const cc = compile(buildServiceCalendar(config, years));
  const extra = new Set(config.holidays);
  const first = cc.dayIndexOf(from);
  const out: PreviewDay[] = [];
  for (let d = first; d < first + days; d++) {
    const day = cc.day(d);
    const local = (t: number): HHMM => (t === day.end ? '24:00' : DateTime.fromMillis(t, { zone: config.timezone }).toFormat('HH:mm'));
    const intervals: { start: HHMM; end: HHMM }[] = [];
    let serviceMs = 0;
    for (let i = 0; i < day.windows.length; i += 2) {
      const open = day.windows[i]!;
      const close = day.windows[i + 1]!;
      intervals.push({ start: local(open), end: local(close) });
      serviceMs += close - open;
    }
    const year = Number(day.isoDate.slice(0, 4));
    out.push({
      isoDate: day.isoDate,
      weekday: WEEKDAYS[day.weekday - 1]!,
      intervals,
      serviceMs,
      holiday: config.country === null ? null : (publicHolidays(config.country, year).find((h) => h.date === day.isoDate) ?? null),
      extraClosed: extra.has(day.isoDate),
    });
  }
  return out;
}
