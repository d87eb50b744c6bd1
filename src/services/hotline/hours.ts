import { isServiceInstant, weekRuns, WEEKDAYS, type WeeklyWindows, yearsAround } from '../../domain/sla/index.js';
import { cs } from '../../i18n/cs.js';
import type { Knex } from 'knex';
import type { Tx } from '../context.js';
import { serviceCalendar } from '../sla.js';

/** The contract's hotline calendar (HOTLINE.md §4): its own, else the contract's service calendar, in the contract's zone. */
export interface HotlineCalendarRow {
  timezone: string;
  windows: WeeklyWindows;
  holiday_country: string | null;
  extra_closed_dates: string[];
  service_day_minutes: number | null;
}

/** Joins the hotline calendar (as hk) of the contract c of a query; select HOTLINE_CALENDAR_COLUMNS. */
export function joinHotlineCalendar(q: Knex.QueryBuilder, db: Tx): Knex.QueryBuilder {
  return q.join('service_calendars as hk', 'hk.id', db.raw('coalesce(c.hotline_calendar_id, c.calendar_id)'));
}
export const HOTLINE_CALENDAR_COLUMNS = ['c.timezone', 'hk.windows', 'hk.holiday_country', 'hk.extra_closed_dates', 'hk.service_day_minutes'] as const;

/**
 * Whether the contract's hotline is open at `now` (the SLA engine's service instant: a window of
 * the weekday, not a holiday, in the contract's zone), and if not, its hours as the caller hears them.
 */
export function hotlineOpen(row: HotlineCalendarRow, now: number): { open: true } | { open: false; hours: string | null } {
  let calendar;
  try {
    calendar = serviceCalendar(row, yearsAround(row.timezone, [now]));
  } catch {
    // a stored calendar the engine refuses (no window at all) has no hours to offer
    return { open: false, hours: null };
  }
  if (isServiceInstant(calendar, now)) return { open: true };
  return { open: false, hours: hoursSentence(calendar.windows) };
}

const WORKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;

/** "v pracovní dny od 8:00 do 16:00", "denně od 0:00 do 24:00", "v pondělí od 8:00 do 12:00, od úterý do pátku od …"; null without any window. */
export function hoursSentence(windows: WeeklyWindows): string | null {
  const t = cs.hotline.hours;
  const runs = weekRuns(windows);
  if (runs.length === 0) return null;
  const spoken = (hhmm: string) => hhmm.replace(/^0(\d)/, '$1');
  return runs
    .map((run) => {
      const span = WEEKDAYS.indexOf(run.to) - WEEKDAYS.indexOf(run.from) + 1;
      const days =
        span === 7 ? t.everyDay
        : run.from === WORKDAYS[0] && run.to === WORKDAYS[4] ? t.workdays
        : span === 1 ? t.on[run.from]
        : `${t.fromDay[run.from]} ${t.toDay[run.to]}`;
      const times = run.windows.map(([from, to]) => t.window(spoken(from), spoken(to))).join(` ${t.and} `);
      return `${days} ${times}`;
    })
    .join(', ');
}
