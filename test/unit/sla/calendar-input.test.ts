/**
 * The admin's typed calendar (src/domain/sla/calendar-input.ts): a weekday's text, night windows
 * split at midnight, the engine's per-day check with the refusal on the weekday it was typed on,
 * closed dates by line, and the 14-day preview (holidays, extra closed dates, DST Sundays).
 */
import { describe, expect, it } from 'vitest';
import {
  type CalendarConfig,
  checkWeek,
  parseCalendarConfig,
  parseDateLines,
  parseWindowText,
  previewDays,
  splitAtMidnight,
  type TypedWindow,
  weekRuns,
  windowText,
  type Weekday,
  WEEKDAYS,
} from '../../../src/domain/sla/index.js';
import { at, everyDay, PRAGUE, week, workdays } from './fixtures.js';

const H = 3_600_000;
const w = (start: string, end: string): TypedWindow => ({ start, end });
const typedWeek = (days: Partial<Record<Weekday, TypedWindow[]>>) =>
  Object.fromEntries(WEEKDAYS.map((d) => [d, days[d] ?? []])) as Record<Weekday, TypedWindow[]>;
const config = (windows: CalendarConfig['windows'], more: Partial<CalendarConfig> = {}): CalendarConfig =>
  parseCalendarConfig({ timezone: PRAGUE, windows, country: null, holidays: [], ...more });

describe("a weekday's typed windows", () => {
  it('reads windows separated by commas, semicolons or lines, with one-digit hours, dots and en dashes', () => {
    expect(parseWindowText('08:00-12:00, 13:00-16:00')).toEqual({ windows: [w('08:00', '12:00'), w('13:00', '16:00')] });
    expect(parseWindowText(' 8:00 – 12:00;13.00-16:00\n22:00-6:00 ')).toEqual({
      windows: [w('08:00', '12:00'), w('13:00', '16:00'), w('22:00', '06:00')],
    });
    expect(parseWindowText('')).toEqual({ windows: [] });
    expect(parseWindowText('  ,  ')).toEqual({ windows: [] });
  });

  it('refuses a time outside 00:00–24:00 naming it, and text that is no window naming the text', () => {
    expect(parseWindowText('08:00-12:00, 13:00-25:00')).toEqual({ problem: { code: 'time', time: '25:00' } });
    expect(parseWindowText('08:60-12:00')).toEqual({ problem: { code: 'time', time: '08:60' } });
    expect(parseWindowText('24:30-06:00')).toEqual({ problem: { code: 'time', time: '24:30' } });
    expect(parseWindowText('08:00-12:00, celý den')).toEqual({ problem: { code: 'syntax', text: 'celý den' } });
    expect(parseWindowText('08:00 12:00')).toEqual({ problem: { code: 'syntax', text: '08:00 12:00' } });
    expect(parseWindowText('08:00-12:000')).toEqual({ problem: { code: 'syntax', text: '08:00-12:000' } });
  });

  it('shows stored windows as they are typed', () => {
    expect(windowText([['08:00', '12:00'], ['13:00', '16:00']])).toBe('08:00-12:00, 13:00-16:00');
    expect(windowText([])).toBe('');
  });
});

describe('a window crossing midnight', () => {
  it('is split into the part until 24:00 and the part from 00:00 of the next day', () => {
    expect(splitAtMidnight('mon', w('22:00', '06:00'))).toEqual([
      { day: 'mon', window: ['22:00', '24:00'] },
      { day: 'tue', window: ['00:00', '06:00'] },
    ]);
    // Sunday night goes on to Monday
    expect(splitAtMidnight('sun', w('23:30', '01:15'))).toEqual([
      { day: 'sun', window: ['23:30', '24:00'] },
      { day: 'mon', window: ['00:00', '01:15'] },
    ]);
    // ending at midnight: only the first part
    expect(splitAtMidnight('fri', w('22:00', '00:00'))).toEqual([{ day: 'fri', window: ['22:00', '24:00'] }]);
  });

  it('leaves day windows and what the engine will refuse whole', () => {
    expect(splitAtMidnight('mon', w('08:00', '16:00'))).toEqual([{ day: 'mon', window: ['08:00', '16:00'] }]);
    expect(splitAtMidnight('mon', w('00:00', '24:00'))).toEqual([{ day: 'mon', window: ['00:00', '24:00'] }]);
    expect(splitAtMidnight('mon', w('08:00', '08:00'))).toEqual([{ day: 'mon', window: ['08:00', '08:00'] }]);
    expect(splitAtMidnight('mon', w('24:00', '06:00'))).toEqual([{ day: 'mon', window: ['24:00', '06:00'] }]);
  });

  it('is stored split, sorted before the next day own windows, and the engine takes the result as it is', () => {
    const result = checkWeek(typedWeek({ mon: [w('22:00', '06:00')], tue: [w('08:00', '16:00')], sun: [w('20:00', '01:30')] }));
    expect(result).toEqual({
      windows: {
        mon: [['00:00', '01:30'], ['22:00', '24:00']],
        tue: [['00:00', '06:00'], ['08:00', '16:00']],
        wed: [], thu: [], fri: [], sat: [],
        sun: [['20:00', '24:00']],
      },
    });
    if (!('windows' in result)) throw new Error('refused');
    expect(config(result.windows).windows).toEqual(result.windows);
  });

  it('joins adjacent windows as the engine does', () => {
    const result = checkWeek(typedWeek({ mon: [w('16:00', '22:00'), w('08:00', '16:00'), w('22:00', '00:00')], tue: [w('00:00', '24:00')] }));
    expect(result).toEqual({ windows: { ...week({}), mon: [['08:00', '24:00']], tue: [['00:00', '24:00']] } });
  });
});

