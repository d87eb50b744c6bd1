/**
 * Public holidays from date-holidays (types: ['public'] only, so observances such as Maundy
 * Thursday never close the service). A library call, no I/O; kept apart so the engine stays a
 * pure function of a Set of ISO dates.
 */
import Holidays from 'date-holidays';
import type { CalendarConfig, Country, ServiceCalendar } from './calendar.js';
import { DAY_MS, zoneTimeline } from './zone.js';

const libraries = new Map<string, Holidays>();
const byYear = new Map<string, readonly PublicHoliday[]>();

function library(country: Country): Holidays {
  let hd = libraries.get(country);
  if (!hd) {
    hd = new Holidays(country, { types: ['public'] });
    libraries.set(country, hd);
  }
  return hd;
}

/** A public holiday: its ISO date and its name in the country's language (Czech for CZ). */
export interface PublicHoliday {
  readonly date: string;
  readonly name: string;
}

/** The country's public holidays of one year, by date. */
export function publicHolidays(country: Country, year: number): readonly PublicHoliday[] {
  const key = `${country}:${year}`;
  let list = byYear.get(key);
  if (!list) {
    list = library(country)
      .getHolidays(year)
      .filter((h) => h.type === 'public')
      .map((h) => ({ date: h.date.slice(0, 10), name: h.name }))
      .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    byYear.set(key, list);
  }
  return list;
}

/** The country's public holidays in the given years, as sorted ISO dates. */
export function holidaysFor(country: Country, years: Iterable<number>): string[] {
  const out = new Set<string>();
  for (const year of years) for (const h of publicHolidays(country, year)) out.add(h.date);
  return [...out].sort();
}

export interface YearRange {
  readonly from: number;
  readonly to: number;
}

/**
 * Years whose holidays a computation around `instants` (epoch ms) may touch: one year back
 * (a local date can precede the UTC year) up to `ahead` years after the latest instant, which
 * covers the engine's 3-year walk bound.
 */
export function yearsAround(timezone: string, instants: readonly number[], ahead = 4): YearRange {
  if (instants.length === 0) throw new RangeError('yearsAround needs at least one instant');
  const timeline = zoneTimeline(timezone);
  const years = instants.map((t) => new Date(timeline.dayIndexOf(t) * DAY_MS).getUTCFullYear());
  return { from: Math.min(...years) - 1, to: Math.max(...years) + ahead };
}

/** The engine's calendar: the country's public holidays over `years` ∪ the contract's extra dates. */
export function buildServiceCalendar(config: CalendarConfig, years: YearRange): ServiceCalendar {
  const holidays = new Set(config.holidays);
  if (config.country !== null) {
    const range: number[] = [];
    for (let y = years.from; y <= years.to; y++) range.push(y);
    for (const d of holidaysFor(config.country, range)) holidays.add(d);
  }
  return {
    timezone: config.timezone,
    windows: config.windows,
    holidays,
    ...(config.serviceDayMinutes === undefined ? {} : { serviceDayMinutes: config.serviceDayMinutes }),
  };
}
