import { codeHash, isCodeShape } from '../../domain/hotline-code.js';
import type { ServiceContext, Tx } from '../context.js';
import type { CallAnswer, CallParams } from './answers.js';
import {
  auditAttempt,
  type CallRow,
  endCall,
  isLockedOut,
  lockCall,
  lockCallWithRecentWrong,
  LOCKOUT_WRONG_CODES,
  TRIES_PER_CALL,
  updateCall,
} from './call-state.js';
import { hotlineCodeKey } from './code-key.js';
import { HOTLINE_CALENDAR_COLUMNS, type HotlineCalendarRow, hotlineOpen, joinHotlineCalendar } from './hours.js';
import { saveRecording } from './save-recording.js';

/** Longest value of a provider parameter we keep (CallSid, numbers, the recording's address); control characters never reach the log. */
const PARAM_MAX = 2000;
// eslint-disable-next-line no-control-regex
const clip = (s: string) => s.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, PARAM_MAX);

/**
 * Use case: a call comes in (POST /hotline/voice). The call's row is created (a replay of the
 * same webhook finds it); a caller number locked out (HOTLINE.md §3) hears a goodbye at once.
 */
export async function incomingCall(ctx: ServiceContext, params: CallParams): Promise<CallAnswer> {
  return ctx.db.transaction(async (trx) => {
    // created, or found (a replay) and locked by the same statement
    const [call] = (await trx('hotline_calls')
      .insert({ call_sid: clip(params.callSid), caller: clip(params.from), called: clip(params.to) })
      .onConflict('call_sid')
      .merge({ updated_at: trx.raw('hotline_calls.updated_at') })
      .returning('*')) as CallRow[];
    if (!call) return { kind: 'goodbye', reason: 'unknown_call' };
    if (call.step !== 'code' || call.wrong_codes > 0) return { kind: 'goodbye', reason: 'unknown_call' };
    if (await isLockedOut(trx, call.caller)) return lockOut(trx, call);
    return { kind: 'ask_code', after: 'greeting' };
  });
}

/** Use case: the caller typed a code, or nothing (POST /hotline/voice/code). */
export async function codeTyped(ctx: ServiceContext, callSid: string, digits: string): Promise<CallAnswer> {
  const key = await hotlineCodeKey(ctx);
  return ctx.db.transaction(async (trx) => {
    const call = await lockCallWithRecentWrong(trx, clip(callSid));
    if (!call || call.step !== 'code') return { kind: 'goodbye', reason: 'unknown_call' };
    if (call.recent_wrong > LOCKOUT_WRONG_CODES) return lockOut(trx, call);
    if (digits === '') return wrongTry(trx, call, 'silence');
    const holder = isCodeShape(digits) ? await callerOfCode(trx, codeHash(key, digits)) : undefined;
    if (!holder) {
      await auditAttempt(trx, call, 'wrong');
      // the wrong code that locks the number ends this call too: no further guesses from it
      if (call.recent_wrong + 1 > LOCKOUT_WRONG_CODES) return lockOut(trx, call, call.wrong_codes + 1);
      return wrongTry(trx, call, 'wrong');
    }
    await auditAttempt(trx, call, 'accepted', holder.user_id);
    const hours = hotlineOpen(holder, Date.now());
    if (!hours.open) {
      await endCall(trx, call.id, 'outside_hours', { user_id: holder.user_id, contract_id: holder.contract_id });
      return { kind: 'outside_hours', hours: hours.hours };
    }
    await updateCall(trx, call.id, { step: 'recording', user_id: holder.user_id, contract_id: holder.contract_id });
    return { kind: 'record', after: 'code' };
  });
}

