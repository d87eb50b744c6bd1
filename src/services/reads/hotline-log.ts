/**
 * The staff's hotline log (HOTLINE.md §6): calls newest first with the caller number, the user
 * the code identified, the outcome, the ticket and the recording's length; filtered by outcome,
 * paged. On the ordinary pool (hotline_calls_started and hotline_calls_failed serve it).
 */
import type { Outcome } from '../hotline/call-state.js';
import type { Reads } from './pools.js';

/** Every outcome a call ends with (call-state.ts Outcome; the database's check), in the filter's order. */
export const HOTLINE_OUTCOMES = ['no_code', 'wrong_code', 'locked_out', 'outside_hours', 'hung_up', 'ticket', 'download_failed'] as const satisfies readonly Outcome[];
export type HotlineOutcome = Outcome;

export const LOG_PAGE_SIZE = 50;

export interface CallLogRow {
  id: number;
  started_at: Date;
  ended_at: Date | null;
  caller: string;
  user_id: number | null;
  user_name: string | null;
  /** null: the call is going on */
  outcome: HotlineOutcome | null;
  ticket_number: number | null;
  recording_seconds: number | null;
  failure: string | null;
}

export async function hotlineLog(pools: Reads, f: { outcome?: HotlineOutcome; page: number }): Promise<{ rows: CallLogRow[]; hasNext: boolean }> {
  const q = pools
    .db('hotline_calls as k')
    .leftJoin('users as u', 'u.id', 'k.user_id')
    .select('k.id', 'k.started_at', 'k.ended_at', 'k.caller', 'k.user_id', 'u.name as user_name', 'k.outcome', 'k.ticket_number', 'k.recording_seconds', 'k.failure');
  if (f.outcome) q.where('k.outcome', f.outcome);
  const rows = (await q
    .orderBy([{ column: 'k.started_at', order: 'desc' }, { column: 'k.id', order: 'desc' }])
    .limit(LOG_PAGE_SIZE + 1)
    .offset((f.page - 1) * LOG_PAGE_SIZE)) as CallLogRow[];
  return {
    rows: rows.slice(0, LOG_PAGE_SIZE).map((r) => ({ ...r, id: Number(r.id), ticket_number: r.ticket_number === null ? null : Number(r.ticket_number) })),
    hasNext: rows.length > LOG_PAGE_SIZE,
  };
}
