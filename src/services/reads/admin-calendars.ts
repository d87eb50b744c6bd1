/**
 * What the admin's calendar pages show (issue 10): the list with how many contracts use each
 * calendar, and one calendar with its contracts (for SLA or for the hotline), the next 14 days'
 * service time, the Czech public holidays of this and next year and its audit trail. On the
 * ordinary pool.
 */
import { DateTime } from 'luxon';
import {
  DEFAULT_TIMEZONE,
  parseCalendarConfig,
  previewDays,
  type PreviewDay,
  publicHolidays,
  type PublicHoliday,
  type WeeklyWindows,
  type Weekday,
  WEEKDAYS,
  weekRuns,
} from '../../domain/sla/index.js';
import { FINAL_STATES } from '../../domain/states.js';
import { type AuditEntry, auditTrail } from './audit.js';
import type { Reads } from './pools.js';

export interface CalendarRow {
  id: number;
  name: string;
  windows: WeeklyWindows;
  holiday_country: string | null;
  extra_closed_dates: string[];
  service_day_minutes: number | null;
  updated_at: Date;
}

export interface CalendarListRow extends CalendarRow {
  /** contracts using it for SLA or for the hotline */
  contracts: number;
  runs: ReturnType<typeof weekRuns>;
}

const COLUMNS = ['k.id', 'k.name', 'k.windows', 'k.holiday_country', 'k.extra_closed_dates', 'k.service_day_minutes', 'k.updated_at'];

/** Every calendar by name, with the number of contracts that use it and its week in runs of equal days. */
export async function listCalendars(pools: Reads): Promise<CalendarListRow[]> {
  const rows = (await pools
    .db('service_calendars as k')
    .select(
      ...COLUMNS,
      pools.db.raw('(select count(*)::int from contracts c where c.calendar_id = k.id or c.hotline_calendar_id = k.id) as contracts'),
    )
    .orderBy('k.name')) as (CalendarRow & { contracts: number })[];
  return rows.map((r) => ({ ...r, runs: weekRuns(r.windows) }));
}

export interface CalendarContract {
  id: number;
  number: string;
  name: string;
  company_id: number;
  company_name: string;
  timezone: string;
  /** its SLA calendar */
  sla: boolean;
  /** its hotline calendar */
  hotline: boolean;
  /** open tickets (their stored SLA follows this calendar when `sla`) */
  open_tickets: number;
}

export interface CalendarPage {
  calendar: CalendarRow;
  contracts: CalendarContract[];
  /** the zone the preview is in: its contracts' one zone, else the vendor's */
  zone: string;
  preview: PreviewDay[];
  /** the Czech public holidays of this year and the next */
  holidays: { year: number; days: (PublicHoliday & { weekday: Weekday })[] }[];
  trail: AuditEntry[];
}

/** One calendar's page at `now`, or null when there is no such calendar. */
export async function calendarPage(pools: Reads, id: number, now = new Date()): Promise<CalendarPage | null> {
  const calendar = (await pools.db('service_calendars as k').where('k.id', id).first(...COLUMNS)) as CalendarRow | undefined;
  if (!calendar) return null;
  const contracts = (await pools
    .db('contracts as c')
    .join('companies as co', 'co.id', 'c.company_id')
    .where((q) => q.where('c.calendar_id', id).orWhere('c.hotline_calendar_id', id))
    .orderBy('c.number')
    .select(
      'c.id', 'c.number', 'c.name', 'c.company_id', 'co.name as company_name', 'c.timezone',
      pools.db.raw('c.calendar_id = ? as sla', [id]),
      pools.db.raw('coalesce(c.hotline_calendar_id = ?, false) as hotline', [id]),
      pools.db.raw('(select count(*)::int from tickets t where t.contract_id = c.id and t.state <> all(?::text[])) as open_tickets', [[...FINAL_STATES]]),
    )) as CalendarContract[];
  const zones = [...new Set(contracts.map((c) => c.timezone))];
  const zone = zones.length === 1 ? zones[0]! : DEFAULT_TIMEZONE;
  const config = parseCalendarConfig({
    timezone: zone,
    windows: calendar.windows,
    country: calendar.holiday_country,
    holidays: calendar.extra_closed_dates,
    ...(calendar.service_day_minutes ? { serviceDayMinutes: calendar.service_day_minutes } : {}),
  });
  const year = DateTime.fromJSDate(now, { zone }).year;
  return {
    calendar,
    contracts,
    zone,
    preview: previewDays(config, now.getTime()),
    holidays: [year, year + 1].map((y) => ({
      year: y,
      days: publicHolidays('CZ', y).map((h) => ({ ...h, weekday: WEEKDAYS[DateTime.fromISO(h.date, { zone: 'utc' }).weekday - 1]! })),
    })),
    trail: await auditTrail(pools, [{ type: 'calendar', id }]),
  };
}
