import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  SlaInputError,
  evaluateClock,
  runningIntervals,
  type ClockInput,
  type ClockResult,
  type StateChange,
} from '../../../src/domain/sla/index.js';
import { at, office } from './fixtures.js';

type Ev = [string, StateChange['to']];

function clock(
  input: Omit<ClockInput, 'calendar' | 'submittedAt' | 'events' | 'now'> & {
    submitted: string;
    events?: Ev[];
    now?: string;
  },
): ClockResult {
  const { submitted, events = [], now, ...rest } = input;
  return evaluateClock({
    calendar: office,
    ...rest,
    submittedAt: at(submitted),
    events: events.map(([t, to]) => ({ at: at(t), to })),
    ...(now === undefined ? {} : { now: at(now) }),
  });
}

const dueOf = (r: ClockResult) => (r.due === null ? null : r.due.toISO());

describe('verdict (SLA.md §2.2)', () => {
  const sat = '2026-03-28T10:00'; // + 8 Hod → due Mon 30 Mar 16:00

  it('a ticket accepted at 17:00 after a Mon 16:00 due consumed exactly the budget and is met', () => {
    const r = clock({ method: 'Hod', target: 'reaction', amount: 8, submitted: sat, events: [['2026-03-30T17:00', 'accepted']] });
    expect(dueOf(r)).toBe('2026-03-30T16:00:00.000+02:00');
    expect(r).toMatchObject({ clock: 'stopped', wd: 'WDOUT', consumedMinutes: 480, remainingMinutes: 0, elapsed: 8 });
    expect(r).toMatchObject({ breached: false, met: true });
  });

  it('one counted millisecond past the budget is a breach, with negative remaining', () => {
    const r = clock({
      method: 'Hod',
      target: 'reaction',
      amount: 8,
      submitted: sat,
      events: [['2026-03-31T08:00:30', 'accepted']],
    });
    expect(r).toMatchObject({ clock: 'stopped', consumedMinutes: 480.5, remainingMinutes: -0.5, breached: true, met: false });
    expect(dueOf(r)).toBe('2026-03-30T16:00:00.000+02:00');
  });

  it('between the due and the next opening a running clock has 0 remaining and is not breached', () => {
    const r = clock({ method: 'Hod', target: 'reaction', amount: 8, submitted: sat, now: '2026-03-30T18:00' });
    expect(r).toMatchObject({ clock: 'running', consumedMinutes: 480, remainingMinutes: 0, breached: false, met: null });
  });

  it('a running clock reports remaining time at `now` and a breach once counted time passes the due', () => {
    const before = clock({ method: 'Hod', target: 'resolution', amount: 8, submitted: sat, now: '2026-03-30T14:30' });
    expect(before).toMatchObject({ consumedMinutes: 390, remainingMinutes: 90, remaining: 1.5, breached: false });
    const after = clock({ method: 'Hod', target: 'resolution', amount: 8, submitted: sat, now: '2026-03-31T09:00' });
    expect(after).toMatchObject({ consumedMinutes: 540, remainingMinutes: -60, breached: true, met: false });
    expect(dueOf(after)).toBe('2026-03-30T16:00:00.000+02:00');
  });

  it('without `now` a running clock is measured up to its due (remaining 0)', () => {
    const r = clock({ method: 'Den', target: 'resolution', amount: 2, submitted: '2026-03-02T10:00' });
    expect(dueOf(r)).toBe('2026-03-04T10:00:00.000+01:00');
    expect(r.measuredUntil?.toISO()).toBe('2026-03-04T10:00:00.000+01:00');
    expect(r).toMatchObject({ consumedMinutes: 960, elapsed: 2, remaining: 0, unitMinutes: 480, budgetMinutes: 960 });
  });

  it('reports instants as DateTimes in the calendar zone', () => {
    const r = evaluateClock({
      calendar: office,
      method: 'Hod',
      target: 'resolution',
      amount: 1,
      submittedAt: new Date('2026-03-02T17:30:00Z'),
      now: DateTime.fromISO('2026-03-02T20:00:00Z'),
    });
    expect(r.wd).toBe('WDOUT');
    expect(r.measurementStart.toISO()).toBe('2026-03-02T18:30:00.000+01:00');
    expect(dueOf(r)).toBe('2026-03-03T09:00:00.000+01:00');
  });
});

