import { describe, expect, it } from 'vitest';
import {
  SlaInputError,
  SlaWalkLimitError,
  dueAt,
  elapsed,
  firstServiceInstant,
  isServiceInstant,
  measurementStart,
  nextBusinessDay,
  workingTime,
  type ServiceCalendar,
  type SlaMethod,
  type SlaTarget,
} from '../../../src/domain/sla/index.js';
import { allDay, at, calendar, everyDay, iso, lunch, office, week, workdays } from './fixtures.js';

const shortFriday = calendar({
  windows: week({
    mon: [['08:00', '16:00']],
    tue: [['08:00', '16:00']],
    wed: [['08:00', '16:00']],
    thu: [['08:00', '16:00']],
    fri: [['08:00', '14:00']],
  }),
});
const sevenDays = calendar({ windows: everyDay(['08:00', '16:00']) });
const nights = calendar({ windows: everyDay(['00:00', '06:00']) });
const nightShift = calendar({ windows: everyDay(['00:00', '06:00'], ['22:00', '24:00']) });

type DueCase = [string, ServiceCalendar, SlaMethod, SlaTarget, number, string, string];

function expectDue([, cal, method, target, amount, start, expected]: DueCase): void {
  expect(iso(dueAt(cal, method, target, amount, at(start)))).toBe(expected);
}

describe('the seven methods (SLA.md §2.2)', () => {
  const cases: DueCase[] = [
    ['Hod counts service hours from the submission', office, 'Hod', 'resolution', 3, '2026-03-02T10:00', '2026-03-02T13:00:00.000+01:00'],
    ['Min counts service minutes across the evening', office, 'Min', 'reaction', 20, '2026-03-02T15:50', '2026-03-03T08:10:00.000+01:00'],
    ['Min-Cont counts every minute, windows ignored', office, 'Min-Cont', 'reaction', 20, '2026-03-02T15:50', '2026-03-02T16:10:00.000+01:00'],
    ['Den-Cont counts 1440 real minutes, windows ignored', office, 'Den-Cont', 'resolution', 1, '2026-03-06T17:00', '2026-03-07T17:00:00.000+01:00'],
    ['ND-Hod resolution is plain Hod from the submission', office, 'ND-Hod', 'resolution', 2, '2026-03-02T10:00', '2026-03-02T12:00:00.000+01:00'],
    ['NBD-Hod resolution is plain Hod from the submission', office, 'NBD-Hod', 'resolution', 2, '2026-03-02T10:00', '2026-03-02T12:00:00.000+01:00'],
    ['ND-Hod reaction of a WDIN ticket starts the next day', office, 'ND-Hod', 'reaction', 2, '2026-03-02T10:00', '2026-03-03T10:00:00.000+01:00'],
  ];
  it.each(cases)('%s', (...c) => expectDue(c));

  it('ND-Hod reaction waits for the next local day, WDIN or WDOUT', () => {
    const m0 = (local: string) => iso(measurementStart(office, 'ND-Hod', 'reaction', at(local)));
    expect(m0('2026-03-03T06:00')).toBe('2026-03-04T08:00:00.000+01:00'); // Tue 06:00 → Wed, not Tue 08:00
    expect(m0('2026-03-02T23:59')).toBe('2026-03-03T08:00:00.000+01:00'); // Mon 23:59 → Tue
    expect(m0('2026-03-03T00:01')).toBe('2026-03-04T08:00:00.000+01:00'); // Tue 00:01 → Wed
    expect(m0('2026-03-06T10:00')).toBe('2026-03-09T08:00:00.000+01:00'); // Fri → next service instant is Mon
  });

  it('on a 7-day calendar ND-Hod from Friday starts Saturday, NBD-Hod starts Monday', () => {
    expect(iso(measurementStart(sevenDays, 'ND-Hod', 'reaction', at('2026-03-06T10:00')))).toBe('2026-03-07T08:00:00.000+01:00');
    expect(iso(measurementStart(sevenDays, 'NBD-Hod', 'reaction', at('2026-03-06T10:00')))).toBe('2026-03-09T08:00:00.000+01:00');
  });

  it('NBD without a window moves the start to the next service instant', () => {
    const wednesdays = calendar({ windows: week({ wed: [['08:00', '16:00']] }) });
    expect(nextBusinessDay(wednesdays, at('2026-03-02T10:00'))).toBe('2026-03-03');
    expect(iso(measurementStart(wednesdays, 'NBD-Hod', 'reaction', at('2026-03-02T10:00')))).toBe('2026-03-04T08:00:00.000+01:00');
  });

  it('the measurement start of every other method and target is the submission', () => {
    for (const method of ['Hod', 'Min', 'Min-Cont', 'Den', 'Den-Cont'] as const) {
      for (const target of ['reaction', 'resolution'] as const) {
        expect(measurementStart(office, method, target, at('2026-03-07T10:00'))).toBe(at('2026-03-07T10:00'));
      }
    }
  });
});

