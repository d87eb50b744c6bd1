import { describe, expect, it } from 'vitest';
import { buildReport, monthRange, NO_STEPS, overviewFigures, type ReportInput, type ReportTicket, reportTickets, sortOverview } from '../../../src/domain/report/index.js';
import type { StateCode } from '../../../src/domain/states.js';

const october = monthRange('2026-10', 'Europe/Prague')!;
const none = { breached: null, consumed_minutes: null };
const ticket = (number: number, fields: Partial<ReportTicket> & { created_at: Date; state: StateCode }): ReportTicket => ({
  number, subject: `Požadavek ${number}`, channel: 'web', paragraph_id: 1, month: NO_STEPS, state_at_end: fields.state, reclassified: [], reaction: none, resolution: none, ...fields,
});

const input: ReportInput = {
  company: 'Alfa', contract: 'A-1', range: october,
  paragraphs: [{ id: 1, code: 'INC', name: 'Incident', kind: 'incident', sla: { reaction: { method: 'Hod', amount: 4 }, resolution: { method: 'Hod', amount: 16 } } }],
  tickets: [
    ticket(3, { created_at: new Date('2026-10-31T23:30:00+01:00'), state: 'new' }),
    ticket(1, {
      created_at: new Date('2026-10-01T00:10:00+02:00'), state: 'closed',
      month: { ...NO_STEPS, resolved: true, closed_at: new Date('2026-10-09T10:00:00+02:00') },
      reaction: { breached: true, consumed_minutes: 300 }, resolution: { breached: true, consumed_minutes: 1000 },
    }),
    ticket(2, { created_at: new Date('2026-09-30T23:50:00+02:00'), state: 'resolved', month: { ...NO_STEPS, resolved: true } }),
    ticket(4, { created_at: new Date('2026-10-05T10:00:00+02:00'), state: 'cancelled', month: { ...NO_STEPS, cancelled: true } }),
    ticket(5, { created_at: new Date('2026-11-01T00:10:00+01:00'), state: 'new' }),
  ],
  efforts: [{ ticket: 1, minutes: 45, billable: true }],
};

describe('the tickets behind the report’s figures and the overview line', () => {
  it('lists, by number, exactly the tickets each ticket figure counts (cancelled ones in none)', () => {
    const report = buildReport(input);
    const lists = reportTickets(input);
    expect(lists).toEqual({
      received: [{ number: 1, subject: 'Požadavek 1' }, { number: 3, subject: 'Požadavek 3' }],
      resolved: [{ number: 1, subject: 'Požadavek 1' }, { number: 2, subject: 'Požadavek 2' }],
      closed: [{ number: 1, subject: 'Požadavek 1' }],
      open_at_end: [{ number: 3, subject: 'Požadavek 3' }],
    });
    for (const key of ['received', 'resolved', 'closed', 'open_at_end'] as const) expect(lists[key]).toHaveLength(report.tickets[key]);
  });

  it('keeps the first tickets of each list when given a limit, and takes the read’s state at the end', () => {
    expect(reportTickets(input, 1)).toEqual({
      received: [{ number: 1, subject: 'Požadavek 1' }],
      resolved: [{ number: 1, subject: 'Požadavek 1' }],
      closed: [{ number: 1, subject: 'Požadavek 1' }],
      open_at_end: [{ number: 3, subject: 'Požadavek 3' }],
    });
    const atEnd = { ...input, tickets: input.tickets.map((t) => (t.number === 2 ? { ...t, state_at_end: 'accepted' as const } : t)) };
    expect(reportTickets(atEnd).open_at_end.map((t) => t.number)).toEqual([2, 3]);
  });

  it('sums reaction and resolution breaches over the SLA rows', () => {
    expect(overviewFigures(buildReport(input))).toEqual({ received: 2, closed: 1, breached: 2, billable_hours: 0.75 });
  });

  it('sorts by any column both ways, Czech order for names, ties by company and contract', () => {
    const line = (company: string, contract: string, received: number, hours: number) => ({ company, contract, received, closed: 0, breached: 0, billable_hours: hours });
    const rows = [line('Čedok', 'C-1', 2, 1), line('Alfa', 'A-2', 2, 0.5), line('Cyklo', 'Y-1', 7, 0), line('Alfa', 'A-10', 0, 3)];
    expect(sortOverview(rows, 'company', 'asc').map((r) => r.contract)).toEqual(['A-2', 'A-10', 'Y-1', 'C-1']);
    expect(sortOverview(rows, 'received', 'desc').map((r) => r.contract)).toEqual(['Y-1', 'A-2', 'C-1', 'A-10']);
    expect(sortOverview(rows, 'hours', 'asc').map((r) => r.contract)).toEqual(['Y-1', 'A-2', 'C-1', 'A-10']);
    expect(rows[0]!.contract).toBe('C-1');
  });
});
