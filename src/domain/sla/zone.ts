/**
 * Local dates of a time zone as epoch-ms numbers: each date's midnight, the next midnight and,
 * on DST days, the instant of the switch. Computed with luxon once per zone and date, shared
 * by every calendar in that zone (a memo of a pure function; results never change).
 */
import { DateTime, IANAZone } from 'luxon';
import { SlaInputError } from './errors.js';

export const DAY_MS = 86_400_000;

export interface ZoneDay {
  /** Local midnight (epoch ms); luxon moves a midnight inside a DST gap forward. */
  readonly start: number;
  /** The next local midnight: 23 h or 25 h after `start` on DST days. */
  readonly end: number;
  /** UTC offset (ms) at `start`, and from `cut` to `end` (the same as `before` when nothing switches). */
  readonly before: number;
  readonly after: number;
  /** The DST switch instant, or `end` on an ordinary day. */
  readonly cut: number;
  readonly isoDate: string;
  /** 1 = Monday .. 7 = Sunday. */
  readonly weekday: number;
}

/** 1970-01-01 (day 0) was a Thursday (4). */
export function weekdayOf(d: number): number {
  return ((((d + 3) % 7) + 7) % 7) + 1;
}

export class ZoneTimeline {
  private readonly tz: IANAZone;
  private readonly midnights = new Map<number, number>();
  private readonly days = new Map<number, ZoneDay>();
  private readonly offsetGuessMs: number;

  constructor(readonly name: string) {
    this.tz = IANAZone.create(name);
    this.offsetGuessMs = this.offsetMs(0);
  }

  private offsetMs(t: number): number {
    return this.tz.offset(t) * 60_000;
  }

  private midnight(d: number): number {
    let ms = this.midnights.get(d);
    if (ms === undefined) {
      const date = new Date(d * DAY_MS);
      ms = DateTime.fromObject(
        { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() },
        { zone: this.name },
      ).toMillis();
      this.midnights.set(d, ms);
    }
    return ms;
  }

  /** Day index d = days since 1970-01-01 of a local date. */
  day(d: number): ZoneDay {
    let day = this.days.get(d);
    if (day === undefined) {
      const start = this.midnight(d);
      const end = this.midnight(d + 1);
      const before = this.offsetMs(start);
      const after = this.offsetMs(end - 1);
      let cut = end;
      if (after !== before) {
        // the first instant whose offset is no longer `before`
        let lo = start;
        let hi = end - 1;
        while (hi - lo > 1) {
          const mid = Math.floor((lo + hi) / 2);
          if (this.offsetMs(mid) === before) lo = mid;
          else hi = mid;
        }
        cut = hi;
      }
      const isoDate = new Date(d * DAY_MS).toISOString().slice(0, 10);
      day = { start, end, before, after, cut, isoDate, weekday: weekdayOf(d) };
      this.days.set(d, day);
    }
    return day;
  }

  /** The UTC offset (ms) at instant t. */
  offsetAt(t: number): number {
    const day = this.day(this.dayIndexOf(t));
    return t < day.cut ? day.before : day.after;
  }

  /** The local date containing instant t. */
  dayIndexOf(t: number): number {
    let d = Math.floor((t + this.offsetGuessMs) / DAY_MS);
    while (t < this.day(d).start) d--;
    while (t >= this.day(d).end) d++;
    return d;
  }
}

const timelines = new Map<string, ZoneTimeline>();

export function zoneTimeline(name: string): ZoneTimeline {
  let timeline = timelines.get(name);
  if (timeline === undefined) {
    if (!IANAZone.isValidZone(name)) throw new SlaInputError('calendar.timezone', `unknown time zone "${name}"`);
    timeline = new ZoneTimeline(name);
    timelines.set(name, timeline);
  }
  return timeline;
}

/**
 * The zone as luxon's, its offsets read from the timeline's cached days: luxon's own IANAZone
 * asks Intl for every DateTime it makes (formatToParts, about a tenth of a ticket creation's
 * CPU in the SLA's results). Same type and name, so luxon treats it as the IANA zone it is.
 */
class TimelineZone extends IANAZone {
  constructor(private readonly timeline: ZoneTimeline) {
    super(timeline.name);
  }

  override offset(ts: number): number {
    return Number.isFinite(ts) ? this.timeline.offsetAt(ts) / 60_000 : NaN;
  }
}

const luxonZones = new Map<string, IANAZone>();

/** The luxon zone of a valid zone name, for DateTime.fromMillis(ms, { zone }). */
export function luxonZone(name: string): IANAZone {
  let zone = luxonZones.get(name);
  if (zone === undefined) {
    zone = new TimelineZone(zoneTimeline(name));
    luxonZones.set(name, zone);
  }
  return zone;
}
