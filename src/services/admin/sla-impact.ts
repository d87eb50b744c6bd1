/**
 * What an administered change means for the SLA stored on tickets (services/sla.ts): a changed
 * paragraph's targets, a contract's calendar or zone, or a calendar's content moves the due
 * instants of the open tickets that use them. Called in the transaction of the change, by the
 * admin forms and the migration import alike; closed and cancelled tickets keep their stored
 * verdicts (report stability, as recomputeOpenTickets).
 */
import { FINAL_STATES } from '../../domain/states.js';
import type { Tx } from '../context.js';
import { refreshStoredSla } from '../sla.js';

/** Ids of what changed in a way the clocks see. */
export interface SlaChanges {
  paragraphs?: Iterable<number>;
  contracts?: Iterable<number>;
  calendars?: Iterable<number>;
}

/** The columns of a paragraph whose change moves its tickets' clocks. */
export const PARAGRAPH_SLA_COLUMNS = ['sla_applies', 'reaction_method', 'reaction_amount', 'resolution_method', 'resolution_amount'] as const;
/** The columns of a contract whose change moves its tickets' clocks. */
export const CONTRACT_SLA_COLUMNS = ['calendar_id', 'timezone'] as const;

/** Whether an update's changed columns (records.ts Saved.diff) include one of `columns`. */
export const touches = (diff: Record<string, unknown>, columns: readonly string[]): boolean => columns.some((c) => c in diff);

/** Open tickets on the changed paragraphs, contracts or the contracts of the changed calendars. */
export async function openTicketsAffected(trx: Tx, changes: SlaChanges): Promise<number[]> {
  const paragraphs = [...(changes.paragraphs ?? [])];
  const contracts = [...(changes.contracts ?? [])];
  const calendars = [...(changes.calendars ?? [])];
  if (paragraphs.length === 0 && contracts.length === 0 && calendars.length === 0) return [];
  const numbers = (await trx('tickets as t')
    .join('contracts as c', 'c.id', 't.contract_id')
    .whereNotIn('t.state', FINAL_STATES)
    .where((q) => q.whereIn('t.paragraph_id', paragraphs).orWhereIn('t.contract_id', contracts).orWhereIn('c.calendar_id', calendars))
    .pluck('t.number')) as (number | string)[];
  return numbers.map(Number);
}

/**
 * Recomputes the stored SLA of the open tickets `changes` affect, and of the tickets `more`
 * names whatever their state (the import's own tickets, which its transaction wrote and so
 * holds). The affected rows are locked first, in number order, so a concurrent transition
 * either finishes before (and its events are read here) or waits and then reads the new setup.
 * Returns the numbers recomputed.
 */
export async function refreshAffectedTickets(trx: Tx, changes: SlaChanges, more: Iterable<number> = []): Promise<number[]> {
  const affected = (await openTicketsAffected(trx, changes)).sort((a, b) => a - b);
  for (let i = 0; i < affected.length; i += LOCK_CHUNK) {
    await trx('tickets').whereIn('number', affected.slice(i, i + LOCK_CHUNK)).orderBy('number').forUpdate().pluck('number');
  }
  const numbers = [...new Set([...affected, ...more])].sort((a, b) => a - b);
  for (const n of numbers) await refreshStoredSla(trx, n);
  return numbers;
}

/** Ticket numbers bound in one statement (PostgreSQL takes at most 65,535 parameters). */
const LOCK_CHUNK = 1000;