describe('reaction clock', () => {
  it('runs only while new and stops for good at the first acceptance', () => {
    const r = clock({
      method: 'Hod',
      target: 'reaction',
      amount: 2,
      submitted: '2026-03-02T09:00',
      events: [
        ['2026-03-02T10:30', 'accepted'],
        ['2026-03-02T11:00', 'paused'],
        ['2026-03-03T09:00', 'accepted'],
      ],
      now: '2026-03-04T12:00',
    });
    expect(r).toMatchObject({ clock: 'stopped', consumedMinutes: 90, remainingMinutes: 30, breached: false, met: true });
    expect(dueOf(r)).toBe('2026-03-02T11:00:00.000+01:00');
  });

  it('an ND-Hod ticket accepted before its measurement start has elapsed 0 and is met', () => {
    const r = clock({
      method: 'ND-Hod',
      target: 'reaction',
      amount: 4,
      submitted: '2026-03-02T10:00',
      events: [['2026-03-02T11:00', 'accepted']],
      now: '2026-03-05T10:00',
    });
    expect(r.measurementStart.toISO()).toBe('2026-03-03T08:00:00.000+01:00');
    expect(dueOf(r)).toBe('2026-03-03T12:00:00.000+01:00');
    expect(r).toMatchObject({ wd: 'WDIN', clock: 'stopped', consumedMinutes: 0, elapsed: 0, breached: false, met: true });
  });

  it('an NBD-Hod reaction counts only from the measurement start', () => {
    const r = clock({
      method: 'NBD-Hod',
      target: 'reaction',
      amount: 4,
      submitted: '2027-03-25T10:00',
      events: [['2027-03-30T09:15', 'accepted']],
    });
    expect(r).toMatchObject({ consumedMinutes: 75, remainingMinutes: 165, met: true });
  });
});

describe('pauses subtract only counted time', () => {
  const accepted: Ev = ['2026-03-02T09:00', 'accepted'];

  it('a pause in the middle of the window shifts the due by its length', () => {
    const r = clock({
      method: 'Hod',
      target: 'resolution',
      amount: 4,
      submitted: '2026-03-02T09:00',
      events: [accepted, ['2026-03-02T10:00', 'paused'], ['2026-03-02T11:30', 'accepted']],
      now: '2026-03-02T12:00',
    });
    expect(dueOf(r)).toBe('2026-03-02T14:30:00.000+01:00');
    expect(r).toMatchObject({ clock: 'running', consumedMinutes: 90, remainingMinutes: 150 });
  });

  it('an overnight pause removes only its in-window parts', () => {
    const r = clock({
      method: 'Hod',
      target: 'resolution',
      amount: 8,
      submitted: '2026-03-02T09:00',
      events: [accepted, ['2026-03-02T15:00', 'paused'], ['2026-03-03T09:00', 'accepted']],
    });
    expect(dueOf(r)).toBe('2026-03-03T11:00:00.000+01:00'); // Mon 09–15 = 6 h, Tue 09–11 = 2 h
  });

  it('a pause outside the window changes nothing', () => {
    const r = clock({
      method: 'Hod',
      target: 'resolution',
      amount: 8,
      submitted: '2026-03-02T09:00',
      events: [accepted, ['2026-03-02T17:00', 'paused'], ['2026-03-03T07:00', 'accepted']],
    });
    expect(dueOf(r)).toBe('2026-03-03T09:00:00.000+01:00');
  });

  it('two pauses both shift the due', () => {
    const r = clock({
      method: 'Hod',
      target: 'resolution',
      amount: 4,
      submitted: '2026-03-02T09:00',
      events: [
        accepted,
        ['2026-03-02T10:00', 'paused'],
        ['2026-03-02T11:00', 'escalated'],
        ['2026-03-02T13:00', 'paused'],
        ['2026-03-02T14:00', 'escalated'],
      ],
    });
    expect(dueOf(r)).toBe('2026-03-02T15:00:00.000+01:00');
  });

  it('while paused the due is null and remaining is frozen; after resuming the due is recomputed', () => {
    const events: Ev[] = [accepted, ['2026-03-02T10:00', 'paused']];
    const early = clock({ method: 'Hod', target: 'resolution', amount: 4, submitted: '2026-03-02T09:00', events, now: '2026-03-02T11:00' });
    const late = clock({ method: 'Hod', target: 'resolution', amount: 4, submitted: '2026-03-02T09:00', events, now: '2026-03-05T11:00' });
    for (const r of [early, late]) {
      expect(r).toMatchObject({ clock: 'paused', due: null, consumedMinutes: 60, remainingMinutes: 180, breached: false, met: null });
    }
    const resumed = clock({
      method: 'Hod',
      target: 'resolution',
      amount: 4,
      submitted: '2026-03-02T09:00',
      events: [...events, ['2026-03-03T08:00', 'accepted']],
    });
    expect(dueOf(resumed)).toBe('2026-03-03T11:00:00.000+01:00');
  });

  it('a pause of a Cont clock adds its full length to the due', () => {
    const r = clock({
      method: 'Min-Cont',
      target: 'resolution',
      amount: 120,
      submitted: '2026-03-02T09:00',
      events: [accepted, ['2026-03-02T09:30', 'paused'], ['2026-03-02T10:00', 'accepted']],
    });
    expect(dueOf(r)).toBe('2026-03-02T11:30:00.000+01:00');
  });

  it('changes after `now` are not yet known', () => {
    const r = clock({
      method: 'Hod',
      target: 'resolution',
      amount: 4,
      submitted: '2026-03-02T09:00',
      events: [accepted, ['2026-03-02T10:00', 'paused'], ['2026-03-02T11:00', 'accepted']],
      now: '2026-03-02T10:30',
    });
    expect(r).toMatchObject({ clock: 'paused', due: null, consumedMinutes: 60 });
  });
});