describe('Den = one full service day of counted time (SLA.md §2.3)', () => {
  const cases: DueCase[] = [
    ['Sat 10:00 + 1 Den on 08–16 is Mon 16:00', office, 'Den', 'resolution', 1, '2026-03-28T10:00', '2026-03-30T16:00:00.000+02:00'],
    ['Tue 10:00 + 1 Den on 08–16 is Wed 10:00', office, 'Den', 'resolution', 1, '2026-03-31T10:00', '2026-04-01T10:00:00.000+02:00'],
    ['with a short Friday, Thu 15:00 + 1 Den is Mon 09:00', shortFriday, 'Den', 'resolution', 1, '2026-03-05T15:00', '2026-03-09T09:00:00.000+01:00'],
    ['on 24x7 across the spring switch, Sat 10:00 + 1 Den is Sun 11:00+02:00', allDay, 'Den', 'resolution', 1, '2026-03-28T10:00', '2026-03-29T11:00:00.000+02:00'],
    ['Den-Cont Sat 28 Mar 2026 10:00 + 1 is Sun 29 Mar 11:00+02:00', office, 'Den-Cont', 'resolution', 1, '2026-03-28T10:00', '2026-03-29T11:00:00.000+02:00'],
    ['1 Den on 08–12 + 13–17 from Mon 08:00 ends at 17:00', lunch, 'Den', 'reaction', 1, '2026-03-02T08:00', '2026-03-02T17:00:00.000+01:00'],
  ];
  it.each(cases)('%s', (...c) => expectDue(c));

  it('elapsed is fractional: Mon 08:00 → Tue 14:00 is 1.75 Den', () => {
    expect(elapsed(office, 'Den', 'resolution', at('2026-03-02T08:00'), at('2026-03-03T14:00'))).toBe(1.75);
  });
});

