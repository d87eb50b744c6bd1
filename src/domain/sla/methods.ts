/**
 * The seven measurement methods (SLA.md §2.2) as one engine: each method only chooses the
 * measurement start, what counts and the unit. All instants are epoch milliseconds.
 */
import { z } from 'zod';
import type { ServiceCalendar } from './calendar.js';
import { compile, type CompiledCalendar } from './days.js';
import { SlaInputError, SlaWalkLimitError } from './errors.js';
import {
  consume,
  inService,
  measure,
  nextServiceInstant,
  normaliseIntervals,
  WALK_LIMIT_DAYS,
  type Counting,
  type Interval,
} from './intervals.js';
import { weekdayOf } from './zone.js';

export const SLA_METHODS = ['Hod', 'ND-Hod', 'NBD-Hod', 'Min', 'Min-Cont', 'Den', 'Den-Cont'] as const;
export type SlaMethod = (typeof SLA_METHODS)[number];
export const slaMethodSchema = z.enum(SLA_METHODS, {
  errorMap: () => ({ message: `must be one of ${SLA_METHODS.join(', ')}` }),
});

export const SLA_TARGETS = ['reaction', 'resolution'] as const;
export type SlaTarget = (typeof SLA_TARGETS)[number];
export const slaTargetSchema = z.enum(SLA_TARGETS, {
  errorMap: () => ({ message: `must be one of ${SLA_TARGETS.join(', ')}` }),
});

/** Positive whole number of the method's unit. */
export const slaAmountSchema = z
  .number({ invalid_type_error: 'must be a positive whole number' })
  .int('must be a positive whole number')
  .positive('must be a positive whole number');

export type WorkingTime = 'WDIN' | 'WDOUT';

type ReactionStart = 'submission' | 'next_day' | 'next_business_day';

interface MethodRule {
  readonly counting: Counting;
  readonly reactionStart: ReactionStart;
  /** Unit in minutes; null = W, the calendar's service day. */
  readonly unitMinutes: number | null;
}

const RULES: Readonly<Record<SlaMethod, MethodRule>> = {
  Hod: { counting: 'service', reactionStart: 'submission', unitMinutes: 60 },
  'ND-Hod': { counting: 'service', reactionStart: 'next_day', unitMinutes: 60 },
  'NBD-Hod': { counting: 'service', reactionStart: 'next_business_day', unitMinutes: 60 },
  Min: { counting: 'service', reactionStart: 'submission', unitMinutes: 1 },
  'Min-Cont': { counting: 'continuous', reactionStart: 'submission', unitMinutes: 1 },
  Den: { counting: 'service', reactionStart: 'submission', unitMinutes: null },
  'Den-Cont': { counting: 'continuous', reactionStart: 'submission', unitMinutes: 1440 },
};

function rule(method: SlaMethod): MethodRule {
  const r = RULES[method];
  if (!r) throw new SlaInputError('method', `unknown method "${String(method)}" (expected one of ${SLA_METHODS.join(', ')})`);
  return r;
}

function unitMs(cc: CompiledCalendar, method: SlaMethod): number {
  const minutes = rule(method).unitMinutes;
  return minutes === null ? cc.serviceDayMs : minutes * 60_000;
}

/** Throws unless amount is a positive whole number (the hot-path twin of slaAmountSchema). */
export function checkAmount(amount: number): void {
  if (!(Number.isSafeInteger(amount) && amount > 0)) {
    throw new SlaInputError('amount', `must be a positive whole number, got ${String(amount)}`);
  }
}

/** Minutes in one unit of the method: 60 (Hod), 1 (Min), W (Den), 1440 (Den-Cont). */
export function unitMinutes(calendar: ServiceCalendar, method: SlaMethod): number {
  return unitMs(compile(calendar), method) / 60_000;
}

/** Whether t is a service instant: its local date is no holiday and its local time lies in a window. */
export function isServiceInstant(calendar: ServiceCalendar, t: number): boolean {
  return inService(compile(calendar), t);
}

