import { DateTime } from 'luxon';
import {
  WEEKDAYS,
  buildServiceCalendar,
  parseCalendarConfig,
  type ServiceCalendar,
  type Weekday,
  type WindowSpec,
} from '../../../src/domain/sla/index.js';

export const PRAGUE = 'Europe/Prague';

/** Local wall time in Prague (or `zone`) → epoch ms. */
export function at(local: string, zone = PRAGUE): number {
  const dt = DateTime.fromISO(local, { zone });
  if (!dt.isValid) throw new Error(`bad test instant ${local}`);
  return dt.toMillis();
}

/** Epoch ms → ISO with the zone's offset, e.g. 2026-03-30T16:00:00.000+02:00. */
export function iso(ms: number | null, zone = PRAGUE): string | null {
  return ms === null ? null : DateTime.fromMillis(ms, { zone }).toISO();
}

export function week(days: Partial<Record<Weekday, WindowSpec[]>>): Record<Weekday, WindowSpec[]> {
  return Object.fromEntries(WEEKDAYS.map((d) => [d, days[d] ?? []])) as Record<Weekday, WindowSpec[]>;
}

export function everyDay(...windows: WindowSpec[]): Record<Weekday, WindowSpec[]> {
  return week(Object.fromEntries(WEEKDAYS.map((d) => [d, windows])));
}

export function workdays(...windows: WindowSpec[]): Record<Weekday, WindowSpec[]> {
  return week({ mon: windows, tue: windows, wed: windows, thu: windows, fri: windows });
}

export function calendar(config: {
  windows: Record<Weekday, WindowSpec[]>;
  country?: 'CZ' | null;
  holidays?: string[];
  timezone?: string;
  serviceDayMinutes?: number;
}): ServiceCalendar {
  const parsed = parseCalendarConfig({ timezone: PRAGUE, country: null, ...config });
  return buildServiceCalendar(parsed, { from: 2024, to: 2030 });
}

/** Mon–Fri 08:00–16:00 with Czech public holidays. */
export const office = calendar({ windows: workdays(['08:00', '16:00']), country: 'CZ' });
/** Mon–Fri 08:00–12:00 + 13:00–17:00 with Czech public holidays. */
export const lunch = calendar({ windows: workdays(['08:00', '12:00'], ['13:00', '17:00']), country: 'CZ' });
/** 00:00–24:00 every day, no holidays. */
export const allDay = calendar({ windows: everyDay(['00:00', '24:00']) });