/** Use case: the recording is done (POST /hotline/voice/recorded); the menu follows. */
export async function recordingDone(
  ctx: ServiceContext,
  callSid: string,
  recording: { url: string; sid: string; seconds: number },
  /** the Record's Digits: '#' when confirmed, 'hangup' when the caller hung up while recording */
  digits = '',
): Promise<CallAnswer> {
  return ctx.db.transaction(async (trx) => {
    const call = await lockCall(trx, clip(callSid));
    // the provider repeating this webhook: the same recording, the same menu
    if (call?.step === 'menu' && recording.sid !== '' && call.recording_sid === recording.sid) return { kind: 'menu' };
    if (!call || call.step !== 'recording') return { kind: 'goodbye', reason: 'unknown_call' };
    const kept = { recording_url: clip(recording.url) || null, recording_sid: clip(recording.sid) || null, recording_seconds: recording.url ? recording.seconds : null };
    // hung up while recording: nothing was confirmed, so nothing is created (the log keeps the recording)
    if (digits === 'hangup') {
      await endCall(trx, call.id, 'hung_up', kept);
      return { kind: 'goodbye', reason: 'hung_up' };
    }
    if (recording.url === '') return { kind: 'record', after: 'empty' };
    await updateCall(trx, call.id, { step: 'menu', ...kept });
    return { kind: 'menu' };
  });
}

/** Use case: a menu key (POST /hotline/voice/menu): 1 replay, 2 record again, 3 save (save-recording.ts), 4 end. */
export async function menuChosen(ctx: ServiceContext, callSid: string, digits: string): Promise<CallAnswer> {
  if (digits === '3') return saveRecording(ctx, clip(callSid));
  return ctx.db.transaction(async (trx) => {
    const call = await lockCall(trx, clip(callSid));
    if (!call || call.step !== 'menu' || !call.recording_url) return { kind: 'goodbye', reason: 'unknown_call' };
    switch (digits) {
      case '1':
        return { kind: 'play', recordingUrl: call.recording_url };
      case '2':
        await updateCall(trx, call.id, { step: 'recording', recording_url: null, recording_sid: null, recording_seconds: null });
        return { kind: 'record', after: 'again' };
      case '4':
        await endCall(trx, call.id, 'hung_up');
        return { kind: 'goodbye', reason: 'hung_up' };
      default:
        return { kind: 'menu' };
    }
  });
}

type CodeCaller = { user_id: number; contract_id: number } & HotlineCalendarRow;

/**
 * The code's user and contract, when both may use the hotline now (active user with a
 * membership, active contract and company with the hotline service), with the contract's
 * hotline calendar.
 */
async function callerOfCode(trx: Tx, hash: string): Promise<CodeCaller | undefined> {
  return (await joinHotlineCalendar(
    trx('hotline_codes as h')
      .join('users as u', 'u.id', 'h.user_id')
      .join('contracts as c', 'c.id', 'h.contract_id')
      .join('companies as co', 'co.id', 'c.company_id')
      .join('user_contracts as uc', (j) => j.on('uc.user_id', 'h.user_id').andOn('uc.contract_id', 'h.contract_id')),
    trx,
  )
    .where({ 'h.code_hash': hash, 'u.active': true, 'c.active': true, 'c.hotline': true, 'co.active': true })
    .first('h.user_id', 'h.contract_id', ...HOTLINE_CALENDAR_COLUMNS)) as CodeCaller | undefined;
}

/** A try that failed (wrong code or silence): the third ends the call, as wrong_code if any code was typed, else no_code. */
async function wrongTry(trx: Tx, call: CallRow, how: 'wrong' | 'silence'): Promise<CallAnswer> {
  const tries = call.wrong_codes + 1;
  if (tries < TRIES_PER_CALL) {
    await updateCall(trx, call.id, { wrong_codes: tries });
    return { kind: 'ask_code', after: how };
  }
  const typed = how === 'wrong' || (await trx('hotline_attempts').where({ call_sid: call.call_sid, outcome: 'wrong' }).first('id')) !== undefined;
  await endCall(trx, call.id, typed ? 'wrong_code' : 'no_code', { wrong_codes: tries });
  return { kind: 'goodbye', reason: 'too_many_tries' };
}

async function lockOut(trx: Tx, call: CallRow, tries = call.wrong_codes): Promise<CallAnswer> {
  await auditAttempt(trx, call, 'locked_out');
  await endCall(trx, call.id, 'locked_out', { wrong_codes: tries });
  return { kind: 'goodbye', reason: 'locked_out' };
}