describe('edge cases decided in SLA.md §2.6', () => {
  it('a ticket submitted outside the window is WDOUT and counting starts at the next service instant', () => {
    const cases: [ServiceCalendar, string, string][] = [
      [office, '2026-03-02T18:00', '2026-03-03T09:00:00.000+01:00'], // evening
      [office, '2026-03-07T10:00', '2026-03-09T09:00:00.000+01:00'], // weekend
      [office, '2026-05-01T10:00', '2026-05-04T09:00:00.000+02:00'], // holiday (Labour Day, Friday)
      [lunch, '2026-03-02T12:30', '2026-03-02T14:00:00.000+01:00'], // lunch break
    ];
    for (const [cal, start, due] of cases) {
      expect(workingTime(cal, at(start)), start).toBe('WDOUT');
      expect(measurementStart(cal, 'Hod', 'resolution', at(start)), start).toBe(at(start));
      expect(iso(dueAt(cal, 'Hod', 'resolution', 1, at(start))), start).toBe(due);
      expect(iso(firstServiceInstant(cal, at(start)) + 3_600_000), start).toBe(due);
    }
  });

  it('a window start is WDIN and a window end is WDOUT (half-open)', () => {
    expect(workingTime(office, at('2026-03-02T08:00'))).toBe('WDIN');
    expect(workingTime(office, at('2026-03-02T07:59:59.999'))).toBe('WDOUT');
    expect(workingTime(office, at('2026-03-02T15:59:59.999'))).toBe('WDIN');
    expect(workingTime(office, at('2026-03-02T16:00'))).toBe('WDOUT');
  });

  it('a budget used up exactly at a window end returns that end, not the next opening', () => {
    expect(iso(dueAt(office, 'Hod', 'resolution', 8, at('2026-03-02T08:00')))).toBe('2026-03-02T16:00:00.000+01:00');
    expect(iso(dueAt(lunch, 'Hod', 'resolution', 4, at('2026-03-02T08:00')))).toBe('2026-03-02T12:00:00.000+01:00');
    expect(iso(dueAt(lunch, 'Hod', 'resolution', 8, at('2026-03-02T08:00')))).toBe('2026-03-02T17:00:00.000+01:00');
    expect(iso(dueAt(office, 'Min', 'resolution', 481, at('2026-03-02T08:00')))).toBe('2026-03-03T08:01:00.000+01:00');
  });

  it('from Friday evening before a holiday Monday, the weekend and the holiday are skipped', () => {
    expect(nextBusinessDay(office, at('2026-09-25T18:00'))).toBe('2026-09-29');
    expect(iso(dueAt(office, 'Hod', 'resolution', 1, at('2026-09-25T18:00')))).toBe('2026-09-29T09:00:00.000+02:00');
  });

  it('Easter 2027 (DST Sunday between Good Friday and Easter Monday) gives NBD = Tue 30 Mar 08:00+02:00', () => {
    expect(nextBusinessDay(office, at('2027-03-25T10:00'))).toBe('2027-03-30');
    expect(iso(measurementStart(office, 'NBD-Hod', 'reaction', at('2027-03-25T10:00')))).toBe('2027-03-30T08:00:00.000+02:00');
    expect(iso(dueAt(office, 'NBD-Hod', 'reaction', 4, at('2027-03-25T10:00')))).toBe('2027-03-30T12:00:00.000+02:00');
  });

  it('DST changes only the offsets of office-hour figures, not the counted hours', () => {
    expect(iso(dueAt(office, 'Hod', 'resolution', 8, at('2026-03-27T12:00')))).toBe('2026-03-30T12:00:00.000+02:00');
    expect(iso(dueAt(office, 'Hod', 'resolution', 8, at('2026-10-23T12:00')))).toBe('2026-10-26T12:00:00.000+01:00');
    expect(elapsed(office, 'Hod', 'resolution', at('2026-03-27T12:00'), at('2026-03-30T12:00'))).toBe(8);
    expect(elapsed(office, 'Hod', 'resolution', at('2026-10-23T12:00'), at('2026-10-26T12:00'))).toBe(8);
  });

  it('windows covering 02:00–03:00 count real time: night 00–06 is 5 h in spring and 7 h in autumn', () => {
    expect(elapsed(nights, 'Hod', 'resolution', at('2026-03-28T12:00'), at('2026-03-29T12:00'))).toBe(5);
    expect(elapsed(nights, 'Hod', 'resolution', at('2026-10-24T12:00'), at('2026-10-25T12:00'))).toBe(7);
    expect(elapsed(nights, 'Hod', 'resolution', at('2026-03-21T12:00'), at('2026-03-22T12:00'))).toBe(6);
    expect(iso(dueAt(nights, 'Hod', 'resolution', 5, at('2026-03-29T00:00')))).toBe('2026-03-29T06:00:00.000+02:00');
    expect(iso(dueAt(nights, 'Hod', 'resolution', 6, at('2026-03-29T00:00')))).toBe('2026-03-30T01:00:00.000+02:00');
    expect(elapsed(allDay, 'Hod', 'resolution', at('2026-03-29T00:00'), at('2026-03-30T00:00'))).toBe(23);
    expect(elapsed(allDay, 'Hod', 'resolution', at('2026-10-25T00:00'), at('2026-10-26T00:00'))).toBe(25);
    expect(iso(dueAt(allDay, 'Hod', 'resolution', 3, at('2026-03-29T00:00')))).toBe('2026-03-29T04:00:00.000+02:00');
  });

  it('Cont methods count real minutes across DST', () => {
    expect(iso(dueAt(office, 'Min-Cont', 'resolution', 180, at('2026-10-24T23:00')))).toBe('2026-10-25T02:00:00.000+02:00');
    expect(iso(dueAt(office, 'Min-Cont', 'resolution', 240, at('2026-10-24T23:00')))).toBe('2026-10-25T02:00:00.000+01:00');
    expect(iso(dueAt(office, 'Den-Cont', 'resolution', 1, at('2026-10-24T10:00')))).toBe('2026-10-25T09:00:00.000+01:00');
    expect(elapsed(office, 'Min-Cont', 'resolution', at('2026-03-28T12:00'), at('2026-03-29T12:00'))).toBe(1380);
  });

  it('00:00–24:00 days and windows joined at midnight lose no minute', () => {
    expect(iso(dueAt(allDay, 'Min', 'resolution', 60, at('2026-03-02T23:30')))).toBe('2026-03-03T00:30:00.000+01:00');
    expect(elapsed(allDay, 'Min', 'resolution', at('2026-03-02T10:00'), at('2026-03-03T10:00'))).toBe(1440);
    expect(iso(dueAt(nightShift, 'Hod', 'resolution', 2, at('2026-03-02T23:00')))).toBe('2026-03-03T01:00:00.000+01:00');
    expect(iso(dueAt(nightShift, 'Hod', 'resolution', 2, at('2026-03-02T22:00')))).toBe('2026-03-03T00:00:00.000+01:00');
    expect(elapsed(nightShift, 'Hod', 'resolution', at('2026-03-02T22:00'), at('2026-03-03T06:00'))).toBe(8);
  });

  it('a window ending 24:00 with nothing after it continues at the next window', () => {
    const evening = calendar({ windows: week({ mon: [['20:00', '24:00']], tue: [['08:00', '10:00']] }) });
    expect(iso(dueAt(evening, 'Hod', 'resolution', 2, at('2026-03-02T23:00')))).toBe('2026-03-03T09:00:00.000+01:00');
  });

  it('a holiday closes every window of its own date, including the after-midnight half of a night shift', () => {
    const shift = calendar({ windows: everyDay(['00:00', '06:00'], ['22:00', '24:00']), holidays: ['2026-03-03'] });
    expect(isServiceInstant(shift, at('2026-03-03T01:00'))).toBe(false);
    expect(isServiceInstant(shift, at('2026-03-02T23:00'))).toBe(true);
    expect(iso(dueAt(shift, 'Hod', 'resolution', 2, at('2026-03-02T23:00')))).toBe('2026-03-04T01:00:00.000+01:00');
  });

  it('a 24x7 contract runs on Christmas', () => {
    expect(workingTime(allDay, at('2026-12-24T10:00'))).toBe('WDIN');
    expect(iso(dueAt(allDay, 'Hod', 'resolution', 24, at('2026-12-24T10:00')))).toBe('2026-12-25T10:00:00.000+01:00');
  });

  it('an extra closed date of the contract acts as a holiday, also for NBD', () => {
    const cal = calendar({ windows: workdays(['08:00', '16:00']), country: 'CZ', holidays: ['2026-03-31'] });
    expect(nextBusinessDay(cal, at('2026-03-30T10:00'))).toBe('2026-04-01');
    expect(iso(measurementStart(cal, 'NBD-Hod', 'reaction', at('2026-03-30T10:00')))).toBe('2026-04-01T08:00:00.000+02:00');
    expect(iso(dueAt(cal, 'Hod', 'resolution', 2, at('2026-03-30T15:00')))).toBe('2026-04-01T09:00:00.000+02:00');
    expect(iso(dueAt(office, 'Hod', 'resolution', 2, at('2026-03-30T15:00')))).toBe('2026-03-31T09:00:00.000+02:00');
  });

  it('the leap day 29 Feb 2028 is an ordinary date', () => {
    expect(iso(dueAt(office, 'Hod', 'resolution', 2, at('2028-02-28T15:00')))).toBe('2028-02-29T09:00:00.000+01:00');
    expect(iso(dueAt(office, 'Den', 'resolution', 1, at('2028-02-29T10:00')))).toBe('2028-03-01T10:00:00.000+01:00');
  });

  it('computes in the calendar zone whatever zone the instants are written in', () => {
    const eveningUtc = Date.parse('2026-03-02T17:30:00Z'); // 18:30 in Prague
    expect(workingTime(office, eveningUtc)).toBe('WDOUT');
    expect(iso(dueAt(office, 'Hod', 'resolution', 1, eveningUtc))).toBe('2026-03-03T09:00:00.000+01:00');
    const newYork = calendar({ timezone: 'America/New_York', windows: workdays(['09:00', '17:00']) });
    const tenAmEst = Date.parse('2026-03-02T15:00:00Z');
    expect(workingTime(newYork, tenAmEst)).toBe('WDIN');
    expect(iso(dueAt(newYork, 'Hod', 'resolution', 2, tenAmEst), 'America/New_York')).toBe('2026-03-02T12:00:00.000-05:00');
    // US DST starts Sun 8 Mar 2026
    expect(iso(dueAt(newYork, 'Hod', 'resolution', 2, Date.parse('2026-03-06T21:00:00Z')), 'America/New_York')).toBe(
      '2026-03-09T10:00:00.000-04:00',
    );
  });
});

