/**
 * What the report's page needs besides REPORT.md §3's object, from the same rows and by the same
 * rules (build.ts): the tickets behind each ticket figure, so the page can link them, and one
 * overview line per contract report with its sorting. Pure; buildReport's object stays as the
 * spec gives it.
 */
import { byNumber, openAtEnd, type Report, type ReportInput } from './build.js';
import { inRange } from './month.js';

export interface TicketRef {
  number: number;
  subject: string;
}

/**
 * The tickets counted by each ticket figure (REPORT.md §2), ordered by number; cancelled ones are
 * in none. Each list holds every ticket its figure counts, or its first `limit` when given (the
 * figure itself says how many there are).
 */
export interface ReportTickets {
  received: TicketRef[];
  resolved: TicketRef[];
  closed: TicketRef[];
  open_at_end: TicketRef[];
}

export function reportTickets(input: ReportInput, limit = Number.POSITIVE_INFINITY): ReportTickets {
  const { range } = input;
  const lists: ReportTickets = { received: [], resolved: [], closed: [], open_at_end: [] };
  const add = (list: TicketRef[], t: { number: number; subject: string }) => {
    if (list.length < limit) list.push({ number: t.number, subject: t.subject });
  };
  for (const t of byNumber(input.tickets)) {
    if (t.state === 'cancelled') continue;
    if (inRange(t.created_at, range)) add(lists.received, t);
    if (t.month.resolved) add(lists.resolved, t);
    if (t.month.closed_at) add(lists.closed, t);
    if (openAtEnd(t, range)) add(lists.open_at_end, t);
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
