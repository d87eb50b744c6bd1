import type { DateTime } from 'luxon';
import { DEFAULT_TIMEZONE as VENDOR_ZONE } from '../domain/sla/index.js';
import { cs } from '../i18n/cs.js';
import type { Catalogue } from '../i18n/index.js';
import { formatDuration } from './format.js';

/** What a clock's amounts are counted in: its method and the minutes of its unit (ClockResult). */
export interface ClockUnit {
  method: string;
  unitMinutes: number;
}

const CONTINUOUS = new Set(['Min-Cont', 'Den-Cont']);

/** The SLA helpers of the views with the words of catalogue `t` (the page's language). */
export function slaHelpersIn(t: Catalogue) {
  /** A due instant in the contract's zone; the offset is shown when that zone is not Prague's. */
  function formatInstant(dt: DateTime | null | undefined): string {
    if (!dt) return t.sla.pending;
    const text = dt.toFormat('d.M.yyyy HH:mm');
    return dt.zoneName === VENDOR_ZONE ? text : `${text} (${dt.toFormat('ZZ')} ${dt.zoneName})`;
  }

  function formatMinutes(minutes: number | null | undefined): string {
    if (minutes === null || minutes === undefined) return t.sla.pending;
    return formatDuration(minutes * 60_000);
  }

  /** 20 h 5 min: hours of service time are never shown as calendar days. */
  function hoursAndMinutes(minutes: number): string {
    const total = Math.max(0, Math.round(minutes));
    const h = Math.floor(total / 60);
    const m = total % 60;
    return [h ? `${h} h` : '', m || !h ? `${m} min` : ''].filter(Boolean).join(' ');
  }

  /** 2,5 (at most two decimals, Czech decimal comma; English: 2.5). */
  function decimal(n: number): string {
    const text = (Math.round(n * 100) / 100).toString();
    return t === cs ? text.replace('.', ',') : text;
  }

  /**
   * An amount of a clock in its method's unit: Den counts service days of W minutes ("2,5 d"),
   * the other service-time methods hours and minutes of service time ("20 h 30 min", never
   * calendar days), the continuous methods calendar time ("1 d 2 h 0 min").
   */
  function formatClockMinutes(unit: ClockUnit, minutes: number | null | undefined): string {
    if (minutes === null || minutes === undefined) return t.sla.pending;
    if (CONTINUOUS.has(unit.method)) return formatMinutes(minutes);
    if (unit.method === 'Den') return `${decimal(Math.max(0, minutes) / unit.unitMinutes)} ${t.sla.units.Den}`;
    return hoursAndMinutes(minutes);
  }

  /** Consumed so far, in the clock's unit. */
  function formatConsumed(c: ClockUnit & { consumedMinutes: number | null }): string {
    return formatClockMinutes(c, c.consumedMinutes);
  }

  /**
   * What remains ("2,5 d") or "překročeno o 15 min", in the clock's unit, while the clock can
   * still run; a stopped or cancelled clock has nothing remaining (SLA.md: 0 remains between due
   * and the next opening).
   */
  function formatRemaining(c: ClockUnit & { clock: string; remainingMinutes: number | null }): string {
    if (c.clock === 'stopped' || c.clock === 'not_applicable') return t.sla.pending;
    const minutes = c.remainingMinutes;
    if (minutes === null || minutes === undefined) return t.sla.pending;
    return minutes < 0 ? t.sla.overrun(formatClockMinutes(c, -minutes)) : formatClockMinutes(c, minutes);
  }

  function formatTarget(target: { method: string; amount: number }): string {
    return `${target.amount} ${t.sla.units[target.method] ?? ''} (${target.method})`;
  }

  function formatVerdict(c: { breached: boolean | null; met: boolean | null }): string {
    if (c.breached) return t.sla.breached;
    return c.met ? t.sla.met : t.sla.pending;
  }

  /** A clock's target in plain words for customers: "cíl 4 h", without the method's code. */
  function formatPlainTarget(target: { method: string; amount: number }): string {
    return t.sla.plain.target(target.amount, t.sla.units[target.method] ?? '');
  }

  /**
   * Where a clock stands in plain words for customers: met (splněno) or not (nesplněno) once
   * decided, else running, paused for them, or waiting for the complaint's decision.
   */
  function formatPlainVerdict(c: { breached: boolean | null; met: boolean | null; clock: string }): string {
    if (c.breached) return t.sla.plain.breached;
    if (c.met) return t.sla.plain.met;
    if (c.clock === 'paused') return t.sla.plain.paused;
    if (c.clock === 'awaiting_complaint_decision') return t.sla.plain.awaiting_complaint_decision;
    return c.clock === 'running' ? t.sla.plain.running : t.sla.pending;
  }

  return {
    formatInstant, formatMinutes, formatClockMinutes, formatConsumed, formatRemaining, formatTarget, formatVerdict,
    formatPlainTarget, formatPlainVerdict,
  };
}

/** The Czech helpers (the default language). */
export const slaHelpers = slaHelpersIn(cs);
export const {
  formatInstant, formatMinutes, formatClockMinutes, formatConsumed, formatRemaining, formatTarget, formatVerdict,
  formatPlainTarget, formatPlainVerdict,
} = slaHelpers;