describe('engine guards', () => {
  it('rejects amounts that are not positive whole numbers', () => {
    for (const amount of [0, -1, 1.5, Number.NaN]) {
      expect(() => dueAt(office, 'Hod', 'resolution', amount, at('2026-03-02T10:00'))).toThrow(SlaInputError);
    }
  });

  it('throws instead of looping when the budget cannot be used within 3 years', () => {
    expect(() => dueAt(office, 'Hod', 'resolution', 100_000, at('2026-03-02T10:00'))).toThrow(SlaWalkLimitError);
    const mondays: string[] = [];
    for (let t = at('2026-03-02T12:00'); t < at('2031-01-01T00:00'); t += 7 * 86_400_000) {
      mondays.push(new Date(t).toISOString().slice(0, 10));
    }
    const closed = calendar({ windows: week({ mon: [['08:00', '16:00']] }), holidays: mondays });
    expect(() => dueAt(closed, 'Hod', 'resolution', 1, at('2026-03-02T10:00'))).toThrow(SlaWalkLimitError);
    expect(() => measurementStart(closed, 'ND-Hod', 'reaction', at('2026-03-02T10:00'))).toThrow(SlaWalkLimitError);
  });

  it('returns null when the running intervals end before the budget is used', () => {
    const running = [{ from: at('2026-03-02T10:00'), to: at('2026-03-02T11:00') }];
    expect(dueAt(office, 'Hod', 'resolution', 2, at('2026-03-02T10:00'), running)).toBeNull();
    expect(iso(dueAt(office, 'Min', 'resolution', 60, at('2026-03-02T10:00'), running))).toBe('2026-03-02T11:00:00.000+01:00');
  });

  it('keeps milliseconds', () => {
    expect(iso(dueAt(office, 'Min', 'resolution', 1, at('2026-03-02T10:00:00.250')))).toBe('2026-03-02T10:01:00.250+01:00');
  });

  it('is a pure function of its inputs: a recomputation with an edited calendar moves the due', () => {
    const start = at('2026-03-30T15:00');
    const before = dueAt(office, 'Hod', 'resolution', 2, start);
    const edited = calendar({ windows: workdays(['08:00', '16:00']), country: 'CZ', holidays: ['2026-03-31'] });
    expect(dueAt(office, 'Hod', 'resolution', 2, start)).toBe(before);
    expect(dueAt(edited, 'Hod', 'resolution', 2, start)).toBe(at('2026-04-01T09:00'));
  });
});
