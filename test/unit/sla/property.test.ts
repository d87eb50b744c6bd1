/**
 * The engine against a minute-stepping oracle (SLA.md §2.5) on random calendars, starts,
 * amounts and pauses. All random instants and window boundaries lie on whole minutes and the
 * zones change offset only at whole quarter hours (UTC), so counting whole minutes is exact.
 * Besides Europe/Prague the zones include ones that switch at other local hours (New York
 * repeats 01:00–01:59, Santiago skips midnight, Lord Howe shifts by 30 minutes).
 *
 * The engine bounds every walk to WALK_LIMIT_DAYS (3 years, SLA.md §2.5 step 5) and throws
 * SlaWalkLimitError beyond it: a documented rule, not a bug. The generator therefore keeps the
 * amount of a sparse calendar within what that calendar serves in the bound (a calendar too
 * sparse for even two units is not generated), and one example below pins the rule itself.
 *
 * Replaying a failure: the failure message shows fast-check's `seed` (and `path`), and the
 * runner prints the replay command. Run
 *   FC_SEED=<seed> npx vitest run test/unit/sla/property.test.ts
 * to run the same cases again (FC_PATH=<path> as well goes straight to the shrunk
 * counterexample; SLA_PROPERTY_RUNS=<n> changes the number of cases).
 */
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it, onTestFailed } from 'vitest';
import {
  SLA_METHODS,
  SlaWalkLimitError,
  WALK_LIMIT_DAYS,
  WEEKDAYS,
  buildServiceCalendar,
  dueAt,
  elapsed,
  isServiceInstant,
  measurementStart,
  parseCalendarConfig,
  type Interval,
  type ServiceCalendar,
  type SlaMethod,
  type SlaTarget,
} from '../../../src/domain/sla/index.js';

const MIN = 60_000;
const DAY = 86_400_000;

// ---- the oracle: counts minute by minute, local time from the zone's offset per UTC quarter hour ----
interface OracleCalendar {
  zone: string;
  week: [number, number][][]; // index 0 = Monday, minutes of the local day
  holidays: Set<number>; // local dates as days since 1970-01-01
  W: number;
}
function oracle(cal: OracleCalendar) {
  const offsets = new Map<number, number>();
  const local = (t: number) => {
    const quarter = Math.floor(t / 900_000);
    let off = offsets.get(quarter);
    if (off === undefined) offsets.set(quarter, (off = DateTime.fromMillis(quarter * 900_000, { zone: cal.zone }).offset * MIN));
    const day = Math.floor((t + off) / DAY);
    return { day, weekday: (((day + 3) % 7) + 7) % 7, minute: Math.floor((t + off - day * DAY) / MIN) };
  };
  const inService = (t: number) => {
    const l = local(t);
    return !cal.holidays.has(l.day) && cal.week[l.weekday]!.some(([s, e]) => s <= l.minute && l.minute < e);
  };
  const step = (t: number, until: (t: number) => boolean) => {
    for (let n = 0; !until(t); n++, t += MIN) if (n > 3_000_000) throw new Error('oracle ran away');
    return t;
  };
  const m0 = (method: SlaMethod, target: SlaTarget, start: number) => {
    const today = local(start).day;
    if (target === 'reaction' && method === 'ND-Hod') return step(step(start, (t) => local(t).day > today), inService);
    if (target === 'reaction' && method === 'NBD-Hod') {
      const nbd = (t: number) => local(t).day > today && local(t).weekday < 5 && !cal.holidays.has(local(t).day);
      return step(step(start, nbd), inService);
    }
    return start;
  };
  const unit = (m: SlaMethod) => ({ Hod: 60, 'ND-Hod': 60, 'NBD-Hod': 60, Min: 1, 'Min-Cont': 1, Den: cal.W, 'Den-Cont': 1440 })[m];
  const counts = (m: SlaMethod, running: Interval[], t: number) =>
    (m.endsWith('-Cont') || inService(t)) && running.some((r) => r.from <= t && t < r.to);
  return {
    inService,
    m0,
    due(m: SlaMethod, target: SlaTarget, amount: number, start: number, running: Interval[]) {
      let left = amount * unit(m);
      return step(m0(m, target, start), (t) => {
        if (left === 0) return true;
        if (counts(m, running, t)) left--;
        return false;
      });
    },
    elapsed(m: SlaMethod, target: SlaTarget, start: number, end: number, running: Interval[]) {
      let n = 0;
      for (let t = m0(m, target, start); t < end; t += MIN) if (counts(m, running, t)) n++;
      return n / unit(m);
    },
  };
}

// ---- random cases ----

/**
 * The largest amount of `method` that the weekly `week` surely serves within the engine's walk
 * bound from any start: whole weeks of the bound, less a margin for the pauses (the last
 * running piece starts up to 17 days late), the ND/NBD measurement start, a partial week, up
 * to 6 holidays of a whole day each and an hour for each offset change. Continuous methods
 * count every instant and are never sparse.
 */
