import { describe, expect, it } from 'vitest';
import { buildReport, median, monthRange, type MonthSteps, NO_STEPS, openAtEnd, paragraphAt, type ReportInput, type ReportTicket, round, shiftMonth } from '../../../src/domain/report/index.js';
import type { StateCode } from '../../../src/domain/states.js';

const ZONE = 'Europe/Prague';
const october = monthRange('2026-10', ZONE)!;
const at = (iso: string) => new Date(iso);

const P1 = { id: 1, code: 'INC', name: 'Incident', kind: 'incident' as const, sla: { reaction: { method: 'Hod', amount: 4 }, resolution: { method: 'Hod', amount: 16 } } };
const P2 = { id: 2, code: 'Q', name: 'Dotaz', kind: 'question' as const, sla: null };
const P3 = { id: 3, code: 'CRIT', name: 'Kritická', kind: 'incident' as const, sla: { reaction: { method: 'Min', amount: 30 }, resolution: { method: 'Den', amount: 2 } } };
const P4 = { id: 4, code: 'HC', name: 'Hypercare', kind: 'hypercare' as const, sla: null };

const none = { breached: null, consumed_minutes: null };
/** A ticket in its state now, at the month's end (its state now unless given) and with its steps in the month. */
function ticket(number: number, fields: Partial<ReportTicket> & { created_at: Date; state: StateCode }): ReportTicket {
  return { number, subject: `Požadavek ${number}`, channel: 'web', paragraph_id: 1, month: NO_STEPS, state_at_end: fields.state, reclassified: [], reaction: none, resolution: none, ...fields };
}
const steps = (s: Partial<MonthSteps>): MonthSteps => ({ ...NO_STEPS, ...s });

/** A month around the October DST change, every figure computed by hand (see each ticket's comment). */
const input: ReportInput = {
  company: 'Alfa s.r.o.',
  contract: 'A-1',
  range: october,
  paragraphs: [P1, P2, P3, P4],
  tickets: [
    // received (10 minutes into October local time, still September in UTC), closed in October, both clocks met
    ticket(1, {
      created_at: at('2026-10-01T00:10:00+02:00'), state: 'closed',
      // accepted 1 Oct, resolved 2 Oct, closed 9 Oct
      month: steps({ resolved: true, closed_at: at('2026-10-09T10:00:00+02:00') }),
      reaction: { breached: false, consumed_minutes: 30 }, resolution: { breached: false, consumed_minutes: 600 },
    }),
    // received in September (10 minutes before October local time): closed in October, reaction breached
    ticket(2, {
      created_at: at('2026-09-30T23:50:00+02:00'), state: 'closed', channel: 'email',
      // accepted 1 Oct, resolved 3 Oct, closed 5 Oct
      month: steps({ resolved: true, closed_at: at('2026-10-05T10:00:00+02:00') }),
      reaction: { breached: true, consumed_minutes: 300 }, resolution: { breached: false, consumed_minutes: 480 },
    }),
    // 23:30 on 31 October after the DST change (+01:00) is still October; open at the end
    ticket(3, { created_at: at('2026-10-31T23:30:00+01:00'), state: 'new', channel: 'hotline', paragraph_id: 2 }),
    // ten minutes into November: in no October figure
    ticket(4, { created_at: at('2026-11-01T00:10:00+01:00'), state: 'new', channel: 'api' }),
    // cancelled in October: only the cancelled count
    ticket(5, { created_at: at('2026-10-10T10:00:00+02:00'), state: 'cancelled', month: steps({ cancelled: true }) }),
    // cancelled after the month: as if it never existed, in October too
    ticket(6, { created_at: at('2026-10-03T10:00:00+02:00'), state: 'cancelled', state_at_end: 'new' }),
    // resolved in September, complained twice in October: one upheld, one rejected; resolved at the end
    ticket(7, {
      created_at: at('2026-09-01T10:00:00+02:00'), state: 'resolved',
      // complained 2 Oct, accepted 3 Oct, resolved 4 Oct, complained 5 Oct, resolved 6 Oct
      month: steps({ resolved: true, complaints_filed: 2, complaints_upheld: 1, complaints_rejected: 1 }),
    }),
    // paused at the month's end, resumed in November: open at the end
    ticket(8, {
      // accepted 20 Oct, paused 21 Oct, accepted 2 Nov
      created_at: at('2026-10-20T10:00:00+02:00'), state: 'accepted', state_at_end: 'paused',
    }),
    // created as a question, reclassified to INC before closing: its SLA row is INC's
    ticket(9, {
      created_at: at('2026-10-01T08:00:00+02:00'), state: 'closed',
      reclassified: [{ at: at('2026-10-02T08:00:00+02:00'), from_id: 2, to_id: 1 }],
      // accepted 1 Oct, resolved 7 Oct, closed 8 Oct
      month: steps({ resolved: true, closed_at: at('2026-10-08T10:00:00+02:00') }),
      reaction: { breached: false, consumed_minutes: 60 }, resolution: { breached: true, consumed_minutes: 1200 },
    }),
    // resolved in September, closed in October on CRIT
    ticket(10, {
      created_at: at('2026-09-28T10:00:00+02:00'), state: 'closed', paragraph_id: 3,
      month: steps({ closed_at: at('2026-10-06T10:00:00+02:00') }),
      reaction: { breached: true, consumed_minutes: 45 }, resolution: { breached: false, consumed_minutes: 900.505 },
    }),
    // hypercare by e-mail, accepted: open at the end
    ticket(11, { created_at: at('2026-10-15T10:00:00+02:00'), state: 'accepted', channel: 'email', paragraph_id: 4 }),
  ],
  efforts: [
    { ticket: 1, minutes: 30, billable: false },
    { ticket: 9, minutes: 60, billable: true },
    { ticket: 9, minutes: 30, billable: true },
    { ticket: 3, minutes: 45, billable: true },
    { ticket: 5, minutes: 100, billable: true },
    { ticket: 11, minutes: 120, billable: true },
  ],
};

