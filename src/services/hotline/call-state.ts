import type { Knex } from 'knex';
import type { Tx } from '../context.js';

/** One row of hotline_calls: a call's state and, once it ended, its line in the hotline log. */
export interface CallRow {
  id: number;
  call_sid: string;
  caller: string;
  called: string;
  started_at: Date;
  updated_at: Date;
  ended_at: Date | null;
  step: 'code' | 'recording' | 'menu' | 'saving' | 'ended';
  wrong_codes: number;
  user_id: number | null;
  contract_id: number | null;
  recording_url: string | null;
  recording_sid: string | null;
  recording_seconds: number | null;
  outcome: Outcome | null;
  ticket_number: number | null;
  failure: string | null;
}

export type Outcome = 'no_code' | 'wrong_code' | 'locked_out' | 'outside_hours' | 'hung_up' | 'ticket' | 'download_failed';

/** HOTLINE.md §3: 3 tries a call; more than 10 wrong codes from one number within an hour lock it for that hour. */
export const TRIES_PER_CALL = 3;
export const LOCKOUT_WRONG_CODES = 10;
export const LOCKOUT_SECONDS = 3600;

/** The call's row, locked until the transaction ends, so two webhooks of one call never interleave. */
export async function lockCall(trx: Tx, callSid: string): Promise<CallRow | undefined> {
  return (await trx('hotline_calls').where({ call_sid: callSid }).forUpdate().first()) as CallRow | undefined;
}

export async function lockCallById(trx: Tx, id: number): Promise<CallRow | undefined> {
  return (await trx('hotline_calls').where({ id }).forUpdate().first()) as CallRow | undefined;
}

type CallChange = { [K in keyof Omit<CallRow, 'id' | 'call_sid'>]?: CallRow[K] | Knex.Raw };

export async function updateCall(trx: Tx, id: number, change: CallChange): Promise<void> {
  await trx('hotline_calls').where({ id }).update({ ...change, updated_at: trx.fn.now() });
}

/** Ends the call with its outcome (the hotline log's line). */
export async function endCall(trx: Tx, id: number, outcome: Outcome, extra: CallChange = {}): Promise<void> {
  await updateCall(trx, id, { step: 'ended', outcome, ended_at: trx.raw('now()'), ...extra });
}

/** The wrong codes typed from a caller number (an SQL expression) within the lockout window, as `recent_wrong`. */
const recentWrong = (trx: Tx, caller: string | Knex.Raw) =>
  trx.raw(`(select count(*) from hotline_attempts a where a.caller = ? and a.outcome = 'wrong' and a.at > now() - make_interval(secs => ?))::int as recent_wrong`, [
    caller,
    LOCKOUT_SECONDS,
  ]);

/** The call's row, locked, with the wrong codes its caller number typed within the lockout window (isLockedOut in the same statement). */
export async function lockCallWithRecentWrong(trx: Tx, callSid: string): Promise<(CallRow & { recent_wrong: number }) | undefined> {
  return (await trx('hotline_calls as c')
    .where('c.call_sid', callSid)
    .forUpdate('c')
    .first('c.*', recentWrong(trx, trx.raw('c.caller')))) as (CallRow & { recent_wrong: number }) | undefined;
}

/** Whether the caller number typed more than LOCKOUT_WRONG_CODES wrong codes within the last hour. */
export async function isLockedOut(trx: Tx, caller: string): Promise<boolean> {
  const row = (await trx.first(recentWrong(trx, caller))) as { recent_wrong: number } | undefined;
  return Number(row?.recent_wrong ?? 0) > LOCKOUT_WRONG_CODES;
}

/** The audit of a code attempt: time, caller number, outcome — never the digits typed. */
export async function auditAttempt(trx: Tx, call: Pick<CallRow, 'caller' | 'call_sid'>, outcome: 'accepted' | 'wrong' | 'locked_out', userId: number | null = null): Promise<void> {
  await trx('hotline_attempts').insert({ caller: call.caller, call_sid: call.call_sid, outcome, user_id: userId });
}
