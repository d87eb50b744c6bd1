/**
 * A ticket's SLA clock from its state history (SLA.md §2.4): state changes → running
 * intervals → due, consumed, remaining and verdict. Pure: `now` is an input.
 */
import { DateTime } from 'luxon';
import { isStateCode, type StateCode } from '../states.js';
import type { ServiceCalendar } from './calendar.js';
import { SlaInputError } from './errors.js';
import { normaliseIntervals, type Interval } from './intervals.js';
import { luxonZone } from './zone.js';
import {
  checkAmount,
  consumedMs,
  dueAt,
  measurementStart,
  unitMinutes,
  workingTime,
  type SlaMethod,
  type SlaTarget,
  type WorkingTime,
} from './methods.js';

export type InstantLike = number | Date | DateTime;

/** One state change of the ticket; the ticket is created in state `new` at submission. */
export interface StateChange<I = InstantLike> {
  readonly at: I;
  readonly to: StateCode;
}

export type ClockState = 'running' | 'paused' | 'stopped' | 'awaiting_complaint_decision' | 'not_applicable';

export interface RunningSet {
  /** Normalised; the last interval is open-ended (to: Infinity) iff the clock is running. */
  readonly running: readonly Interval[];
  readonly clock: ClockState;
}

const RESOLUTION_RUNS: ReadonlySet<StateCode> = new Set(['new', 'accepted', 'escalated']);
/** A complaint counts retroactively iff the next transition upholds it. */
const UPHOLDS: ReadonlySet<StateCode> = new Set(['accepted', 'escalated', 'paused']);
/** Leaving `new` for one of these stops the reaction clock for good (pause before acceptance only delays it). */
const REACTION_ENDS: ReadonlySet<StateCode> = new Set(['accepted', 'escalated', 'resolved', 'closed', 'complained']);

interface Segment {
  readonly from: number;
  readonly to: number;
  readonly state: StateCode;
}

function segmentsOf(submittedAt: number, events: readonly StateChange<number>[]): Segment[] {
  const segments: Segment[] = [];
  let state: StateCode = 'new';
  let since = submittedAt;
  for (const e of events) {
    if (e.to === state) continue;
    segments.push({ from: since, to: e.at, state });
    state = e.to;
    since = e.at;
  }
  segments.push({ from: since, to: Infinity, state });
  return segments;
}

/**
 * The running set R of one clock. Reaction runs while `new`, until the first acceptance.
 * Resolution runs in new/accepted/escalated and in a complaint the next transition upholds;
 * not in paused/resolved/closed, nor in a rejected or undecided complaint. Cancelled: none.
 * `events` must be in time order, none before `submittedAt`.
 */
export function runningIntervals(
  target: SlaTarget,
  submittedAt: number,
  events: readonly StateChange<number>[],
): RunningSet {
  const segments = segmentsOf(submittedAt, events);
  if (segments.some((s) => s.state === 'cancelled')) return { running: [], clock: 'not_applicable' };
  const running: Interval[] = [];
  const last = segments[segments.length - 1]!.state;
  if (target === 'reaction') {
    for (const seg of segments) {
      if (REACTION_ENDS.has(seg.state)) return { running: normaliseIntervals(running), clock: 'stopped' };
      if (seg.state === 'new') running.push({ from: seg.from, to: seg.to });
    }
    return { running: normaliseIntervals(running), clock: last === 'new' ? 'running' : 'paused' };
  }
  for (const [i, seg] of segments.entries()) {
    const next = segments[i + 1]?.state;
    if (RESOLUTION_RUNS.has(seg.state) || (seg.state === 'complained' && next !== undefined && UPHOLDS.has(next))) {
      running.push({ from: seg.from, to: seg.to });
    }
  }
  const clock: ClockState = RESOLUTION_RUNS.has(last)
    ? 'running'
    : last === 'paused'
      ? 'paused'
      : last === 'complained'
        ? 'awaiting_complaint_decision'
        : 'stopped';
  return { running: normaliseIntervals(running), clock };
}

export interface ClockInput {
  readonly calendar: ServiceCalendar;
  readonly method: SlaMethod;
  readonly target: SlaTarget;
  /** Positive whole number of the method's unit. */
  readonly amount: number;
  readonly submittedAt: InstantLike;
  /** State changes in time order (ties keep their order). Changes after `now` are not yet known and ignored. */
  readonly events?: readonly StateChange[];
  /**
   * The instant of evaluation. Without it, consumption is measured up to the due while the
   * clock runs (so remaining is 0), else up to the last state change (nothing counts after it).
   */
  readonly now?: InstantLike;
}