function maxAmountWithinWalk(method: SlaMethod, week: [number, number][][], W: number): number {
  if (method.endsWith('-Cont')) return Number.MAX_SAFE_INTEGER;
  const daily = week.map((d) => d.reduce((sum, [s, e]) => sum + e - s, 0));
  const weekly = daily.reduce((a, b) => a + b, 0);
  const weeks = Math.floor((WALK_LIMIT_DAYS - 70) / 7);
  const served = weeks * weekly - 6 * Math.max(...daily) - 6 * 60;
  const unit = method === 'Min' ? 1 : method === 'Den' ? W : 60;
  return Math.floor(served / unit);
}

const GRID = Array.from({ length: 97 }, (_, i) => i * 15).filter((m) => m < 120 || m >= 180); // 00:00..24:00, no 02:xx
const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

const dayArb: fc.Arbitrary<[number, number][]> = fc.oneof(
  fc.uniqueArray(fc.constantFrom(...GRID), { minLength: 2, maxLength: 4 }).map((points) => {
    const sorted = [...points].sort((a, b) => a - b);
    const out: [number, number][] = [];
    for (let i = 0; i + 1 < sorted.length; i += 2) out.push([sorted[i]!, sorted[i + 1]!]);
    return out;
  }),
  fc.constant<[number, number][]>([]),
  fc.constant<[number, number][]>([[0, 1440]]),
  fc.constant<[number, number][]>([[480, 960]]),
);

const ZONES = ['Europe/Prague', 'America/New_York', 'America/Santiago', 'Australia/Lord_Howe', 'Asia/Kolkata'];
const FROM = Date.parse('2026-01-01T00:00:00Z');
const TO = Date.parse('2027-12-31T00:00:00Z');

/** UTC noons just after each offset change of the zone in 2026–2027. */
function switchesOf(zone: string): number[] {
  const out: number[] = [];
  for (let t = FROM + DAY / 2; t < TO; t += DAY) {
    if (DateTime.fromMillis(t, { zone }).offset !== DateTime.fromMillis(t - DAY, { zone }).offset) out.push(t);
  }
  return out;
}

const startArbs = new Map(
  ZONES.map((zone) => {
    const switches = switchesOf(zone);
    const uniform = fc.integer({ min: FROM / MIN, max: TO / MIN }).map((m) => m * MIN);
    if (switches.length === 0) return [zone, uniform] as const;
    const nearSwitch = fc
      .tuple(fc.constantFrom(...switches), fc.integer({ min: -4 * 1440, max: 2 * 1440 }))
      .map(([s, m]) => s + m * MIN);
    return [zone, fc.oneof(uniform, nearSwitch)] as const;
  }),
);
const zoneAndStartArb = fc
  .constantFrom(ZONES[0]!, ...ZONES) // Prague twice as often
  .chain((zone) => fc.record({ zone: fc.constant(zone), start: startArbs.get(zone)! }));

const caseArb = fc
  .record({
    zs: zoneAndStartArb,
    week: fc.array(dayArb, { minLength: 7, maxLength: 7 }),
    holidayOffsets: fc.uniqueArray(fc.integer({ min: -2, max: 40 }), { maxLength: 6 }),
    serviceDayMinutes: fc.option(fc.integer({ min: 60, max: 1440 }), { nil: undefined }),
    method: fc.constantFrom(...SLA_METHODS),
    target: fc.constantFrom<SlaTarget>('reaction', 'resolution'),
    amount: fc.integer({ min: 1, max: 40 }),
    pauses: fc.array(fc.tuple(fc.integer({ min: 0, max: 14 * 1440 }), fc.integer({ min: 1, max: 3 * 1440 })), { maxLength: 3 }),
    endFraction: fc.double({ min: 0, max: 1.2, noNaN: true }),
  })
  .map(({ zs, ...c }) => ({ ...c, ...zs }))
  .map((c) => {
    const week = c.week.some((d) => d.length > 0) ? c.week : [[[480, 960]] as [number, number][], ...c.week.slice(1)];
    const startDay = Math.floor(c.start / DAY);
    const holidayDays = c.holidayOffsets.map((o) => startDay + o);
    const isoOf = (d: number) => new Date(d * DAY).toISOString().slice(0, 10);
    const config = parseCalendarConfig({
      timezone: c.zone,
      country: null,
      windows: Object.fromEntries(WEEKDAYS.map((wd, i) => [wd, week[i]!.map(([s, e]) => [hhmm(s), hhmm(e)])])),
      holidays: holidayDays.map(isoOf),
      ...(c.serviceDayMinutes === undefined ? {} : { serviceDayMinutes: c.serviceDayMinutes }),
    });
    const calendar: ServiceCalendar = buildServiceCalendar(config, { from: 2025, to: 2031 });
    const longest = Math.max(...week.map((d) => d.reduce((sum, [s, e]) => sum + e - s, 0)));
    const oc: OracleCalendar = { zone: c.zone, week, holidays: new Set(holidayDays), W: c.serviceDayMinutes ?? longest };
    // the properties ask for amount and amount + 1 units: both must lie within the walk bound
    const amount = Math.min(c.amount, maxAmountWithinWalk(c.method, week, oc.W) - 1);
    // running set: [start, ∞) minus the pauses
    const cuts = c.pauses.map(([off, len]) => [c.start + off * MIN, c.start + (off + len) * MIN] as const).sort((a, b) => a[0] - b[0]);
    const running: Interval[] = [];
    let from = c.start;
    for (const [a, b] of cuts) {
      if (a > from) running.push({ from, to: a });
      from = Math.max(from, b);
    }
    running.push({ from, to: Infinity });
    return { ...c, amount, calendar, oc, running };
  })
  // a calendar too sparse to serve even two units within the walk bound is not generated
  .filter((c) => c.amount >= 1);

