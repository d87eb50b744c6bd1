/**
 * SLA engine throughput on one core: due and elapsed computations per second for each method
 * over a CZ office-hours calendar (Mon–Fri 08:00–16:00, Czech public holidays), amounts 1–40
 * units, state histories of 2–20 events. Run: npm run bench:sla. About 3 s per method.
 *
 * Environment: BENCH_SLA_SCALE (default 1) multiplies the time of every measurement, e.g. 0.05
 * for a quick check that the benchmark runs (its figures then say little).
 */
import { performance } from 'node:perf_hooks';
import {
  SLA_METHODS,
  buildServiceCalendar,
  consumedMs,
  dueAt,
  evaluateClock,
  parseCalendarConfig,
  runningIntervals,
  type Interval,
  type SlaMethod,
  type StateChange,
  type StateCode,
} from '../../src/domain/sla/index.js';
import { OFFICE_HOURS } from '../support/calendars.js';
import { num } from '../support/env.js';

const SCALE = num('BENCH_SLA_SCALE', 1);
const SECONDS = { due: 0.8 * SCALE, elapsed: 0.8 * SCALE, clock: 0.5 * SCALE, cold: 0.4 * SCALE }; // per method and measurement
const CASES = 4000;

/** mulberry32: a small seeded PRNG so every run measures the same cases. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NEXT: Record<StateCode, StateCode[]> = {
  new: ['accepted'],
  accepted: ['escalated', 'paused', 'resolved'],
  escalated: ['paused', 'resolved'],
  paused: ['accepted', 'escalated'],
  resolved: ['complained', 'closed'],
  complained: ['accepted', 'escalated', 'paused', 'resolved'],
  closed: [],
  cancelled: [],
};

interface Case {
  start: number;
  amount: number;
  events: StateChange<number>[];
  /** Resolution running set, continued from the last event so that a due exists. */
  dueRunning: readonly Interval[];
  running: readonly Interval[];
  end: number;
}

function makeCases(random: () => number): Case[] {
  const year2026 = Date.parse('2026-01-01T00:00:00Z');
  const cases: Case[] = [];
  for (let i = 0; i < CASES; i++) {
    const start = year2026 + Math.floor(random() * 365 * 1440) * 60_000;
    const amount = 1 + Math.floor(random() * 40);
    const count = 2 + Math.floor(random() * 19);
    const events: StateChange<number>[] = [];
    let state: StateCode = 'new';
    let t = start;
    while (events.length < count && NEXT[state].length > 0) {
      t += (5 + Math.floor(random() * 2 * 1440)) * 60_000;
      const options: StateCode[] = NEXT[state];
      state = options[Math.floor(random() * options.length)]!;
      events.push({ at: t, to: state });
    }
    const { running } = runningIntervals('resolution', start, events);
    const last = running[running.length - 1];
    const dueRunning =
      last === undefined || last.to === Infinity ? running : [...running, { from: last.to, to: Infinity }];
    cases.push({ start, amount, events, running, dueRunning, end: t + 86_400_000 });
  }
  return cases;
}

/** Calls `fn(i)` over the cases for about `seconds`; returns calls per second. */
function rate(seconds: number, fn: (i: number) => unknown): number {
  let calls = 0;
  const t0 = performance.now();
  const limit = t0 + seconds * 1000;
  let now = t0;
  while (now < limit) {
    for (let k = 0; k < 256; k++) fn((calls + k) % CASES);
    calls += 256;
    now = performance.now();
  }
  return calls / ((now - t0) / 1000);
}

const config = parseCalendarConfig({ timezone: 'Europe/Prague', country: 'CZ', windows: OFFICE_HOURS });
const calendar = buildServiceCalendar(config, { from: 2025, to: 2031 });
const cases = makeCases(prng(20261125));
const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(12);

console.log(`SLA engine, one core, ${CASES} cases per method, histories of 2–20 events, amounts 1–40`);
console.log('calendar: Europe/Prague, Mon–Fri 08:00–16:00, CZ public holidays 2025–2031\n');
console.log(`${'method'.padEnd(10)}${'due/s'.padStart(12)}${'elapsed/s'.padStart(12)}${'clock/s'.padStart(12)}${'due/s cold'.padStart(12)}`);
let sink = 0;
type Phase = keyof typeof SECONDS;
const measures: Record<Phase, (method: SlaMethod) => (i: number) => void> = {
  due: (method) => (i) => {
    const c = cases[i]!;
    sink += dueAt(calendar, method, 'resolution', c.amount, c.start, c.dueRunning) ?? 0;
  },
  elapsed: (method) => (i) => {
    const c = cases[i]!;
    sink += consumedMs(calendar, method, 'resolution', c.start, c.end, c.running);
  },
  clock: (method) => (i) => {
    const c = cases[i]!;
    const target = i % 2 === 0 ? 'resolution' : 'reaction';
    const r = evaluateClock({ calendar, method, target, amount: c.amount, submittedAt: c.start, events: c.events, now: c.end });
    sink += r.consumedMinutes ?? 0;
  },
  // A new calendar object per call: its per-date windows are rebuilt every time (the zone's dates stay cached).
  cold: (method) => (i) => {
    const c = cases[i]!;
    sink += dueAt({ ...calendar }, method, 'resolution', c.amount, c.start, c.dueRunning) ?? 0;
  },
};
const results = new Map<SlaMethod, Record<Phase, number>>();
// Phase by phase, so that one phase's garbage does not land in another's figures.
for (const phase of Object.keys(SECONDS) as Phase[]) {
  for (const method of SLA_METHODS as readonly SlaMethod[]) {
    const fn = measures[phase](method);
    for (let i = 0; i < CASES; i++) fn(i); // warm-up: JIT and the per-date caches
    const row = results.get(method) ?? ({} as Record<Phase, number>);
    row[phase] = rate(SECONDS[phase], fn);
    results.set(method, row);
  }
}
for (const [method, r] of results) console.log(`${method.padEnd(10)}${fmt(r.due)}${fmt(r.elapsed)}${fmt(r.clock)}${fmt(r.cold)}`);
console.log('\ndue/s: dueAt (resolution, running set from the history continued after the last event)');
console.log('elapsed/s: consumedMs from submission to one day after the last event');
console.log('clock/s: evaluateClock (reaction and resolution alternately), history → running set → due + consumed, luxon output');
console.log('due/s cold: dueAt with a new calendar object per call (per-date windows rebuilt each call)');
if (sink === 42) console.log('');
