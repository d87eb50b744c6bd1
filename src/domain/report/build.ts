/**
 * The monthly contract report (REPORT.md): rows in, report out. Pure: the read module
 * (services/reads/report.ts) gives the contract's tickets that may count in the month, each
 * with its steps in the month (MonthSteps, counted per ticket by the database), its state at
 * the month's end, its reclassifications from the month's start on and the SLA verdicts stored
 * at closing, and the month's effort per ticket; the page, the CSV and the command render the
 * object this returns.
 */
import { actionTargets, LIST_STATES, type StateCode } from '../states.js';
import { inRange, type MonthRange } from './month.js';

export const KINDS = ['incident', 'order', 'question', 'hypercare'] as const;
export type Kind = (typeof KINDS)[number];
export const CHANNELS = ['web', 'email', 'hotline', 'api'] as const;
export type Channel = (typeof CHANNELS)[number];

/** States a ticket is open in at the month's end (REPORT.md §2 open_at_end): the open ones, as the customer's current list. */
export const OPEN_AT_END: ReadonlySet<StateCode> = new Set(LIST_STATES.current);
/** Where an upheld complaint sends the ticket back to (REPORT.md §2 complaints; the read counts these steps): the transition table's targets. */
export const UPHELD_TO: readonly StateCode[] = actionTargets('uphold_complaint');

/**
 * What a ticket's state transitions in the month amount to for the figures (REPORT.md §2), the
 * import's marker and the creation not being transitions. Counted per ticket where the history
 * is (the read): 100,000 tickets have some 170,000 such transitions, and carrying each one into
 * this process cost more than the whole aggregation (bench/report).
 */
export interface MonthSteps {
  /** at least one transition to resolved */
  resolved: boolean;
  /** the instant of its transition to closed (nothing leaves closed, so there is at most one) */
  closed_at: Date | null;
  /** its transition to cancelled */
  cancelled: boolean;
  /** transitions to complained */
  complaints_filed: number;
  /** transitions from complained to one of UPHELD_TO */
  complaints_upheld: number;
  /** transitions from complained to resolved */
  complaints_rejected: number;
}

/** A ticket without any counted step in the month. */
export const NO_STEPS: MonthSteps = Object.freeze({ resolved: false, closed_at: null, cancelled: false, complaints_filed: 0, complaints_upheld: 0, complaints_rejected: 0 });

export interface Target {
  method: string;
  amount: number;
}

export interface ReportParagraph {
  id: number;
  code: string;
  name: string;
  kind: Kind;
  /** the paragraph's current targets; null: no SLA */
  sla: { reaction: Target; resolution: Target } | null;
}

export interface StoredVerdict {
  breached: boolean | null;
  consumed_minutes: number | null;
}

export interface ReportTicket {
  number: number;
  subject: string;
  channel: Channel;
  created_at: Date;
  /** the state now */
  state: StateCode;
  /** the paragraph now */
  paragraph_id: number;
  /** its steps in the month */
  month: MonthSteps;
  /** the state at the month's end */
  state_at_end: StateCode;
  /** reclassifications at or after the month's start, oldest first */
  reclassified: { at: Date; from_id: number | null; to_id: number }[];
  /** the SLA stored on the ticket (for a closed ticket: as at its closing) */
  reaction: StoredVerdict;
  resolution: StoredVerdict;
}

/** One effort entry whose work date is in the month (or the sum of a ticket's entries with one billable flag). */
export interface ReportEffort {
  ticket: number;
  minutes: number;
  billable: boolean;
}

export interface ReportInput {
  company: string;
  contract: string;
  range: MonthRange;
  paragraphs: ReportParagraph[];
  tickets: ReportTicket[];
  efforts: ReportEffort[];
}

export interface ClockFigures {
  method: string;
  amount: number;
  met: number;
  breached: number;
  met_pct: number | null;
  consumed_median_minutes: number | null;
  consumed_max_minutes: number | null;
}

export interface SlaRow {
  paragraph: string;
  name: string;
  tickets: number;
  reaction: ClockFigures;
  resolution: ClockFigures;
}

export interface EffortRow {
  number: number;
  subject: string;
  paragraph: string;
  kind: Kind;
  billable_minutes: number;
  non_billable_minutes: number;
}

export interface Report {
  company: string;
  contract: string;
  month: string;
  timezone: string;
  tickets: {
    received: number;
    resolved: number;
    closed: number;
    cancelled: number;
    open_at_end: number;
    by_channel: Record<Channel, number>;
  };
  sla: SlaRow[];
  complaints: { filed: number; upheld: number; rejected: number };
  effort: {
    tickets: EffortRow[];
    billable_minutes_by_kind: Record<Kind, number>;
    billable_hours: number;
    non_billable_minutes: number;
  };
}

/** Rounds half away from zero to `digits` decimals, without binary surprises (1.005 → 1.01). */
export function round(value: number, digits: number): number {
  const sign = value < 0 ? -1 : 1;
  return sign * Number(`${Math.round(Number(`${Math.abs(value)}e${digits}`))}e-${digits}`);
}

/** The items by number: as given when they already are (a read's order), else a sorted copy. */
export function byNumber<T extends { number: number }>(items: T[]): T[] {
  for (let i = 1; i < items.length; i += 1) if (items[i - 1]!.number >= items[i]!.number) return [...items].sort((a, b) => a.number - b.number);
  return items;
}

