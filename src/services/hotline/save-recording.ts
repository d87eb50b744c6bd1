import { DateTime } from 'luxon';
import { normalisePhone } from '../../domain/phone.js';
import { cs } from '../../i18n/cs.js';
import { type Actor, isStaff } from '../actor.js';
import { fileFromBuffer } from '../attachments.js';
import type { ServiceContext, Tx } from '../context.js';
import { createTicketInTx } from '../create-ticket.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import type { CallAnswer } from './answers.js';
import { type CallRow, endCall, lockCall, lockCallById, updateCall } from './call-state.js';
import { downloadRecording } from './recording-download.js';

/** How long a replayed save waits for the one already running before answering without the number. */
const CONCURRENT_SAVE_WAIT_MS = 15_000;
/**
 * A save still claimed after this long was cut off (its process stopped between the claim and
 * the end): far beyond the download's timeout, so staff may retry it like a failed download.
 */
const STALE_SAVE_MS = 5 * 60_000;
const isStale = (call: CallRow) => call.step === 'saving' && Date.now() - new Date(call.updated_at).getTime() > STALE_SAVE_MS;

/** What a save (or a staff retry) came to. */
export type SaveResult = { ok: true; ticketNumber: number } | { ok: false; failure: string };

/**
 * Menu 3 (HOTLINE.md §5): claim the call in one short transaction (menu → saving), download the
 * recording, then create the ticket and end the call in one transaction. A replayed 3 on a saved
 * call answers the same number and creates nothing; a replay while the save runs waits for it.
 */
export async function saveRecording(ctx: ServiceContext, callSid: string): Promise<CallAnswer> {
  const claim = await ctx.db.transaction(async (trx): Promise<CallRow | CallAnswer> => {
    const call = await lockCall(trx, callSid);
    if (call?.outcome === 'ticket' && call.ticket_number !== null) return { kind: 'saved', ticketNumber: Number(call.ticket_number) };
    if (call && isStale(call)) {
      await endCall(trx, call.id, 'download_failed', { failure: cs.hotline.failure.interrupted });
      return { kind: 'download_failed' };
    }
    if (call?.step === 'saving') return { kind: 'saving' };
    if (call?.outcome === 'download_failed') return { kind: 'download_failed' };
    if (!call || call.step !== 'menu' || !call.recording_url) return { kind: 'goodbye', reason: 'unknown_call' };
    await updateCall(trx, call.id, { step: 'saving' });
    return call;
  });
  if ('kind' in claim) return claim.kind === 'saving' ? awaitOtherSave(ctx, callSid) : claim;
  const result = await downloadAndCreate(ctx, claim);
  return result.ok ? { kind: 'saved', ticketNumber: result.ticketNumber } : { kind: 'download_failed' };
}

/**
 * Staff retry from the hotline log (HOTLINE.md §6): the same download and creation for a call
 * whose download failed, as its caller would have had it (reporter, subject with the call's time).
 */
export async function retryRecording(ctx: ServiceContext, actor: Actor, callId: number): Promise<SaveResult> {
  if (!isStaff(actor)) throw new ForbiddenError();
  const call = await ctx.db.transaction(async (trx) => {
    const row = await lockCallById(trx, callId);
    if (!row) throw new NotFoundError('hotline call');
    if (row.step === 'saving' && !isStale(row)) throw new ConflictError(cs.hotline.failure.busy);
    if (row.outcome !== 'download_failed' && !isStale(row)) throw new ConflictError(cs.hotline.failure.notFailed);
    await updateCall(trx, row.id, { step: 'saving' });
    return row;
  });
  return downloadAndCreate(ctx, call);
}

