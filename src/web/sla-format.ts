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

/** What a clock's amounts are counted in: its method and the minutes of its unit (ClockResult). */
export interface ClockUnit {
  method: string;
  unitMinutes: number;
}

const CONTINUOUS = new Set(['Min-Cont', 'Den-Cont']);

/** 20 h 5 min: hours of service time are never shown as calendar days. */
function hoursAndMinutes(minutes: number): string {
  const total = Math.max(0, Math.round(minutes));
  const h = Math.floor(total / 60);
  const m = total % 60;
  return [h ? `${h} h` : '', m || !h ? `${m} min` : ''].filter(Boolean).join(' ');
}

/** 2,5 (at most two decimals, Czech decimal comma). */
function decimal(n: number): string {
  return (Math.round(n * 100) / 100).toString().replace('.', ',');
}

/**
 * An amount of a clock in its method's unit: Den counts service days of W minutes ("2,5 d"),
 * the other service-time methods hours and minutes of service time ("20 h 30 min", never
 * calendar days), the continuous methods calendar time ("1 d 2 h 0 min").
 */
export function formatClockMinutes(unit: ClockUnit, minutes: number | null | undefined): string {
  if (minutes === null || minutes === undefined) return cs.sla.pending;
  if (CONTINUOUS.has(unit.method)) return formatMinutes(minutes);
  if (unit.method === 'Den') return `${decimal(Math.max(0, minutes) / unit.unitMinutes)} ${cs.sla.units.Den}`;
  return hoursAndMinutes(minutes);
}

/** Consumed so far, in the clock's unit. */
export function formatConsumed(c: ClockUnit & { consumedMinutes: number | null }): string {
  return formatClockMinutes(c, c.consumedMinutes);
}

/**
 * What remains ("2,5 d") or "překročeno o 15 min", in the clock's unit, while the clock can
 * still run; a stopped or cancelled clock has nothing remaining (SLA.md: 0 remains between due
 * and the next opening).
 */
export function formatRemaining(c: ClockUnit & { clock: string; remainingMinutes: number | null }): string {
  if (c.clock === 'stopped' || c.clock === 'not_applicable') return cs.sla.pending;
  const minutes = c.remainingMinutes;
  if (minutes === null || minutes === undefined) return cs.sla.pending;
  return minutes < 0 ? cs.sla.overrun(formatClockMinutes(c, -minutes)) : formatClockMinutes(c, minutes);
}

export function formatTarget(t: { method: string; amount: number }): string {
  return `${t.amount} ${cs.sla.units[t.method] ?? ''} (${t.method})`;
}

export function formatVerdict(c: { breached: boolean | null; met: boolean | null }): string {
  if (c.breached) return cs.sla.breached;
  return c.met ? cs.sla.met : cs.sla.pending;
}

/** A clock's target in plain words for customers: "cíl 4 h", without the method's code. */
export function formatPlainTarget(t: { method: string; amount: number }): string {
  return cs.sla.plain.target(t.amount, cs.sla.units[t.method] ?? '');
}

/**
 * Where a clock stands in plain words for customers: met (splněno) or not (nesplněno) once
 * decided, else running, paused for them, or waiting for the complaint's decision.
 */
export function formatPlainVerdict(c: { breached: boolean | null; met: boolean | null; clock: string }): string {
  if (c.breached) return cs.sla.plain.breached;
  if (c.met) return cs.sla.plain.met;
  if (c.clock === 'paused') return cs.sla.plain.paused;
  if (c.clock === 'awaiting_complaint_decision') return cs.sla.plain.awaiting_complaint_decision;
  return c.clock === 'running' ? cs.sla.plain.running : cs.sla.pending;
}

export const slaHelpers = {
  formatInstant, formatMinutes, formatClockMinutes, formatConsumed, formatRemaining, formatTarget, formatVerdict,
  formatPlainTarget, formatPlainVerdict,
};