describe('the check of a typed week', () => {
  it('refuses an end not after its start, a 24:00 start and a boundary in the DST hour, on their weekday and position', () => {
    const result = checkWeek(typedWeek({ mon: [w('08:00', '12:00'), w('13:00', '13:00')], wed: [w('24:00', '06:00')], sun: [w('02:30', '06:00')], fri: [w('08:00', '16:00')] }));
    expect(result).toEqual({
      refused: {
        mon: { typed: w('13:00', '13:00'), index: 1, piece: null, problem: { code: 'end_not_after_start', start: '13:00', end: '13:00' }, otherFrom: null },
        wed: { typed: w('24:00', '06:00'), index: 0, piece: null, problem: { code: 'start_24' }, otherFrom: null },
        sun: { typed: w('02:30', '06:00'), index: 0, piece: null, problem: { code: 'dst_hour', time: '02:30' }, otherFrom: null },
      },
    });
  });

  it('refuses overlapping windows on the day they were typed', () => {
    expect(checkWeek(typedWeek({ thu: [w('08:00', '12:00'), w('11:00', '16:00')] }))).toEqual({
      refused: {
        thu: { typed: w('11:00', '16:00'), index: 1, piece: null, problem: { code: 'overlap', window: ['11:00', '16:00'], other: ['08:00', '12:00'] }, otherFrom: null },
      },
    });
  });

  it("names the night window whose after-midnight part overlaps the next day's window", () => {
    // Sunday's night part lands on Monday, which is open all day: the refusal is Sunday's
    expect(checkWeek(typedWeek({ mon: [w('00:00', '24:00')], sun: [w('22:00', '06:00')] }))).toEqual({
      refused: {
        sun: {
          typed: w('22:00', '06:00'),
          index: 0,
          piece: { day: 'mon', window: ['00:00', '06:00'] },
          problem: { code: 'overlap', window: ['00:00', '06:00'], other: ['00:00', '24:00'] },
          otherFrom: null,
        },
      },
    });
    // Tuesday's own window starts later than Monday's night part: the refusal is Tuesday's, naming Monday
    expect(checkWeek(typedWeek({ mon: [w('22:00', '06:00')], tue: [w('05:00', '08:00')] }))).toEqual({
      refused: {
        tue: { typed: w('05:00', '08:00'), index: 0, piece: null, problem: { code: 'overlap', window: ['05:00', '08:00'], other: ['00:00', '06:00'] }, otherFrom: 'mon' },
      },
    });
  });
});

describe('closed dates typed one a line', () => {
  it('takes ISO dates, skips blank lines, sorts and drops repeats', () => {
    expect(parseDateLines('2026-12-31\n\n 2026-12-30 \r\n2026-12-31\n')).toEqual({ dates: ['2026-12-30', '2026-12-31'] });
    expect(parseDateLines('')).toEqual({ dates: [] });
  });

  it('names every line that is not a real date by its number', () => {
    expect(parseDateLines('2026-12-31\n2026-02-30\n\n31.12.2026\n2026-12-24')).toEqual({
      problems: [
        { line: 2, text: '2026-02-30' },
        { line: 4, text: '31.12.2026' },
      ],
    });
  });
});