/** WDIN when the ticket arrived during service time, else WDOUT. */
export function workingTime(calendar: ServiceCalendar, submittedAt: number): WorkingTime {
  return isServiceInstant(calendar, submittedAt) ? 'WDIN' : 'WDOUT';
}

/** The first service instant ≥ t. */
export function firstServiceInstant(calendar: ServiceCalendar, t: number): number {
  return nextServiceInstant(compile(calendar), t);
}

function nextBusinessDayIndex(cc: CompiledCalendar, t: number): number {
  const today = cc.dayIndexOf(t);
  for (let d = today + 1; d - today <= WALK_LIMIT_DAYS; d++) {
    if (weekdayOf(d) <= 5 && !cc.isHoliday(d)) return d;
  }
  throw new SlaWalkLimitError(`no business day within ${WALK_LIMIT_DAYS} days: the holidays close every weekday`);
}

/**
 * NBD (manual §5): the first local date after t's date that is not Saturday, not Sunday and not
 * a holiday — whatever weekdays have windows. ISO date.
 */
export function nextBusinessDay(calendar: ServiceCalendar, t: number): string {
  const cc = compile(calendar);
  return cc.day(nextBusinessDayIndex(cc, t)).isoDate;
}

function startOf(cc: CompiledCalendar, method: SlaMethod, target: SlaTarget, submittedAt: number): number {
  if (target === 'resolution') return submittedAt;
  switch (rule(method).reactionStart) {
    case 'submission':
      return submittedAt;
    case 'next_day':
      return nextServiceInstant(cc, cc.midnight(cc.dayIndexOf(submittedAt) + 1));
    case 'next_business_day':
      return nextServiceInstant(cc, cc.midnight(nextBusinessDayIndex(cc, submittedAt)));
  }
}

/**
 * m0: the submission, except the reaction of ND-Hod (first service instant of the next local
 * day) and NBD-Hod (first service instant of the NBD), for WDIN and WDOUT alike.
 */
export function measurementStart(
  calendar: ServiceCalendar,
  method: SlaMethod,
  target: SlaTarget,
  submittedAt: number,
): number {
  return startOf(compile(calendar), method, target, submittedAt);
}

function runningOrDefault(start: number, running: readonly Interval[] | undefined): readonly Interval[] {
  return running === undefined ? [{ from: start, to: Infinity }] : normaliseIntervals(running);
}

/**
 * due(n) = min { t ≥ m0 : |[m0, t) ∩ counting ∩ running| ≥ n·unit }. `start` is the submission;
 * `running` defaults to [start, ∞). Give the running intervals with the last one open-ended
 * (to: Infinity) for a clock that keeps running; null when they end before the budget is used.
 */
export function dueAt(
  calendar: ServiceCalendar,
  method: SlaMethod,
  target: SlaTarget,
  amount: number,
  start: number,
  running?: readonly Interval[],
): number | null {
  checkAmount(amount);
  const cc = compile(calendar);
  const m0 = startOf(cc, method, target, start);
  return consume(cc, rule(method).counting, m0, amount * unitMs(cc, method), runningOrDefault(start, running));
}

/** |[m0, end) ∩ counting ∩ running| in ms. */
export function consumedMs(
  calendar: ServiceCalendar,
  method: SlaMethod,
  target: SlaTarget,
  start: number,
  end: number,
  running?: readonly Interval[],
): number {
  const cc = compile(calendar);
  const m0 = startOf(cc, method, target, start);
  return measure(cc, rule(method).counting, m0, end, runningOrDefault(start, running));
}

/** Elapsed time in the method's unit, fractional (1.75 Den). elapsed(start, dueAt(start, n)) = n. */
export function elapsed(
  calendar: ServiceCalendar,
  method: SlaMethod,
  target: SlaTarget,
  start: number,
  end: number,
  running?: readonly Interval[],
): number {
  const cc = compile(calendar);
  return consumedMs(calendar, method, target, start, end, running) / unitMs(cc, method);
}
