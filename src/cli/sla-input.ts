/**
 * The SLA command's input and output, without any I/O: JSON text in, JSON text out
 * (src/cli/sla.ts does stdin/stdout). Bad input throws SlaInputError naming the field.
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import { STATES, type StateCode } from '../domain/states.js';
import {
  SlaInputError,
  buildServiceCalendar,
  calendarConfigSchema,
  checkHistory,
  evaluateClock,
  slaAmountSchema,
  slaMethodSchema,
  slaTargetSchema,
  yearsAround,
  type ClockInput,
  type ClockResult,
  type StateChange,
} from '../domain/sla/index.js';
import { fromZodError } from '../domain/sla/errors.js';

/** Date, time and an explicit offset: an instant, never a wall time read in the server's zone. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

const instantSchema = z
  .string({ invalid_type_error: 'must be an ISO 8601 instant with an offset' })
  .refine((s) => INSTANT.test(s) && DateTime.fromISO(s, { setZone: true }).isValid, {
    message: 'must be an ISO 8601 instant with an offset, e.g. 2026-03-30T08:00:00+02:00',
  })
  .transform((s) => DateTime.fromISO(s, { setZone: true }).toMillis());

const requestSchema = z
  .object(
    {
      calendar: calendarConfigSchema,
      method: slaMethodSchema,
      target: slaTargetSchema,
      amount: slaAmountSchema,
      start: instantSchema,
      pauses: z
        .array(z.tuple([instantSchema, instantSchema], { invalid_type_error: 'must be a pair [from, to]' }), {
          invalid_type_error: 'must be a list of [from, to] pairs',
        })
        .default([]),
      events: z
        .array(
          z
            .object({
              at: instantSchema,
              to: z.enum(STATES, { errorMap: () => ({ message: `must be one of ${STATES.join(', ')}` }) }),
            })
            .strict(),
          { invalid_type_error: 'must be a list of {at, to} state changes' },
        )
        .default([]),
      now: instantSchema.optional(),
    },
    { invalid_type_error: 'must be an object' },
  )
  .strict();

type Request = z.infer<typeof requestSchema>;

function checkOrder(req: Request): void {
  checkHistory(req.start, req.events); // before the pauses are merged in, so that indices match the input
  for (const [i, [from, to]] of req.pauses.entries()) {
    if (from < req.start) throw new SlaInputError(`pauses[${i}][0]`, 'is before the submission');
    if (to <= from) throw new SlaInputError(`pauses[${i}]`, 'end is not after start');
  }
  if (req.now !== undefined && req.now < req.start) throw new SlaInputError('now', 'is before the submission');
}

/**
 * Pauses as state changes: `paused` at from; at to, back to the state the events give at that
 * moment (the state before the pause, or whatever an event set meanwhile). Overlapping pauses
 * merge. A pause while the ticket is still new (not reachable in the portal) also pauses the
 * reaction clock, so `pauses` mean "subtract these intervals" for either target.
 */
export function withPauses(
  events: readonly StateChange<number>[],
  pauses: readonly (readonly [number, number])[],
): StateChange<number>[] {
  if (pauses.length === 0) return [...events];
  const merged: [number, number][] = [];
  for (const [from, to] of [...pauses].sort((a, b) => a[0] - b[0])) {
    const last = merged[merged.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  type Mark = { at: number; kind: 'event'; to: StateCode } | { at: number; kind: 'pause' | 'resume' };
  const marks: Mark[] = [
    ...events.map((e): Mark => ({ at: e.at, kind: 'event', to: e.to })),
    ...merged.flatMap(([from, to]): Mark[] => [
      { at: from, kind: 'pause' },
      { at: to, kind: 'resume' },
    ]),
  ];
  marks.sort((a, b) => a.at - b.at); // stable: events keep their order, and come first at equal instants
  const out: StateChange<number>[] = [];
  let base: StateCode = 'new';
  let paused = false;
  for (const m of marks) {
    if (m.kind === 'event') {
      base = m.to;
      if (!paused) out.push({ at: m.at, to: base });
    } else {
      paused = m.kind === 'pause';
      out.push({ at: m.at, to: paused ? 'paused' : base });
    }
  }
  return out;
}

/** One request object → the engine's input (calendar with public holidays for the years involved). */
export function toClockInput(raw: unknown): ClockInput {
  const parsed = requestSchema.safeParse(raw);
  if (!parsed.success) throw fromZodError(parsed.error);
  const req = parsed.data;
  checkOrder(req);
  const instants = [req.start, ...req.events.map((e) => e.at), ...req.pauses.flat(), ...(req.now === undefined ? [] : [req.now])];
  return {
    calendar: buildServiceCalendar(req.calendar, yearsAround(req.calendar.timezone, instants)),
    method: req.method,
    target: req.target,
    amount: req.amount,
    submittedAt: req.start,
    events: withPauses(req.events, req.pauses),
    ...(req.now === undefined ? {} : { now: req.now }),
  };
}

export interface SlaCliOutput {
  wd: 'WDIN' | 'WDOUT';
  measurement_start: string;
  due: string | null;
  elapsed_minutes: number | null;
  remaining_minutes: number | null;
  breached: boolean | null;
  clock: ClockResult['clock'];
}

/** Instants in the calendar's offset, e.g. "2026-03-30T08:00:00.000+02:00". */
export function toCliOutput(result: ClockResult): SlaCliOutput {
  return {
    wd: result.wd,
    measurement_start: result.measurementStart.toISO()!,
    due: result.due === null ? null : result.due.toISO()!,
    elapsed_minutes: result.consumedMinutes,
    remaining_minutes: result.remainingMinutes,
    breached: result.breached,
    clock: result.clock,
  };
}

function evaluateOne(raw: unknown, prefix: string): SlaCliOutput {
  try {
    return toCliOutput(evaluateClock(toClockInput(raw)));
  } catch (e) {
    if (e instanceof SlaInputError && prefix !== '') throw new SlaInputError(`${prefix}.${e.field}`, e.message);
    throw e;
  }
}

/**
 * The whole command: a JSON object → one JSON line; an array → a JSON array, one result per
 * line. Without `now`, consumption is measured up to the due while the clock still runs
 * (remaining 0), else up to the last state change — see ClockInput.now.
 */
export function runSla(text: string): string {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (e) {
    throw new SlaInputError('input', `is not valid JSON (${(e as Error).message})`);
  }
  if (Array.isArray(input)) {
    const lines = input.map((item, i) => JSON.stringify(evaluateOne(item, `[${i}]`)));
    return lines.length === 0 ? '[]\n' : `[\n${lines.join(',\n')}\n]\n`;
  }
  if (typeof input !== 'object' || input === null) throw new SlaInputError('input', 'must be a JSON object or an array of objects');
  return `${JSON.stringify(evaluateOne(input, ''))}\n`;
}