/** The call was claimed (step saving): fetch the WAV, then the ticket and the call's end in one transaction; a failure ends the call as download_failed. */
async function downloadAndCreate(ctx: ServiceContext, call: CallRow): Promise<SaveResult> {
  const download = call.recording_url
    ? await downloadRecording(ctx.hotline, call.recording_url, ctx.limits.maxBytes)
    : ({ ok: false, failure: cs.hotline.failure.noRecording } as const);
  if (!download.ok) return fail(ctx, call.id, download.failure);
  try {
    const ticketNumber = await ctx.db.transaction(async (trx) => {
      const row = await lockCallById(trx, call.id);
      if (row?.step !== 'saving') throw new ConflictError(cs.hotline.failure.busy);
      const number = await createHotlineTicket(trx, ctx, row, download.wav);
      await endCall(trx, row.id, 'ticket', { ticket_number: number, failure: null });
      return number;
    });
    return { ok: true, ticketNumber };
  } catch (err) {
    return fail(ctx, call.id, cs.hotline.failure.ticket(reasonOf(err)));
  }
}

async function fail(ctx: ServiceContext, callId: number, failure: string): Promise<SaveResult> {
  await ctx.db.transaction(async (trx) => {
    const row = await lockCallById(trx, callId);
    if (row?.step === 'saving') await endCall(trx, row.id, 'download_failed', { failure });
  });
  return { ok: false, failure };
}

function reasonOf(err: unknown): string {
  if (err instanceof ValidationError) return Object.values(err.fields).join('; ');
  if (err instanceof ConflictError) return err.userMessage;
  return err instanceof Error ? err.message : String(err);
}

interface Reporter {
  id: number;
  login: string;
  name: string;
  email: string;
  role: Actor['role'];
  language: string | null;
  timezone: string;
  paragraph_id: number | null;
}

/** The ticket of a saved call, through the web form's use case (HOTLINE.md §5), in the caller's transaction. */
async function createHotlineTicket(trx: Tx, ctx: ServiceContext, call: CallRow, wav: Buffer): Promise<number> {
  if (call.user_id === null || call.contract_id === null) throw new ConflictError(cs.hotline.failure.noRecording);
  const reporter = (await trx('users as u')
    .join('contracts as c', 'c.id', trx.raw('?', [call.contract_id]))
    .leftJoin('contract_paragraphs as p', (j) => j.on('p.contract_id', 'c.id').andOnVal('p.is_hotline_default', true).andOnVal('p.active', true))
    .where('u.id', call.user_id)
    .first('u.id', 'u.login', 'u.name', 'u.email', 'u.role', 'u.language', 'c.timezone', 'p.id as paragraph_id')) as Reporter | undefined;
  if (!reporter) throw new NotFoundError('hotline reporter');
  const actor: Actor = { id: reporter.id, login: reporter.login, name: reporter.name, email: reporter.email, role: reporter.role, language: reporter.language };
  const when = DateTime.fromJSDate(call.started_at, { zone: reporter.timezone }).toFormat('d. M. yyyy H:mm');
  const phone = normalisePhone(call.caller);
  const created = await createTicketInTx(
    trx,
    ctx,
    actor,
    {
      contract_id: call.contract_id,
      paragraph_id: reporter.paragraph_id ?? 0,
      ...(phone ? { contact_phone: phone } : {}),
      subject: cs.hotline.ticket.subject(reporter.name, when),
      description: cs.hotline.ticket.description(phone ?? call.caller, call.recording_seconds ?? 0),
    },
    { files: [fileFromBuffer(`hotline-${call.call_sid.replace(/[^A-Za-z0-9_-]/g, '')}.wav`, 'audio/wav', wav)], channel: 'hotline' },
  );
  return created.number;
}

/** A replayed save while the first one runs: wait for its outcome (the provider's retry then hears the same number). */
async function awaitOtherSave(ctx: ServiceContext, callSid: string): Promise<CallAnswer> {
  const until = Date.now() + CONCURRENT_SAVE_WAIT_MS;
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    const row = (await ctx.db('hotline_calls').where({ call_sid: callSid }).first('step', 'outcome', 'ticket_number')) as
      | Pick<CallRow, 'step' | 'outcome' | 'ticket_number'>
      | undefined;
    if (row?.outcome === 'ticket' && row.ticket_number !== null) return { kind: 'saved', ticketNumber: Number(row.ticket_number) };
    if (row?.step !== 'saving') return row?.outcome === 'download_failed' ? { kind: 'download_failed' } : { kind: 'saving' };
  }
  return { kind: 'saving' };
}