// SLA_PROPERTY_RUNS=20000 for a long bug hunt; the default keeps the file at a few seconds.
// FC_SEED replays a run (see the header); without it every run draws a seed of its own.
function seedFromEnv(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0;
  const seed = Number(value);
  if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${JSON.stringify(value)}`);
  return seed;
}
const seed = seedFromEnv(process.env.FC_SEED);
const params: fc.Parameters<unknown> = {
  numRuns: Number(process.env.SLA_PROPERTY_RUNS ?? 400),
  seed,
  ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
};
const timeout = Math.max(60_000, (params.numRuns ?? 400) * 30);

/** Whatever fails the test (an assertion, an exception, a timeout), the runner shows how to replay it. */
function replayHint(): void {
  onTestFailed(() => {
    console.error(`\nReplay this property run with: FC_SEED=${seed} npx vitest run test/unit/sla/property.test.ts\n`);
  });
}

describe('engine vs minute-stepping oracle', () => {
  it('agrees on WDIN/WDOUT, measurement start, due and elapsed', () => {
    replayHint();
    fc.assert(
      fc.property(caseArb, (c) => {
        const o = oracle(c.oc);
        expect(isServiceInstant(c.calendar, c.start)).toBe(o.inService(c.start));
        const m0 = measurementStart(c.calendar, c.method, c.target, c.start);
        expect(m0).toBe(o.m0(c.method, c.target, c.start));
        const due = dueAt(c.calendar, c.method, c.target, c.amount, c.start, c.running)!;
        expect(due).toBe(o.due(c.method, c.target, c.amount, c.start, c.running));
        const end = c.start + Math.round(((due - c.start) * c.endFraction) / MIN) * MIN;
        expect(elapsed(c.calendar, c.method, c.target, c.start, end, c.running)).toBeCloseTo(
          o.elapsed(c.method, c.target, c.start, end, c.running),
          9,
        );
      }),
      params,
    );
  }, timeout);

  it('elapsed(start → due(n)) = n and due is strictly increasing in n', () => {
    replayHint();
    fc.assert(
      fc.property(caseArb, (c) => {
        const due = (n: number) => dueAt(c.calendar, c.method, c.target, n, c.start, c.running)!;
        const d = due(c.amount);
        expect(elapsed(c.calendar, c.method, c.target, c.start, d, c.running)).toBe(c.amount);
        expect(due(c.amount + 1)).toBeGreaterThan(d);
        expect(d).toBeGreaterThan(measurementStart(c.calendar, c.method, c.target, c.start));
        if (c.amount > 1) expect(due(c.amount - 1)).toBeLessThan(d);
      }),
      params,
    );
  }, timeout);
});

describe('the walk bound (SLA.md §2.5 step 5)', () => {
  // found by the property test before its generator respected the bound: 195 service minutes a
  // week cannot serve 28 days of 1,429 minutes within 3 years
  const sparse = buildServiceCalendar(
    parseCalendarConfig({
      timezone: 'America/Santiago',
      country: null,
      windows: { mon: [['04:30', '06:30']], tue: [], wed: [['03:15', '04:30']], thu: [], fri: [], sat: [], sun: [] },
      holidays: [],
      serviceDayMinutes: 1429,
    }),
    { from: 2025, to: 2031 },
  );
  const start = Date.parse('2026-07-22T11:29:00Z');

  it('a valid calendar too sparse for the amount ends the walk with SlaWalkLimitError instead of looping', () => {
    expect(() => dueAt(sparse, 'Den', 'reaction', 28, start)).toThrow(SlaWalkLimitError);
    expect(() => dueAt(sparse, 'Den', 'reaction', 28, start)).toThrow(`no answer within ${WALK_LIMIT_DAYS} days`);
  });

  it('the same calendar answers an amount it serves within the bound, and the generator keeps to such amounts', () => {
    const max = maxAmountWithinWalk('Den', [[[270, 390]], [], [[195, 270]], [], [], [], []], 1429);
    expect(max).toBeGreaterThanOrEqual(2);
    expect(max).toBeLessThan(28);
    const due = dueAt(sparse, 'Den', 'reaction', max, start)!;
    expect(elapsed(sparse, 'Den', 'reaction', start, due)).toBe(max);
    expect(due - start).toBeLessThan(WALK_LIMIT_DAYS * DAY);
  });
});
