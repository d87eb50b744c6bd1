/**
 * How the report's page writes the report (domain/report's object): Czech numbers (decimal
 * comma), the month and its local period, and the two charts as inline SVG built on the server
 * (no JavaScript), each with a title, a description that says every number it draws, and a
 * pointer to the table with the same figures.
 */
import { DateTime } from 'luxon';
import { KINDS, monthRange, type Report } from '../domain/report/index.js';
import { cs } from '../i18n/cs.js';
import type { Catalogue } from '../i18n/index.js';
import { escapeHtml as esc } from './escape.js';

const t = cs.report;

const formats = new Map<string, Intl.NumberFormat>();
/** A number as Czech readers write it: decimal comma, between `min` and `max` decimals; '-' for none. */
export function czNumber(n: number | null | undefined, min = 0, max = 2): string {
  if (n === null || n === undefined) return '-';
  const key = `${min}:${max}`;
  let f = formats.get(key);
  if (!f) formats.set(key, (f = new Intl.NumberFormat('cs-CZ', { minimumFractionDigits: min, maximumFractionDigits: max })));
  return f.format(n);
}

/**
 * How many tickets the page lists behind each figure and in the effort table: a month of a
 * large contract has 100,000 (40 MB of HTML); the figure says how many there are, the CSV
 * has every effort row.
 */
export const LIST_LIMIT = 100;

/** Billable hours always with two decimals: 2,75. */
export const formatHours = (hours: number): string => czNumber(hours, 2, 2);
/** 50,0 % (REPORT.md rounds to one decimal); '-' when nothing was judged. */
export const formatPct = (pct: number | null): string => (pct === null ? '-' : `${czNumber(pct, 1, 1)} %`);

/** `2026-10` → `říjen 2026` (in English `October 2026`). */
export function monthLabel(month: string, locale = 'cs'): string {
  const d = DateTime.fromFormat(month, 'yyyy-MM', { locale });
  return d.isValid ? d.toFormat('LLLL yyyy') : month;
}

/** The month's local days in the report's zone: 1.10.2026–31.10.2026. */
export function periodLabel(month: string, zone: string): string {
  const range = monthRange(month, zone);
  if (!range) return month;
  const first = DateTime.fromJSDate(range.start, { zone });
  const last = DateTime.fromJSDate(range.end, { zone }).minus({ days: 1 });
  return `${first.toFormat('d.M.yyyy')}–${last.toFormat('d.M.yyyy')}`;
}

// ---------------------------------------------------------------- charts

/** narrow enough that the text stays legible when the chart shrinks to a phone's width */
const WIDTH = 440;
const MET = '#1b7a3a';
const BREACHED = '#b00020';
const EFFORT = '#0b5cad';
const TEXT = '#1d2430';
const EMPTY = '#6b7480';

/** A paragraph's name in a chart's line (the table gives it whole). */
const shorten = (text: string, max = 24): string => (text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text);

export interface ChartIds {
  /** the chart's own id prefix (title and description ids derive from it) */
  id: string;
  /** the table that gives the same figures as text */
  table: string;
}

function svg(ids: ChartIds, height: number, title: string, desc: string, body: string): string {
  return (
    `<svg class="chart" id="${ids.id}" role="img" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}"` +
    ` aria-labelledby="${ids.id}-title ${ids.id}-desc" aria-describedby="${ids.table}" font-size="15" fill="${TEXT}">` +
    `<title id="${ids.id}-title">${esc(title)}</title><desc id="${ids.id}-desc">${esc(desc)}</desc>${body}</svg>`
  );
}

/**
 * Met against breached for each SLA paragraph, reaction and resolution: one bar each, split in
 * proportion, its numbers written above it; breached parts are hatched as well as red, so the
 * chart does not rely on colour. Null when the month has no SLA row.
 */
