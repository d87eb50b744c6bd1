import { spawnSync } from 'node:child_process';
import { freshDatabase, type TestDatabase } from '../../support/db.js';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSla, toClockInput, withPauses } from '../../../src/cli/sla-input.js';
import { SlaInputError } from '../../../src/domain/sla/index.js';
import { at } from './fixtures.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const office = {
  timezone: 'Europe/Prague',
  country: 'CZ',
  windows: {
    mon: [['08:00', '16:00']],
    tue: [['08:00', '16:00']],
    wed: [['08:00', '16:00']],
    thu: [['08:00', '16:00']],
    fri: [['08:00', '16:00']],
    sat: [],
    sun: [],
  },
  holidays: [],
};

function errorOf(input: unknown): string {
  try {
    runSla(typeof input === 'string' ? input : JSON.stringify(input));
  } catch (e) {
    if (e instanceof SlaInputError) return e.describe();
    throw e;
  }
  throw new Error('input was accepted');
}

describe('sla command input and output', () => {
  it('prints one JSON object with the figures, instants in the calendar offset', () => {
    const out = runSla(
      JSON.stringify({ calendar: office, method: 'NBD-Hod', target: 'reaction', amount: 4, start: '2027-03-25T10:00:00+01:00' }),
    );
    expect(JSON.parse(out)).toEqual({
      wd: 'WDIN',
      measurement_start: '2027-03-30T08:00:00.000+02:00',
      due: '2027-03-30T12:00:00.000+02:00',
      elapsed_minutes: 240,
      remaining_minutes: 0,
      breached: false,
      clock: 'running',
    });
    expect(out.trim().split('\n')).toHaveLength(1);
  });

  it('prints a JSON array for an array of requests', () => {
    const requests = [
      { calendar: office, method: 'Den', target: 'resolution', amount: 1, start: '2026-03-28T10:00:00+01:00' },
      { calendar: office, method: 'Den-Cont', target: 'resolution', amount: 1, start: '2026-03-28T09:00:00Z' },
    ];
    const out = JSON.parse(runSla(JSON.stringify(requests))) as { due: string; wd: string }[];
    expect(out.map((r) => [r.wd, r.due])).toEqual([
      ['WDOUT', '2026-03-30T16:00:00.000+02:00'],
      ['WDOUT', '2026-03-29T11:00:00.000+02:00'],
    ]);
    expect(runSla('[]')).toBe('[]\n');
  });

  it('turns pauses into paused/resumed state changes and measures up to `now`', () => {
    const out = JSON.parse(
      runSla(
        JSON.stringify({
          calendar: office,
          method: 'Hod',
          target: 'resolution',
          amount: 4,
          start: '2026-03-02T09:00:00+01:00',
          pauses: [['2026-03-02T10:00:00+01:00', '2026-03-02T11:30:00+01:00']],
          now: '2026-03-02T12:00:00+01:00',
        }),
      ),
    );
    expect(out).toEqual({
      wd: 'WDIN',
      measurement_start: '2026-03-02T09:00:00.000+01:00',
      due: '2026-03-02T14:30:00.000+01:00',
      elapsed_minutes: 90,
      remaining_minutes: 150,
      breached: false,
      clock: 'running',
    });
  });

  it('reports a met clock stopped after its due, and a cancelled ticket as not applicable', () => {
    const base = { calendar: office, method: 'Hod', target: 'reaction', amount: 8, start: '2026-03-28T10:00:00+01:00' };
    const [met, cancelled] = JSON.parse(
      runSla(
        JSON.stringify([
          { ...base, events: [{ at: '2026-03-30T17:00:00+02:00', to: 'accepted' }] },
          { ...base, events: [{ at: '2026-03-30T09:00:00+02:00', to: 'cancelled' }] },
        ]),
      ),
    );
    expect(met).toMatchObject({ due: '2026-03-30T16:00:00.000+02:00', elapsed_minutes: 480, breached: false, clock: 'stopped' });
    expect(cancelled).toMatchObject({ due: null, elapsed_minutes: null, remaining_minutes: null, breached: null, clock: 'not_applicable' });
  });

  it('resumes a pause into the state the events give at its end', () => {
    const events = withPauses(
      [
        { at: 10, to: 'accepted' },
        { at: 30, to: 'escalated' },
      ],
      [
        [20, 40],
        [5, 8],
        [35, 50],
      ],
    );
    expect(events).toEqual([
      { at: 5, to: 'paused' },
      { at: 8, to: 'new' },
      { at: 10, to: 'accepted' },
      { at: 20, to: 'paused' },
      { at: 50, to: 'escalated' },
    ]);
  });

  it('materialises the country holidays for the years the request touches', () => {
    const input = toClockInput({ calendar: office, method: 'Hod', target: 'resolution', amount: 1, start: '2026-12-23T15:30:00+01:00' });
    expect(input.calendar.holidays.has('2026-12-24')).toBe(true);
    expect(input.calendar.holidays.has('2027-01-01')).toBe(true);
    expect(input.submittedAt).toBe(at('2026-12-23T15:30'));
  });

  it('names the offending field in every error', () => {
    const ok = { calendar: office, method: 'Hod', target: 'resolution', amount: 4, start: '2026-03-02T09:00:00+01:00' };
    expect(errorOf({ ...ok, calendar: { ...office, windows: { mon: [['08:00', '07:00']] } } })).toBe(
      'calendar.windows.mon[0]: end 07:00 is not after start 08:00',
    );
    expect(errorOf({ ...ok, method: 'Hours' })).toBe('method: must be one of Hod, ND-Hod, NBD-Hod, Min, Min-Cont, Den, Den-Cont');
    expect(errorOf({ ...ok, target: 'update' })).toBe('target: must be one of reaction, resolution');
    expect(errorOf({ ...ok, amount: 0 })).toBe('amount: must be a positive whole number');
    expect(errorOf({ ...ok, start: '2026-03-02T09:00:00' })).toBe(
      'start: must be an ISO 8601 instant with an offset, e.g. 2026-03-30T08:00:00+02:00',
    );
    expect(errorOf({ ...ok, start: '2026-03-02' })).toBe(
      'start: must be an ISO 8601 instant with an offset, e.g. 2026-03-30T08:00:00+02:00',
    );
    expect(errorOf({ ...ok, start: undefined })).toBe('start: is required');
    expect(errorOf({ ...ok, pauses: [['2026-03-02T11:00:00+01:00', '2026-03-02T10:00:00+01:00']] })).toBe(
      'pauses[0]: end is not after start',
    );
    expect(errorOf({ ...ok, pauses: [['2026-03-01T11:00:00+01:00', '2026-03-02T10:00:00+01:00']] })).toBe(
      'pauses[0][0]: is before the submission',
    );
    expect(
      errorOf({
        ...ok,
        events: [
          { at: '2026-03-02T11:00:00+01:00', to: 'accepted' },
          { at: '2026-03-02T10:00:00+01:00', to: 'paused' },
        ],
      }),
    ).toBe('events[1].at: is before the previous state change (events must be in time order)');
    expect(errorOf({ ...ok, events: [{ at: '2026-03-02T11:00:00+01:00', to: 'done' }] })).toBe(
      'events[0].to: must be one of new, accepted, escalated, paused, resolved, closed, complained, cancelled',
    );
    expect(errorOf({ ...ok, now: '2026-03-01T11:00:00+01:00' })).toBe('now: is before the submission');
    expect(errorOf({ ...ok, pause: [] })).toBe('pause: unknown field');
    expect(errorOf([ok, { ...ok, amount: 1.5 }])).toBe('[1].amount: must be a positive whole number');
    expect(errorOf('{"calendar":')).toMatch(/^input: is not valid JSON/);
    expect(errorOf('42')).toBe('input: must be a JSON object or an array of objects');
  });
});

describe('sla command as a process', () => {
  // the command migrates its database first, like every command: give it a test database
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await freshDatabase();
  });
  afterAll(async () => {
    await tdb.drop();
  });
  function run(stdin: string) {
    return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/sla.ts'], {
      cwd: ROOT,
      input: stdin,
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: tdb.url },
    });
  }

  it('prints the figures and exits 0 for a valid request, and prints the field error and exits 1 for a bad one', () => {
    const good = run(
      JSON.stringify({ calendar: office, method: 'Den-Cont', target: 'resolution', amount: 1, start: '2026-03-28T10:00:00+01:00' }),
    );
    expect(good.stderr).toBe('');
    expect(good.status).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ due: '2026-03-29T11:00:00.000+02:00', wd: 'WDOUT', clock: 'running' });

    const bad = run(
      JSON.stringify({
        calendar: { ...office, windows: { mon: [['08:00', '07:00']] } },
        method: 'Hod',
        target: 'resolution',
        amount: 1,
        start: '2026-03-02T09:00:00+01:00',
      }),
    );
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe('error: calendar.windows.mon[0]: end 07:00 is not after start 08:00\n');
  }, 30_000);
});
