import type { DateTime } from 'luxon';
import { DEFAULT_TIMEZONE as VENDOR_ZONE } from '../domain/sla/index.js';
import { cs } from '../i18n/cs.js';
import { formatDuration } from './format.js';

/** A due instant in the contract's zone; the offset is shown when that zone is not Prague's. */
export function formatInstant(dt: DateTime | null | undefined): string {
  if (!dt) return cs.sla.pending;
  const text = dt.toFormat('d.M.yyyy HH:mm');
  return dt.zoneName === VENDOR_ZONE ? text : `${text} (${dt.toFormat('ZZ')} ${dt.zoneName})`;
}

export function formatMinutes(minutes: number | null | undefined): string {
  if (minutes === null || minutes === undefined) return cs.sla.pending;
  return formatDuration(minutes * 60_000);
}

/** "zbývá 2 h 5 min" or "překročeno o 15 min" (SLA.md: 0 remains between due and the next opening). */
export function formatRemaining(minutes: number | null | undefined): string {
  if (minutes === null || minutes === undefined) return cs.sla.pending;
  return minutes < 0 ? cs.sla.overrun(formatMinutes(-minutes)) : formatMinutes(minutes);
}

export function formatTarget(t: { method: string; amount: number }): string {
  return `${t.amount} ${cs.sla.units[t.method] ?? ''} (${t.method})`;
}

export function formatVerdict(c: { breached: boolean | null; met: boolean | null }): string {
  if (c.breached) return cs.sla.breached;
  return c.met ? cs.sla.met : cs.sla.pending;
}

export const slaHelpers = { formatInstant, formatMinutes, formatRemaining, formatTarget, formatVerdict };