describe('the preview of the next days', () => {
  it('gives each date its service intervals and total, closing public holidays (named) and extra closed dates', () => {
    const office = config(workdays(['08:00', '12:00'], ['13:00', '16:00']), { country: 'CZ', holidays: ['2026-04-09'] });
    const days = previewDays(office, at('2026-04-01T10:00'));
    expect(days).toHaveLength(14);
    expect(days.map((d) => d.isoDate)).toEqual([
      '2026-04-01', '2026-04-02', '2026-04-03', '2026-04-04', '2026-04-05', '2026-04-06', '2026-04-07',
      '2026-04-08', '2026-04-09', '2026-04-10', '2026-04-11', '2026-04-12', '2026-04-13', '2026-04-14',
    ]);
    expect(days[0]).toEqual({
      isoDate: '2026-04-01',
      weekday: 'wed',
      intervals: [{ start: '08:00', end: '12:00' }, { start: '13:00', end: '16:00' }],
      serviceMs: 7 * H,
      holiday: null,
      extraClosed: false,
    });
    expect(days[2]).toMatchObject({ weekday: 'fri', intervals: [], serviceMs: 0, holiday: { date: '2026-04-03', name: 'Velký pátek' } });
    expect(days[5]).toMatchObject({ weekday: 'mon', intervals: [], serviceMs: 0, holiday: { date: '2026-04-06', name: 'Velikonoční pondělí' } });
    expect(days[8]).toMatchObject({ weekday: 'thu', intervals: [], serviceMs: 0, holiday: null, extraClosed: true });
    expect(days[3]).toMatchObject({ weekday: 'sat', intervals: [], serviceMs: 0, holiday: null, extraClosed: false });
    expect(days.map((d) => d.serviceMs / H)).toEqual([7, 7, 0, 0, 0, 0, 7, 7, 0, 7, 0, 0, 7, 7]);
  });

  it('starts with the local date of the instant, in the calendar zone', () => {
    const office = config(workdays(['08:00', '16:00']));
    // 23:30 UTC on Tuesday is already Wednesday in Prague
    expect(previewDays(office, Date.parse('2026-04-07T23:30:00Z'), 1)[0]).toMatchObject({ isoDate: '2026-04-08', weekday: 'wed' });
  });

  it('counts real time on DST Sundays: the spring night is an hour shorter, the autumn one an hour longer', () => {
    const result = checkWeek(typedWeek(Object.fromEntries(WEEKDAYS.map((d) => [d, [w('22:00', '06:00')]]))));
    if (!('windows' in result)) throw new Error('refused');
    const night = config(result.windows);
    const spring = previewDays(night, at('2026-03-23T12:00'), 7);
    expect(spring.map((d) => d.serviceMs / H)).toEqual([8, 8, 8, 8, 8, 8, 7]);
    expect(spring[6]).toMatchObject({ isoDate: '2026-03-29', intervals: [{ start: '00:00', end: '06:00' }, { start: '22:00', end: '24:00' }] });
    const autumn = previewDays(night, at('2026-10-19T12:00'), 7);
    expect(autumn.map((d) => d.serviceMs / H)).toEqual([8, 8, 8, 8, 8, 8, 9]);

    const always = config(everyDay(['00:00', '24:00']));
    expect(previewDays(always, at('2026-03-29T12:00'), 1)[0]).toMatchObject({ intervals: [{ start: '00:00', end: '24:00' }], serviceMs: 23 * H });
    expect(previewDays(always, at('2026-10-25T12:00'), 1)[0]).toMatchObject({ intervals: [{ start: '00:00', end: '24:00' }], serviceMs: 25 * H });
  });

  it("closes a holiday's own date: the after-midnight part of the night before it too", () => {
    const result = checkWeek(typedWeek({ thu: [w('22:00', '06:00')], fri: [w('22:00', '06:00')] }));
    if (!('windows' in result)) throw new Error('refused');
    // Friday 1 May 2026 is Svátek práce
    const days = previewDays(config(result.windows, { country: 'CZ' }), at('2026-04-30T12:00'), 3);
    expect(days.map((d) => [d.isoDate, d.intervals, d.serviceMs / H])).toEqual([
      ['2026-04-30', [{ start: '22:00', end: '24:00' }], 2],
      ['2026-05-01', [], 0],
      ['2026-05-02', [{ start: '00:00', end: '06:00' }], 6],
    ]);
    expect(days[1]!.holiday).toEqual({ date: '2026-05-01', name: 'Svátek práce' });
  });
});

describe('the week summary', () => {
  it('groups consecutive weekdays with the same windows and leaves closed days out', () => {
    expect(weekRuns(week({ mon: [['08:00', '16:00']], tue: [['08:00', '16:00']], wed: [['08:00', '16:00']], thu: [['08:00', '16:00']], fri: [['08:00', '14:00']], sun: [['10:00', '12:00']] }))).toEqual([
      { from: 'mon', to: 'thu', windows: [['08:00', '16:00']] },
      { from: 'fri', to: 'fri', windows: [['08:00', '14:00']] },
      { from: 'sun', to: 'sun', windows: [['10:00', '12:00']] },
    ]);
  });
});
