import { formatPhone } from '../domain/phone.js';
import { DEFAULT_TIMEZONE as ZONE } from '../domain/sla/index.js';
import { isInlineImage } from './download.js';
import { escapeHtml } from './escape.js';

const dateTime = new Intl.DateTimeFormat('cs-CZ', {
  timeZone: ZONE,
  day: 'numeric',
  month: 'numeric',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const dateOnly = new Intl.DateTimeFormat('cs-CZ', { timeZone: ZONE, day: 'numeric', month: 'numeric', year: 'numeric' });

// pages show minutes, and lists repeat them: Intl formatting is the costly part of a list page
const byMinute = new Map<number, string>();

/** 15.10.2024 16:15, as the manual shows it, in the vendor's zone. */
export function formatDateTime(d: Date | string | null | undefined): string {
  if (!d) return '-';
  const minute = Math.floor(new Date(d).getTime() / 60_000);
  let text = byMinute.get(minute);
  if (text === undefined) {
    const parts = Object.fromEntries(dateTime.formatToParts(new Date(minute * 60_000)).map((p) => [p.type, p.value]));
    text = `${parts.day}.${parts.month}.${parts.year} ${parts.hour}:${parts.minute}`;
    if (byMinute.size > 50_000) byMinute.clear();
    byMinute.set(minute, text);
  }
  return text;
}

/** 'YYYY-MM-DD' (a calendar date) → 15.10.2024 */
export function formatDate(d: string | Date | null | undefined): string {
  if (!d) return '-';
  if (typeof d === 'string') {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d);
    if (m) return `${Number(m[3])}.${Number(m[2])}.${m[1]}`;
  }
  return dateOnly.format(new Date(d)).replace(/\s/g, '');
}

/** 2 d 3 h 15 min */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 60_000));
  const d = Math.floor(total / 1440);
  const h = Math.floor((total % 1440) / 60);
  const m = total % 60;
  const parts = [d ? `${d} d` : '', h ? `${h} h` : '', `${m} min`].filter(Boolean);
  return parts.join(' ');
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(1).replace('.', ',')} MB`;
}

/**
 * The attributes that tie a form field to its error (partials/field-error.ejs, id `err-<name>`)
 * and to its hints, so a screen reader announces them with the field: aria-invalid and
 * aria-describedby (empty when there is neither).
 */
export function fieldAria(errors: Record<string, string> | null | undefined, name: string, ...hints: string[]): string {
  const err = errors?.[name] ? `err-${name}` : null;
  const ids = [err, ...hints].filter(Boolean).join(' ');
  return `${err ? ' aria-invalid="true"' : ''}${ids ? ` aria-describedby="${ids}"` : ''}`;
}

/**
 * A ticket's state: its name in a coloured chip (the colour only repeats the text; contrast ≥ 4.5:1,
 * style.css part 3). A function, not a partial: EJS copies every local for each include, which
 * for the 50 rows of a list cost a tenth of the page's CPU.
 */
export function stateChip(state: string, label: string): string {
  return `<span class="state-chip state-chip-${escapeHtml(state)}">${escapeHtml(label)}</span>`;
}

export const viewHelpers = { formatDateTime, formatDate, formatDuration, formatSize, formatPhone, fieldAria, isInlineImage, stateChip, escape: escapeHtml };


