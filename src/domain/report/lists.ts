/**
 * What the report's page needs besides REPORT.md §3's object, from the same rows and by the same
 * rules (build.ts): the tickets behind each ticket figure, so the page can link them, and one
 * overview line per contract report with its sorting. Pure; buildReport's object stays as the
 * spec gives it.
 */
import type { StateCode } from '../states.js';
import { type Report, type ReportInput, stateAt } from './build.js';
import { inRange } from './month.js';

export interface TicketRef {
  number: number;
  subject: string;
}

/** The tickets counted by each ticket figure (REPORT.md §2), ordered by number; cancelled ones are in none. */
export interface ReportTickets {
  received: TicketRef[];
  resolved: TicketRef[];
  closed: TicketRef[];
  open_at_end: TicketRef[];
}

const OPEN: ReadonlySet<StateCode> = new Set(['new', 'accepted', 'escalated', 'paused', 'complained']);

export function reportTickets(input: ReportInput): ReportTickets {
  const { range } = input;
  const lists: ReportTickets = { received: [], resolved: [], closed: [], open_at_end: [] };
  const ref = (t: { number: number; subject: string }): TicketRef => ({ number: t.number, subject: t.subject });
  for (const t of [...input.tickets].sort((a, b) => a.number - b.number)) {
    if (t.state === 'cancelled') continue;
    if (inRange(t.created_at, range)) lists.received.push(ref(t));
    const inMonth = t.transitions.filter((e) => inRange(e.at, range));
    if (inMonth.some((e) => e.to === 'resolved')) lists.resolved.push(ref(t));
    if (inMonth.some((e) => e.to === 'closed')) lists.closed.push(ref(t));
    if (t.created_at < range.end && OPEN.has(stateAt(t, range.end))) lists.open_at_end.push(ref(t));
  }
  return lists;
}

/** One contract's line in the staff overview: the figures that tell a contract in trouble. */
export interface OverviewFigures {
  received: number;
  closed: number;
  /** reaction and resolution breaches over the report's SLA rows */
  breached: number;
  billable_hours: number;
}

export function overviewFigures(report: Report): OverviewFigures {
  return {
    received: report.tickets.received,
    closed: report.tickets.closed,
    breached: report.sla.reduce((n, row) => n + row.reaction.breached + row.resolution.breached, 0),
    billable_hours: report.effort.billable_hours,
  };
}

export const OVERVIEW_SORTS = ['company', 'contract', 'received', 'closed', 'breached', 'hours'] as const;
export type OverviewSort = (typeof OVERVIEW_SORTS)[number];
export type SortDirection = 'asc' | 'desc';

export interface OverviewRow extends OverviewFigures {
  company: string;
  contract: string;
}

const collator = new Intl.Collator('cs', { numeric: true, sensitivity: 'base' });

/** The overview's lines sorted by one column (ties: company, then contract, always ascending). */
export function sortOverview<R extends OverviewRow>(rows: readonly R[], by: OverviewSort, dir: SortDirection): R[] {
  const key = (r: R): number | string => (by === 'hours' ? r.billable_hours : r[by]);
  const compare = (a: number | string, b: number | string) => (typeof a === 'number' && typeof b === 'number' ? a - b : collator.compare(String(a), String(b)));
  const sign = dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => sign * compare(key(a), key(b)) || collator.compare(a.company, b.company) || collator.compare(a.contract, b.contract));
}
