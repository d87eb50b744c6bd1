/**
 * The monthly report as CSV for Czech Excel (REPORT.md §3): UTF-8 with BOM, `;`, CRLF, decimal
 * comma, dates d.M.yyyy. Three blocks separated by an empty line, each with its header row:
 * the figures (section; item; value), the SLA rows per paragraph, the effort per ticket.
 */
import { stringify } from 'csv-stringify/sync';
import { DateTime } from 'luxon';
import type { ClockFigures, Report } from '../domain/report/index.js';
import { monthRange } from '../domain/report/index.js';
import { cs } from '../i18n/cs.js';

const t = cs.report;

/** A number as Czech Excel reads it: decimal comma, no thousands separator; empty for none. */
export const czechNumber = (n: number | null): string => (n === null ? '' : String(n).replace('.', ','));

function period(report: Report): string {
  const range = monthRange(report.month, report.timezone);
  if (!range) return report.month;
  const first = DateTime.fromJSDate(range.start, { zone: report.timezone });
  const last = DateTime.fromJSDate(range.end, { zone: report.timezone }).minus({ days: 1 });
  return `${first.toFormat('d.M.yyyy')}–${last.toFormat('d.M.yyyy')}`;
}

const clockColumns = (label: string) => [t.sla.method, t.sla.amount, t.sla.met, t.sla.breached, t.sla.met_pct, t.sla.median, t.sla.max].map((c) => `${label}: ${c}`);
const clockValues = (c: ClockFigures) => [c.method, c.amount, c.met, c.breached, czechNumber(c.met_pct), czechNumber(c.consumed_median_minutes), czechNumber(c.consumed_max_minutes)];

/** A text Excel would run as a formula (a subject typed as `=HYPERLINK(…)`) is kept as text (OWASP CSV injection). */
const inert = (value: string): string => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);

export function reportCsv(report: Report): string {
  const rows: unknown[][] = [];
  const figure = (section: string, item: string, value: number | string) => rows.push([section, item, typeof value === 'number' ? czechNumber(value) : value]);

  rows.push([t.section, t.item, t.value]);
  figure(t.title, t.company, report.company);
  figure(t.title, t.contract, report.contract);
  figure(t.title, t.month, report.month);
  figure(t.title, t.period, period(report));
  figure(t.title, t.timezone, report.timezone);
  const tickets = t.sections.tickets;
  figure(tickets, t.tickets.received, report.tickets.received);
  figure(tickets, t.tickets.resolved, report.tickets.resolved);
  figure(tickets, t.tickets.closed, report.tickets.closed);
  figure(tickets, t.tickets.cancelled, report.tickets.cancelled);
  figure(tickets, t.tickets.open_at_end, report.tickets.open_at_end);
  for (const [channel, n] of Object.entries(report.tickets.by_channel)) figure(tickets, `${t.tickets.by_channel}: ${cs.channels[channel] ?? channel}`, n);
  figure(t.sections.complaints, t.complaints.filed, report.complaints.filed);
  figure(t.sections.complaints, t.complaints.upheld, report.complaints.upheld);
  figure(t.sections.complaints, t.complaints.rejected, report.complaints.rejected);
  for (const [kind, n] of Object.entries(report.effort.billable_minutes_by_kind)) figure(t.sections.effort, `${t.effort.byKind}: ${cs.kinds[kind as keyof typeof cs.kinds] ?? kind}`, n);
  figure(t.sections.effort, t.effort.hours, report.effort.billable_hours);
  figure(t.sections.effort, t.effort.nonBillableTotal, report.effort.non_billable_minutes);

  rows.push([]);
  rows.push([t.sla.paragraph, t.sla.name, t.sla.tickets, ...clockColumns(t.sla.reaction), ...clockColumns(t.sla.resolution)]);
  for (const r of report.sla) rows.push([r.paragraph, r.name, r.tickets, ...clockValues(r.reaction), ...clockValues(r.resolution)]);

  rows.push([]);
  rows.push([t.effort.ticket, t.effort.subject, t.effort.paragraph, t.effort.kind, t.effort.billable, t.effort.nonBillable]);
  for (const e of report.effort.tickets) rows.push([e.number, e.subject, e.paragraph, cs.kinds[e.kind], e.billable_minutes, e.non_billable_minutes]);

  return stringify(rows, { bom: true, delimiter: ';', record_delimiter: '\r\n', cast: { string: inert } });
}