/** Median of the values (mean of the two middle ones for an even count); null for none. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  // a typed array sorts numbers without a comparator call per step (76,000 closed tickets: several times faster)
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Whether the ticket counts in open_at_end: created before the month's end and open then. */
export const openAtEnd = (t: ReportTicket, range: MonthRange): boolean => t.created_at.getTime() < range.end.getTime() && OPEN_AT_END.has(t.state_at_end);

/** The ticket's paragraph at `at` (≥ the month's start): a reclassification moves later events to the new paragraph. */
export function paragraphAt(t: ReportTicket, at: Date): number {
  const later = t.reclassified.find((e) => e.at.getTime() > at.getTime());
  return later?.from_id ?? t.paragraph_id;
}

function clockFigures(target: Target, verdicts: StoredVerdict[]): ClockFigures {
  const met = verdicts.filter((v) => v.breached === false).length;
  const breached = verdicts.filter((v) => v.breached === true).length;
  const consumed = verdicts.filter((v) => v.breached !== null && v.consumed_minutes !== null).map((v) => v.consumed_minutes!);
  const med = median(consumed);
  return {
    method: target.method,
    amount: target.amount,
    met,
    breached,
    met_pct: met + breached === 0 ? null : round((100 * met) / (met + breached), 1),
    consumed_median_minutes: med === null ? null : round(med, 2),
    // a loop, not Math.max(...consumed): a spread of ~100,000 arguments overflows the stack
    consumed_max_minutes: consumed.length === 0 ? null : round(consumed.reduce((m, v) => (v > m ? v : m), -Infinity), 2),
  };
}

const zeros = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

export function buildReport(input: ReportInput): Report {
  const { range } = input;
  const paragraphs = new Map(input.paragraphs.map((p) => [p.id, p]));
  const tickets = new Map<number, ReportTicket>();
  let cancelled = 0;
  for (const t of input.tickets) {
    // cancelled now: as if it never existed, but the month's cancellations are told
    if (t.state === 'cancelled') {
      if (t.month.cancelled) cancelled += 1;
    } else tickets.set(t.number, t);
  }

  const byChannel = zeros(['web', 'email', 'hotline', 'api'] as const);
  let received = 0;
  let resolved = 0;
  let openAtEndCount = 0;
  const complaints = { filed: 0, upheld: 0, rejected: 0 };
  const closedByParagraph = new Map<number, ReportTicket[]>();
  for (const t of tickets.values()) {
    if (inRange(t.created_at, range)) {
      received += 1;
      byChannel[t.channel] += 1;
    }
    if (openAtEnd(t, range)) openAtEndCount += 1;
    const steps = t.month;
    if (steps.resolved) resolved += 1;
    complaints.filed += steps.complaints_filed;
    complaints.upheld += steps.complaints_upheld;
    complaints.rejected += steps.complaints_rejected;
    if (steps.closed_at) {
      const paragraph = paragraphAt(t, steps.closed_at);
      // appended in place: copying the list on every closing made 100,000 tickets quadratic (16 s)
      const list = closedByParagraph.get(paragraph);
      if (list) list.push(t);
      else closedByParagraph.set(paragraph, [t]);
    }
  }
  let closed = 0;
  for (const list of closedByParagraph.values()) closed += list.length;

  const sla: SlaRow[] = [];
  for (const [id, list] of closedByParagraph) {
    const p = paragraphs.get(id);
    if (!p?.sla) continue;
    sla.push({
      paragraph: p.code,
      name: p.name,
      tickets: list.length,
      reaction: clockFigures(p.sla.reaction, list.map((t) => t.reaction)),
      resolution: clockFigures(p.sla.resolution, list.map((t) => t.resolution)),
    });
  }
  sla.sort((a, b) => (a.paragraph < b.paragraph ? -1 : a.paragraph > b.paragraph ? 1 : 0));

  return {
    company: input.company,
    contract: input.contract,
    month: range.month,
    timezone: range.zone,
    tickets: { received, resolved, closed, cancelled, open_at_end: openAtEndCount, by_channel: byChannel },
    sla,
    complaints,
    effort: effortFigures(input.efforts, tickets, paragraphs, range),
  };
}

function effortFigures(efforts: ReportEffort[], tickets: Map<number, ReportTicket>, paragraphs: Map<number, ReportParagraph>, range: MonthRange): Report['effort'] {
  const rows = new Map<number, EffortRow>();
  const byKind = zeros(KINDS);
  let billable = 0;
  let nonBillable = 0;
  for (const e of efforts) {
    const t = tickets.get(e.ticket);
    if (!t) continue;
    let row = rows.get(t.number);
    if (!row) {
      // the ticket's paragraph at the month's end names its row (a reclassification moves later work)
      const p = paragraphs.get(paragraphAt(t, range.end));
      row = { number: t.number, subject: t.subject, paragraph: p?.code ?? '', kind: p?.kind ?? 'incident', billable_minutes: 0, non_billable_minutes: 0 };
      rows.set(t.number, row);
    }
    if (e.billable) {
      row.billable_minutes += e.minutes;
      byKind[row.kind] += e.minutes;
      billable += e.minutes;
    } else {
      row.non_billable_minutes += e.minutes;
      nonBillable += e.minutes;
    }
  }
  return {
    // the read gives the entries by ticket already
    tickets: byNumber([...rows.values()]),
    billable_minutes_by_kind: byKind,
    billable_hours: round(billable / 60, 2),
    non_billable_minutes: nonBillable,
  };
}

/** The billable flag an effort entry gets when none is given (REPORT.md §2): all kinds but incident are billed. */
export const billableByDefault = (kind: Kind): boolean => kind !== 'incident';