describe('complaints (SLA.md §2.4)', () => {
  // Mon 08:00 submitted and accepted, resolved 10:00 (2 h used), complaint Mon 12:00
  const history: Ev[] = [
    ['2026-03-02T08:00', 'accepted'],
    ['2026-03-02T10:00', 'resolved'],
    ['2026-03-02T12:00', 'complained'],
  ];
  const base = { method: 'Hod', target: 'resolution', amount: 8, submitted: '2026-03-02T08:00' } as const;

  it('an upheld complaint counts retroactively from the complaint, never the resolved time before it', () => {
    const r = clock({ ...base, events: [...history, ['2026-03-03T09:00', 'accepted']], now: '2026-03-03T09:00' });
    // Mon 08–10 (2 h) + Mon 12–16 (4 h) + Tue 08–09 (1 h)
    expect(r).toMatchObject({ clock: 'running', consumedMinutes: 420, remainingMinutes: 60 });
    expect(dueOf(r)).toBe('2026-03-03T10:00:00.000+01:00');
  });

  it('a complaint upheld into paused counts too, and the clock is paused', () => {
    const r = clock({ ...base, events: [...history, ['2026-03-03T09:00', 'paused']], now: '2026-03-03T12:00' });
    expect(r).toMatchObject({ clock: 'paused', due: null, consumedMinutes: 420 });
  });

  it('a rejected complaint adds nothing and the clock stays stopped', () => {
    const r = clock({ ...base, events: [...history, ['2026-03-03T09:00', 'resolved']], now: '2026-03-03T12:00' });
    expect(r).toMatchObject({ clock: 'stopped', consumedMinutes: 120, remainingMinutes: 360, breached: false, met: true });
    expect(dueOf(r)).toBe('2026-03-02T16:00:00.000+01:00');
  });

  it('an undecided complaint is not counted and has no due', () => {
    const r = clock({ ...base, events: history, now: '2026-03-04T12:00' });
    expect(r).toMatchObject({ clock: 'awaiting_complaint_decision', due: null, consumedMinutes: 120, met: null });
  });

  it('closing a resolved ticket keeps the clock stopped', () => {
    const r = clock({ ...base, events: [history[0]!, history[1]!, ['2026-03-09T10:00', 'closed']] });
    expect(r).toMatchObject({ clock: 'stopped', consumedMinutes: 120, met: true });
  });
});

describe('cancelled tickets', () => {
  it('have no SLA calculation at all, for both clocks', () => {
    for (const events of [[['2026-03-02T10:00', 'cancelled']], [['2026-03-02T10:00', 'accepted'], ['2026-03-02T11:00', 'cancelled']]] as Ev[][]) {
      for (const target of ['reaction', 'resolution'] as const) {
        const r = clock({ method: 'Hod', target, amount: 4, submitted: '2026-03-02T09:00', events, now: '2026-03-03T09:00' });
        expect(r).toMatchObject({
          clock: 'not_applicable',
          due: null,
          consumedMinutes: null,
          remainingMinutes: null,
          elapsed: null,
          breached: null,
          met: null,
        });
      }
    }
  });
});

describe('running intervals', () => {
  it('merge touching states and end open while the clock runs', () => {
    const t0 = at('2026-03-02T09:00');
    const events: StateChange<number>[] = [
      { at: at('2026-03-02T10:00'), to: 'accepted' },
      { at: at('2026-03-02T11:00'), to: 'escalated' },
    ];
    expect(runningIntervals('resolution', t0, events)).toEqual({
      running: [{ from: t0, to: Infinity }],
      clock: 'running',
    });
    expect(runningIntervals('reaction', t0, events)).toEqual({
      running: [{ from: t0, to: at('2026-03-02T10:00') }],
      clock: 'stopped',
    });
  });
});

describe('history validation', () => {
  const run = (events: Ev[], extra: Partial<ClockInput> = {}) => () =>
    evaluateClock({
      calendar: office,
      method: 'Hod',
      target: 'resolution',
      amount: 4,
      submittedAt: at('2026-03-02T09:00'),
      events: events.map(([t, to]) => ({ at: at(t), to })),
      ...extra,
    });

  function fieldOf(fn: () => unknown): string {
    try {
      fn();
    } catch (e) {
      if (e instanceof SlaInputError) return `${e.field}: ${e.message}`;
      throw e;
    }
    throw new Error('accepted');
  }

  it('rejects events out of time order or before the submission, and bad amounts', () => {
    expect(fieldOf(run([['2026-03-02T08:00', 'accepted']]))).toBe('events[0].at: is before the submission');
    expect(fieldOf(run([['2026-03-02T11:00', 'accepted'], ['2026-03-02T10:00', 'paused']]))).toBe(
      'events[1].at: is before the previous state change (events must be in time order)',
    );
    expect(fieldOf(run([], { amount: 0 }))).toBe('amount: must be a positive whole number, got 0');
    expect(fieldOf(run([['2026-03-02T10:00', 'bogus' as never]]))).toBe('events[0].to: unknown state "bogus"');
  });
});
