/**
 * The calendar compiled to numbers: per local date, its service windows as epoch-ms pairs,
 * built once per calendar object from the zone's cached dates, so the engine's walks do plain
 * arithmetic. Calendars are treated as immutable: compile() caches by object identity.
 */
import { WEEKDAYS, minutesOf, serviceDayMinutes, type ServiceCalendar } from './calendar.js';
import { DAY_MS, zoneTimeline, type ZoneTimeline } from './zone.js';

export interface Day {
  /** Local midnight (epoch ms). */
  readonly start: number;
  /** Next local midnight (epoch ms). */
  readonly end: number;
  /** Service windows as [open, close, open, close, ...] epoch ms, sorted; empty on holidays. */
  readonly windows: readonly number[];
  readonly isoDate: string;
  /** 1 = Monday .. 7 = Sunday. */
  readonly weekday: number;
}

export class CompiledCalendar {
  /** W in ms. */
  readonly serviceDayMs: number;
  private readonly zone: ZoneTimeline;
  private readonly weekMinutes: readonly (readonly number[])[];
  private readonly holidays: ReadonlySet<string>;
  private readonly days = new Map<number, Day>();

  constructor(calendar: ServiceCalendar) {
    this.zone = zoneTimeline(calendar.timezone);
    this.holidays = calendar.holidays;
    this.serviceDayMs = serviceDayMinutes(calendar) * 60_000;
    this.weekMinutes = WEEKDAYS.map((wd) => calendar.windows[wd].flatMap(([s, e]) => [minutesOf(s), minutesOf(e)]));
  }

  /** Local midnight of day d (days since 1970-01-01 of the local date). */
  midnight(d: number): number {
    return this.zone.day(d).start;
  }

  /** The local date containing instant t. */
  dayIndexOf(t: number): number {
    return this.zone.dayIndexOf(t);
  }

  isHoliday(d: number): boolean {
    return this.holidays.has(this.zone.day(d).isoDate);
  }

  day(d: number): Day {
    let day = this.days.get(d);
    if (day === undefined) {
      day = this.build(d);
      this.days.set(d, day);
    }
    return day;
  }

  /**
   * The instants of day d whose local time lies in a window. Within a stretch of constant
   * offset o, local time hh:mm of the date is the instant d·24h + hh:mm − o; a DST day has two
   * such stretches, split at the switch. For validated windows (no boundary in 02:00–02:59) this
   * equals luxon's DateTime.fromObject per boundary (SLA.md §2.1); it also stays exact in zones
   * that switch at other hours, where fromObject would pick one of two repeated local times.
   */
  private build(d: number): Day {
    const { start, end, before, after, cut, isoDate, weekday } = this.zone.day(d);
    const windows: number[] = [];
    if (!this.holidays.has(isoDate)) {
      const minutes = this.weekMinutes[weekday - 1]!;
      this.clip(windows, minutes, d * DAY_MS - before, start, cut);
      if (cut < end) this.clip(windows, minutes, d * DAY_MS - after, cut, end);
    }
    return { start, end, windows, isoDate, weekday };
  }

  /** Appends the windows (local minutes from `base`) clipped to [from, to), merging touching pieces. */
  private clip(out: number[], minutes: readonly number[], base: number, from: number, to: number): void {
    for (let i = 0; i < minutes.length; i += 2) {
      const open = Math.max(base + minutes[i]! * 60_000, from);
      const close = Math.min(base + minutes[i + 1]! * 60_000, to);
      if (close <= open) continue;
      if (out[out.length - 1] === open) out[out.length - 1] = close;
      else out.push(open, close);
    }
  }
}

const compiled = new WeakMap<ServiceCalendar, CompiledCalendar>();

/** The compiled form of a calendar object, built once per object. */
export function compile(calendar: ServiceCalendar): CompiledCalendar {
  let cc = compiled.get(calendar);
  if (cc === undefined) {
    cc = new CompiledCalendar(calendar);
    compiled.set(calendar, cc);
  }
  return cc;
}
