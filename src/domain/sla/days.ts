/**
 * The calendar compiled to numbers: per local date, its midnight and its service windows as
 * epoch-ms pairs. Each date is converted with luxon once and cached, so the engine's walks do
 * plain arithmetic on numbers.
 */
import { DateTime, IANAZone } from 'luxon';
import { WEEKDAYS, minutesOf, serviceDayMinutes, type ServiceCalendar } from './calendar.js';
import { SlaInputError } from './errors.js';

const DAY_MS = 86_400_000;

export interface Day {
  /** Local midnight (epoch ms). */
  readonly start: number;
  /** Next local midnight (epoch ms): 23 h or 25 h on DST switch days. */
  readonly end: number;
  /** Service windows as [open, close, open, close, ...] epoch ms; empty on holidays. */
  readonly windows: readonly number[];
  readonly isoDate: string;
  /** 1 = Monday .. 7 = Sunday. */
  readonly weekday: number;
}

/** Day index d = days since 1970-01-01 of a local date. */
function civil(d: number): { year: number; month: number; day: number } {
  const date = new Date(d * DAY_MS);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

function isoOf(d: number): string {
  return new Date(d * DAY_MS).toISOString().slice(0, 10);
}

/** 1970-01-01 was a Thursday (4). */
export function weekdayOf(d: number): number {
  return ((((d + 3) % 7) + 7) % 7) + 1;
}

export class CompiledCalendar {
  readonly zone: string;
  /** W in ms. */
  readonly serviceDayMs: number;
  private readonly tz: IANAZone;
  private readonly weekMinutes: readonly (readonly number[])[];
  private readonly holidays: ReadonlySet<string>;
  private readonly midnights = new Map<number, number>();
  private readonly days = new Map<number, Day>();
  private readonly offsetGuessMs: number;

  constructor(calendar: ServiceCalendar) {
    if (!IANAZone.isValidZone(calendar.timezone)) {
      throw new SlaInputError('calendar.timezone', `unknown time zone "${calendar.timezone}"`);
    }
    this.zone = calendar.timezone;
    this.tz = IANAZone.create(this.zone);
    this.holidays = calendar.holidays;
    this.serviceDayMs = serviceDayMinutes(calendar) * 60_000;
    this.weekMinutes = WEEKDAYS.map((wd) => calendar.windows[wd].flatMap(([s, e]) => [minutesOf(s), minutesOf(e)]));
    this.offsetGuessMs = this.offsetMs(0);
  }

  /** Local midnight of day d (luxon moves a midnight that falls into a DST gap forward). */
  midnight(d: number): number {
    let ms = this.midnights.get(d);
    if (ms === undefined) {
      ms = DateTime.fromObject(civil(d), { zone: this.zone }).toMillis();
      this.midnights.set(d, ms);
    }
    return ms;
  }

  /** The local date containing instant t. */
  dayIndexOf(t: number): number {
    let d = Math.floor((t + this.offsetGuessMs) / DAY_MS);
    while (t < this.midnight(d)) d--;
    while (t >= this.midnight(d + 1)) d++;
    return d;
  }

  day(d: number): Day {
    let day = this.days.get(d);
    if (day === undefined) {
      day = this.build(d);
      this.days.set(d, day);
    }
    return day;
  }

  isHoliday(d: number): boolean {
    return this.holidays.has(isoOf(d));
  }

  private offsetMs(t: number): number {
    return this.tz.offset(t) * 60_000;
  }

  /** The first instant in (lo, hi] whose offset differs from `offset` (offset(hi) must differ). */
  private transition(lo: number, hi: number, offset: number): number {
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.offsetMs(mid) === offset) lo = mid;
      else hi = mid;
    }
    return hi;
  }

  /**
   * The instants of day d whose local time lies in a window. Within a stretch of constant
   * offset o, local time hh:mm of the date is the instant d·24h + hh:mm − o; a DST day has two
   * such stretches, split at the switch. For validated windows (no boundary in 02:00–02:59) this
   * equals luxon's DateTime.fromObject per boundary; it also stays exact in zones that switch
   * at other hours, where fromObject would pick one of two repeated local times.
   */
  private build(d: number): Day {
    const start = this.midnight(d);
    const end = this.midnight(d + 1);
    const weekday = weekdayOf(d);
    const isoDate = isoOf(d);
    const windows: number[] = [];
    if (!this.holidays.has(isoDate)) {
      const minutes = this.weekMinutes[weekday - 1]!;
      const before = this.offsetMs(start);
      const after = this.offsetMs(end - 1);
      const cut = before === after ? end : this.transition(start, end - 1, before);
      const stretches: [number, number, number][] = [[start, cut, before]];
      if (cut < end) stretches.push([cut, end, after]);
      for (const [from, to, offset] of stretches) {
        const base = d * DAY_MS - offset;
        for (let i = 0; i < minutes.length; i += 2) {
          const open = Math.max(base + minutes[i]! * 60_000, from);
          const close = Math.min(base + minutes[i + 1]! * 60_000, to);
          if (close <= open) continue;
          if (windows[windows.length - 1] === open) windows[windows.length - 1] = close;
          else windows.push(open, close);
        }
      }
    }
    return { start, end, windows, isoDate, weekday };
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