describe('the report month', () => {
  it('is the local calendar month: October 2026 in Prague starts at 22:00 UTC and ends at 23:00 UTC after the DST change', () => {
    expect(october.start.toISOString()).toBe('2026-09-30T22:00:00.000Z');
    expect(october.end.toISOString()).toBe('2026-10-31T23:00:00.000Z');
  });
  it('refuses malformed months and steps across years', () => {
    expect(monthRange('2026-13', ZONE)).toBeNull();
    expect(monthRange('2026-1', ZONE)).toBeNull();
    expect(monthRange('2026-10', 'Mars/Olympus')).toBeNull();
    expect(shiftMonth('2026-01', -1)).toBe('2025-12');
    expect(shiftMonth('2026-12', 1)).toBe('2027-01');
  });
});

describe('the monthly report of a hand-computed month', () => {
  const report = buildReport(input);

  it('counts tickets: received, resolved, closed, cancelled, open at the end and by channel', () => {
    expect(report.tickets).toEqual({ received: 5, resolved: 4, closed: 4, cancelled: 1, open_at_end: 3, by_channel: { web: 3, email: 1, hotline: 1, api: 0 } });
  });

  it('gives one SLA row per paragraph with SLA and tickets closed in the month, by code, from the stored verdicts', () => {
    expect(report.sla).toEqual([
      {
        paragraph: 'CRIT', name: 'Kritická', tickets: 1,
        reaction: { method: 'Min', amount: 30, met: 0, breached: 1, met_pct: 0, consumed_median_minutes: 45, consumed_max_minutes: 45 },
        resolution: { method: 'Den', amount: 2, met: 1, breached: 0, met_pct: 100, consumed_median_minutes: 900.51, consumed_max_minutes: 900.51 },
      },
      {
        paragraph: 'INC', name: 'Incident', tickets: 3,
        reaction: { method: 'Hod', amount: 4, met: 2, breached: 1, met_pct: 66.7, consumed_median_minutes: 60, consumed_max_minutes: 300 },
        resolution: { method: 'Hod', amount: 16, met: 2, breached: 1, met_pct: 66.7, consumed_median_minutes: 600, consumed_max_minutes: 1200 },
      },
    ]);
  });

  it('counts complaint events, not tickets', () => {
    expect(report.complaints).toEqual({ filed: 2, upheld: 1, rejected: 1 });
  });

  it('sums effort per ticket and kind, leaving out cancelled tickets', () => {
    expect(report.effort).toEqual({
      tickets: [
        { number: 1, subject: 'Požadavek 1', paragraph: 'INC', kind: 'incident', billable_minutes: 0, non_billable_minutes: 30 },
        { number: 3, subject: 'Požadavek 3', paragraph: 'Q', kind: 'question', billable_minutes: 45, non_billable_minutes: 0 },
        { number: 9, subject: 'Požadavek 9', paragraph: 'INC', kind: 'incident', billable_minutes: 90, non_billable_minutes: 0 },
        { number: 11, subject: 'Požadavek 11', paragraph: 'HC', kind: 'hypercare', billable_minutes: 120, non_billable_minutes: 0 },
      ],
      billable_minutes_by_kind: { incident: 90, order: 0, question: 45, hypercare: 120 },
      billable_hours: 4.25,
      non_billable_minutes: 30,
    });
  });

  it('has the shape of REPORT.md §3', () => {
    expect(Object.keys(report)).toEqual(['company', 'contract', 'month', 'timezone', 'tickets', 'sla', 'complaints', 'effort']);
    expect(report).toMatchObject({ company: 'Alfa s.r.o.', contract: 'A-1', month: '2026-10', timezone: ZONE });
  });
});

describe('report helpers', () => {
  it('takes the mean of the two middle values as the median of an even count', () => {
    expect(median([1, 9, 3, 7])).toBe(5);
    expect(median([])).toBeNull();
  });
  it('rounds half away from zero without binary surprises', () => {
    expect(round(1.005, 2)).toBe(1.01);
    expect(round(200 / 3, 1)).toBe(66.7);
    expect(round(2.675, 2)).toBe(2.68);
  });
  it('walks the paragraph back from now over the reclassifications', () => {
    const t = input.tickets.find((x) => x.number === 9)!;
    expect(paragraphAt(t, at('2026-10-01T12:00:00+02:00'))).toBe(2);
    expect(paragraphAt(t, at('2026-10-03T12:00:00+02:00'))).toBe(1);
  });
  it('counts a ticket open at the end by its state then, not now, and only when created before the end', () => {
    const byNumber = (n: number) => input.tickets.find((x) => x.number === n)!;
    expect(openAtEnd(byNumber(8), october)).toBe(true);
    expect(openAtEnd(byNumber(7), october)).toBe(false);
    expect(openAtEnd(byNumber(4), october)).toBe(false);
  });
  it('reports a month without tickets with every key and zeros', () => {
    const empty = buildReport({ ...input, tickets: [], efforts: [] });
    expect(empty.tickets).toEqual({ received: 0, resolved: 0, closed: 0, cancelled: 0, open_at_end: 0, by_channel: { web: 0, email: 0, hotline: 0, api: 0 } });
    expect(empty.sla).toEqual([]);
    expect(empty.effort.billable_minutes_by_kind).toEqual({ incident: 0, order: 0, question: 0, hypercare: 0 });
  });
});