export function slaChart(report: Report, ids: ChartIds, words: Catalogue = cs): string | null {
  if (report.sla.length === 0) return null;
  const t = words.report;
  const rows = report.sla.flatMap((r) =>
    (['reaction', 'resolution'] as const).map((clock) => ({ label: t.chart.clock(shorten(`${r.paragraph} ${r.name}`), t.sla[clock]), met: r[clock].met, breached: r[clock].breached })),
  );
  const hatch = `${ids.id}-hatch`;
  let y = 0;
  let body =
    `<defs><pattern id="${hatch}" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">` +
    `<rect width="8" height="8" fill="${BREACHED}"/><rect width="3" height="8" fill="#ffffff" fill-opacity="0.55"/></pattern></defs>`;
  // legend
  body += `<rect x="0" y="4" width="16" height="16" fill="${MET}"/><text x="22" y="17">${esc(t.chart.met)}</text>`;
  body += `<rect x="120" y="4" width="16" height="16" fill="url(#${hatch})"/><text x="142" y="17">${esc(t.chart.breached)}</text>`;
  y = 34;
  const parts: string[] = [];
  for (const row of rows) {
    const total = row.met + row.breached;
    const numbers = `${t.chart.met} ${row.met}, ${t.chart.breached} ${row.breached}`;
    parts.push(`${row.label}: ${numbers}`);
    body += `<text x="0" y="${y + 15}">${esc(row.label)}: ${esc(numbers)}</text>`;
    const barY = y + 22;
    if (total === 0) {
      body += `<rect x="0.5" y="${barY + 0.5}" width="${WIDTH - 1}" height="17" fill="none" stroke="${EMPTY}"/>`;
    } else {
      const metWidth = (WIDTH * row.met) / total;
      if (row.met > 0) body += `<rect x="0" y="${barY}" width="${metWidth.toFixed(1)}" height="18" fill="${MET}"/>`;
      if (row.breached > 0) body += `<rect x="${metWidth.toFixed(1)}" y="${barY}" width="${(WIDTH - metWidth).toFixed(1)}" height="18" fill="url(#${hatch})" stroke="#ffffff" stroke-width="1"/>`;
    }
    y += 52;
  }
  return svg(ids, y, t.chart.title, t.chart.alt(parts.join('; ')), body);
}

/** Billable minutes per kind (all four kinds), bars in proportion to the largest; null when nothing was billed. */
export function effortChart(report: Report, ids: ChartIds, words: Catalogue = cs): string | null {
  const t = words.report;
  const byKind = report.effort.billable_minutes_by_kind;
  const max = Math.max(...KINDS.map((k) => byKind[k]));
  if (max === 0) return null;
  let y = 0;
  let body = '';
  const parts: string[] = [];
  for (const kind of KINDS) {
    const label = t.chart.effortRow(words.kinds[kind], czNumber(byKind[kind]));
    parts.push(label);
    body += `<text x="0" y="${y + 15}">${esc(label)}</text>`;
    const width = (WIDTH * byKind[kind]) / max;
    body += byKind[kind] > 0 ? `<rect x="0" y="${y + 22}" width="${width.toFixed(1)}" height="18" fill="${EFFORT}"/>` : `<rect x="0" y="${y + 22}" width="2" height="18" fill="${EMPTY}"/>`;
    y += 52;
  }
  return svg(ids, y, t.chart.effortTitle, t.chart.alt(parts.join('; ')), body);
}

export const reportHelpers = { czNumber, formatHours, formatPct, monthLabel, periodLabel, slaChart, effortChart };

/** The helpers with the month's name and the charts' words of the page's catalogue (numbers stay Czech-style). */
export function reportHelpersIn(words: Catalogue): typeof reportHelpers {
  if ((words as unknown) === cs) return reportHelpers;
  // the portal's one other language (i18n/index.ts LANGUAGES)
  const locale = 'en';
  return {
    ...reportHelpers,
    monthLabel: (month: string) => monthLabel(month, locale),
    slaChart: (report: Report, ids: ChartIds) => slaChart(report, ids, words),
    effortChart: (report: Report, ids: ChartIds) => effortChart(report, ids, words),
  };
}
