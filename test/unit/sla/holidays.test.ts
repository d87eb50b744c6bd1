import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  buildServiceCalendar,
  dueAt,
  holidaysFor,
  isServiceInstant,
  parseCalendarConfig,
  yearsAround,
} from '../../../src/domain/sla/index.js';
import { at, iso, office, workdays } from './fixtures.js';

const CZ_PUBLIC_HOLIDAYS: Record<number, string[]> = {
  2025: [
    '2025-01-01', '2025-04-18', '2025-04-21', '2025-05-01', '2025-05-08', '2025-07-05', '2025-07-06',
    '2025-09-28', '2025-10-28', '2025-11-17', '2025-12-24', '2025-12-25', '2025-12-26',
  ],
  2026: [
    '2026-01-01', '2026-04-03', '2026-04-06', '2026-05-01', '2026-05-08', '2026-07-05', '2026-07-06',
    '2026-09-28', '2026-10-28', '2026-11-17', '2026-12-24', '2026-12-25', '2026-12-26',
  ],
  2027: [
    '2027-01-01', '2027-03-26', '2027-03-29', '2027-05-01', '2027-05-08', '2027-07-05', '2027-07-06',
    '2027-09-28', '2027-10-28', '2027-11-17', '2027-12-24', '2027-12-25', '2027-12-26',
  ],
};

describe('Czech public holidays', () => {
  for (const [year, dates] of Object.entries(CZ_PUBLIC_HOLIDAYS)) {
    it(`are exactly the 13 public holidays of ${year}`, () => {
      expect(holidaysFor('CZ', [Number(year)])).toEqual(dates);
    });
  }

  it('close the service on every one of them that falls on a working day', () => {
    const onWorkdays = Object.values(CZ_PUBLIC_HOLIDAYS)
      .flat()
      .filter((date) => DateTime.fromISO(date).weekday <= 5);
    expect(onWorkdays).toHaveLength(30);
    for (const date of onWorkdays) {
      expect(isServiceInstant(office, at(`${date}T10:00`)), date).toBe(false);
      // control: the same weekday a week later is open unless it is a holiday too
      const weekAfter = DateTime.fromISO(date).plus({ weeks: 1 }).toISODate()!;
      if (!Object.values(CZ_PUBLIC_HOLIDAYS).flat().includes(weekAfter)) {
        expect(isServiceInstant(office, at(`${weekAfter}T10:00`)), weekAfter).toBe(true);
      }
    }
  });

  it('leave Maundy Thursday and other observances as normal working days', () => {
    for (const maundyThursday of ['2025-04-17', '2026-04-02', '2027-03-25']) {
      expect(isServiceInstant(office, at(`${maundyThursday}T10:00`)), maundyThursday).toBe(true);
    }
    // Easter Sunday and Mother's Day are observances too: nothing closes on them
    expect(holidaysFor('CZ', [2026])).not.toContain('2026-04-05');
    expect(holidaysFor('CZ', [2026])).not.toContain('2026-05-10');
    // Wed 2026-04-01 15:00 + 2 h runs into Maundy Thursday morning
    expect(iso(dueAt(office, 'Hod', 'resolution', 2, at('2026-04-01T15:00')))).toBe('2026-04-02T09:00:00.000+02:00');
  });

  it('join the contract’s extra closed dates in the engine calendar', () => {
    const config = parseCalendarConfig({ country: 'CZ', windows: workdays(['08:00', '16:00']), holidays: ['2026-03-31'] });
    const cal = buildServiceCalendar(config, { from: 2026, to: 2026 });
    expect([...cal.holidays].sort()).toEqual([...CZ_PUBLIC_HOLIDAYS[2026]!, '2026-03-31'].sort());
    const noCountry = buildServiceCalendar({ ...config, country: null }, { from: 2026, to: 2026 });
    expect([...noCountry.holidays]).toEqual(['2026-03-31']);
  });

  it('are materialised for the years a computation can reach', () => {
    expect(yearsAround('Europe/Prague', [at('2026-12-31T23:30'), at('2027-01-02T10:00')])).toEqual({ from: 2025, to: 2031 });
    // 2025-12-31T23:30Z is already 2026 in Prague
    expect(yearsAround('Europe/Prague', [Date.UTC(2025, 11, 31, 23, 30)])).toEqual({ from: 2025, to: 2030 });
  });
});