export interface ClockResult {
  readonly clock: ClockState;
  readonly wd: WorkingTime;
  /** m0 (SLA.md §2.2). */
  readonly measurementStart: DateTime;
  /** Null while paused, while a complaint is undecided and when cancelled. */
  readonly due: DateTime | null;
  /** The instant consumption was measured up to; null when cancelled. */
  readonly measuredUntil: DateTime | null;
  readonly unitMinutes: number;
  readonly budgetMinutes: number;
  readonly consumedMinutes: number | null;
  /** Negative after a breach. */
  readonly remainingMinutes: number | null;
  /** Consumed in the method's unit (fractional). */
  readonly elapsed: number | null;
  readonly remaining: number | null;
  /** breached iff consumed > budget (strictly). */
  readonly breached: boolean | null;
  /** true once the clock stopped unbreached, false when breached, null while still open. */
  readonly met: boolean | null;
}

function toMs(value: InstantLike, field: string): number {
  const ms = typeof value === 'number' ? value : value instanceof Date ? value.getTime() : value.toMillis();
  if (!Number.isFinite(ms)) throw new SlaInputError(field, 'is not a valid instant');
  return ms;
}

/** Throws SlaInputError unless the changes are in time order and none precedes the submission. */
export function checkHistory(submittedAt: number, events: readonly StateChange<number>[]): void {
  let prev = submittedAt;
  for (const [i, e] of events.entries()) {
    if (!isStateCode(e.to)) throw new SlaInputError(`events[${i}].to`, `unknown state "${String(e.to)}"`);
    if (e.at < submittedAt) throw new SlaInputError(`events[${i}].at`, 'is before the submission');
    if (e.at < prev) throw new SlaInputError(`events[${i}].at`, 'is before the previous state change (events must be in time order)');
    prev = e.at;
  }
}

/** The history in epoch ms, checked, without the changes after `now` (not yet known then). */
function knownEvents(submittedAt: number, events: readonly StateChange[], now: number | undefined): StateChange<number>[] {
  const all = events.map((e, i) => ({ at: toMs(e.at, `events[${i}].at`), to: e.to }));
  checkHistory(submittedAt, all);
  return now === undefined ? all : all.filter((e) => e.at <= now);
}

/** Evaluates one clock (reaction or resolution) of a ticket. */
export function evaluateClock(input: ClockInput): ClockResult {
  const { calendar, method, target, amount } = input;
  checkAmount(amount);
  const zone = calendar.timezone;
  const luxon = luxonZone(zone);
  const at = (ms: number) => DateTime.fromMillis(ms, { zone: luxon });
  const submittedAt = toMs(input.submittedAt, 'submittedAt');
  const now = input.now === undefined ? undefined : toMs(input.now, 'now');
  if (now !== undefined && now < submittedAt) throw new SlaInputError('now', 'is before the submission');
  const events = knownEvents(submittedAt, input.events ?? [], now);

  const m0 = measurementStart(calendar, method, target, submittedAt);
  const unit = unitMinutes(calendar, method);
  const base = {
    wd: workingTime(calendar, submittedAt),
    measurementStart: at(m0),
    unitMinutes: unit,
    budgetMinutes: amount * unit,
  };
  const { running, clock } = runningIntervals(target, submittedAt, events);
  if (clock === 'not_applicable') {
    return {
      ...base,
      clock,
      due: null,
      measuredUntil: null,
      consumedMinutes: null,
      remainingMinutes: null,
      elapsed: null,
      remaining: null,
      breached: null,
      met: null,
    };
  }

  // A stopped clock shows the due it had when it stopped: R continued from its last running instant.
  let due: number | null = null;
  if (clock === 'running') due = dueAt(calendar, method, target, amount, submittedAt, running);
  else if (clock === 'stopped') {
    const lastEnd = running[running.length - 1]?.to ?? submittedAt;
    due = dueAt(calendar, method, target, amount, submittedAt, [...running, { from: lastEnd, to: Infinity }]);
  }

  const lastChange = events[events.length - 1]?.at ?? submittedAt;
  const until = now ?? (clock === 'running' && due !== null ? due : lastChange);
  // whole milliseconds until the verdict, minutes only for the figures
  const consumed = consumedMs(calendar, method, target, submittedAt, until, running);
  const budget = base.budgetMinutes * 60_000;
  const breached = consumed > budget;
  return {
    ...base,
    clock,
    due: due === null ? null : at(due),
    measuredUntil: at(until),
    consumedMinutes: consumed / 60_000,
    remainingMinutes: (budget - consumed) / 60_000,
    elapsed: consumed / (unit * 60_000),
    remaining: (budget - consumed) / (unit * 60_000),
    breached,
    met: breached ? false : clock === 'stopped' ? true : null,
  };
}
