import { describe, expect, it } from 'vitest';
import {
  SlaInputError,
  dueAt,
  parseCalendarConfig,
  serviceDayMinutes,
} from '../../../src/domain/sla/index.js';
import { PRAGUE, at, calendar, everyDay, iso, week, workdays } from './fixtures.js';

function rejection(input: unknown): { field: string; message: string } {
  try {
    parseCalendarConfig(input);
  } catch (e) {
    if (e instanceof SlaInputError) return { field: e.field, message: e.message };
    throw e;
  }
  throw new Error('calendar was accepted');
}

const base = { timezone: PRAGUE, country: null, holidays: [] };

describe('calendar validation', () => {
  it('rejects a window whose end is not after its start, naming the window', () => {
    expect(rejection({ ...base, windows: week({ mon: [['08:00', '07:00']] }) })).toEqual({
      field: 'calendar.windows.mon[0]',
      message: 'end 07:00 is not after start 08:00',
    });
    expect(rejection({ ...base, windows: week({ tue: [['08:00', '16:00'], ['10:00', '10:00']] }) })).toEqual({
      field: 'calendar.windows.tue[1]',
      message: 'end 10:00 is not after start 10:00',
    });
  });

  it('rejects overlapping windows and names the later one', () => {
    expect(rejection({ ...base, windows: week({ wed: [['11:00', '16:00'], ['08:00', '12:00']] }) })).toEqual({
      field: 'calendar.windows.wed[0]',
      message: 'window 11:00–16:00 overlaps 08:00–12:00',
    });
  });

  it('rejects boundaries inside 02:00–02:59 but accepts a window spanning that hour', () => {
    expect(rejection({ ...base, windows: week({ sun: [['02:30', '06:00']] }) })).toEqual({
      field: 'calendar.windows.sun[0]',
      message: 'boundary 02:30 lies inside 02:00–02:59, which is skipped or repeated on DST switch days',
    });
    expect(rejection({ ...base, windows: week({ sun: [['00:00', '02:00']] }) }).field).toBe('calendar.windows.sun[0]');
    const ok = parseCalendarConfig({ ...base, windows: week({ sun: [['01:00', '03:00']] }) });
    expect(ok.windows.sun).toEqual([['01:00', '03:00']]);
  });

  it('rejects a week without any window', () => {
    expect(rejection({ ...base, windows: week({}) })).toEqual({
      field: 'calendar.windows',
      message: 'the week has no service window; at least one day needs one',
    });
  });

  it('rejects an unknown time zone', () => {
    expect(rejection({ ...base, timezone: 'Europe/Prag', windows: workdays(['08:00', '16:00']) })).toEqual({
      field: 'calendar.timezone',
      message: 'unknown time zone "Europe/Prag" (expected an IANA name such as Europe/Prague)',
    });
  });

  it('rejects malformed times, a 24:00 start, bad dates, countries and unknown keys', () => {
    expect(rejection({ ...base, windows: week({ mon: [['8:00', '16:00']] }) })).toEqual({
      field: 'calendar.windows.mon[0][0]',
      message: 'must be a time "HH:MM" between 00:00 and 24:00',
    });
    expect(rejection({ ...base, windows: week({ mon: [['08:00', '24:30']] }) }).field).toBe('calendar.windows.mon[0][1]');
    expect(rejection({ ...base, windows: week({ mon: [['24:00', '24:00']] }) })).toEqual({
      field: 'calendar.windows.mon[0]',
      message: 'start 24:00 is not allowed (24:00 may only end a window)',
    });
    expect(rejection({ ...base, holidays: ['2026-02-30'], windows: workdays(['08:00', '16:00']) })).toEqual({
      field: 'calendar.holidays[0]',
      message: 'must be a valid date "YYYY-MM-DD"',
    });
    expect(rejection({ ...base, country: 'DE', windows: workdays(['08:00', '16:00']) })).toEqual({
      field: 'calendar.country',
      message: 'must be "CZ" or null (no public holidays)',
    });
    expect(rejection({ timezone: PRAGUE, windows: workdays(['08:00', '16:00']) })).toEqual({
      field: 'calendar.country',
      message: 'must be "CZ" or null (no public holidays)',
    });
    expect(rejection({ ...base, windows: { monday: [['08:00', '16:00']] } })).toEqual({
      field: 'calendar.windows.monday',
      message: 'unknown field',
    });
    expect(rejection({ ...base, serviceDayMinutes: 0, windows: workdays(['08:00', '16:00']) })).toEqual({
      field: 'calendar.serviceDayMinutes',
      message: 'must be between 1 and 1440',
    });
  });

  it('sorts windows, merges adjacent ones and accepts 24:00 as an end', () => {
    const config = parseCalendarConfig({
      ...base,
      windows: week({ mon: [['13:00', '17:00'], ['08:00', '12:00'], ['12:00', '13:00']], fri: [['20:00', '24:00']] }),
    });
    expect(config.windows.mon).toEqual([['08:00', '17:00']]);
    expect(config.windows.fri).toEqual([['20:00', '24:00']]);
    expect(config.windows.sat).toEqual([]);
  });

  it('defaults the time zone to Europe/Prague and missing weekdays to no window', () => {
    const config = parseCalendarConfig({ country: 'CZ', windows: { mon: [['08:00', '16:00']] } });
    expect(config.timezone).toBe('Europe/Prague');
    expect(config.windows.sun).toEqual([]);
    expect(config.holidays).toEqual([]);
  });
});

describe('service day W (unit of Den)', () => {
  it('is the longest weekday total unless configured', () => {
    expect(serviceDayMinutes(calendar({ windows: workdays(['08:00', '16:00']) }))).toBe(480);
    expect(serviceDayMinutes(calendar({ windows: workdays(['08:00', '12:00'], ['13:00', '17:00']) }))).toBe(480);
    expect(serviceDayMinutes(calendar({ windows: everyDay(['08:00', '20:00']) }))).toBe(720);
    expect(serviceDayMinutes(calendar({ windows: everyDay(['00:00', '24:00']) }))).toBe(1440);
    expect(
      serviceDayMinutes(calendar({ windows: week({ mon: [['08:00', '16:00']], fri: [['08:00', '14:00']] }) })),
    ).toBe(480);
    expect(serviceDayMinutes(calendar({ windows: workdays(['08:00', '16:00']), serviceDayMinutes: 600 }))).toBe(600);
  });

  it('uses the configured W: 1 Den from Mon 08:00 with W = 600 ends Tue 10:00', () => {
    const cal = calendar({ windows: workdays(['08:00', '16:00']), serviceDayMinutes: 600 });
    expect(iso(dueAt(cal, 'Den', 'resolution', 1, at('2026-03-02T08:00')))).toBe('2026-03-03T10:00:00.000+01:00');
  });
});
