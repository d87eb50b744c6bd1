/**
 * HotLine authorisation codes (HOTLINE.md §3, issue 13): staff issue a customer user's code for
 * one of their hotline contracts; the code is shown once and e-mailed; re-issuing replaces the
 * old one. A code is ten digits from the CSPRNG, stored only as its keyed hash; the e-mail keeps
 * it sealed in the outbox (services/sealed-mail.ts), so the database never holds it readable.
 */
import { randomInt } from 'node:crypto';
import { CODE_DIGITS, codeHash } from '../../domain/hotline-code.js';
import { cs } from '../../i18n/cs.js';
import { catalogue } from '../../i18n/index.js';
import { type Actor, isStaff } from '../actor.js';
import type { AuditWho, Saved } from '../admin/records.js';
import { upsert } from '../admin/records.js';
import type { ServiceContext, Tx } from '../context.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { consume } from '../rate-counters.js';
import { SEALED_MARK, queueSealedMail } from '../sealed-mail.js';
import { hotlineCodeKey } from './code-key.js';

/** How many codes (each an e-mail to the user) staff may issue one user in ISSUE_WINDOW_SECONDS. */
export const ISSUES_PER_HOUR = 10;
const ISSUE_WINDOW_SECONDS = 3600;

/** Ten digits, leading zeros included, each code drawn independently (never sequential or derived). */
export function drawCode(): string {
  return String(randomInt(0, 10 ** CODE_DIGITS)).padStart(CODE_DIGITS, '0');
}

/** How often a draw may hit a code already held before the issue gives up (one in 10^10 each). */
const MAX_DRAWS = 20;

/**
 * The one write of a user's code for a contract (staff's issue and the migration import): the
 * row keyed by (user, contract) gets the hash, replacing the old one, audited as `hotline_code`
 * (the audit log never shows the hash). Unchanged when the same hash and source are written again.
 */
export async function storeCodeInTx(
  trx: Tx,
  who: AuditWho,
  target: { userId: number; contractId: number },
  hash: string,
  source: 'staff' | 'import',
): Promise<Saved> {
  return upsert(
    trx,
    'hotline_codes',
    { user_id: target.userId, contract_id: target.contractId },
    // an imported code was issued by the old system, not by whoever runs the import (the audit names them)
    { code_hash: hash, source, issued_by: source === 'import' ? null : who.actorId },
    { onUpdate: () => ({ issued_at: trx.fn.now() }), audit: { who, type: 'hotline_code' } },
  );
}

/** The hash's holder, if a code with it is stored: a new code must not be anyone's already. */
export async function codeHolder(trx: Tx, hash: string): Promise<{ user_id: number; contract_id: number } | undefined> {
  return (await trx('hotline_codes').where({ code_hash: hash }).first('user_id', 'contract_id')) as { user_id: number; contract_id: number } | undefined;
}

interface Target {
  user: { id: number; name: string; email: string; language: string | null };
  contract: { id: number; number: string; name: string; company: string };
}

/**
 * Whom a code may be issued to: an active customer user who is a member of the contract, and
 * the contract has the hotline service; otherwise a Czech refusal at `user_id` or `contract_id`.
 * Locks the user's row, so two issues for the same user run one after the other.
 */
async function issueTarget(trx: Tx, userId: number, contractId: number): Promise<Target> {
  const user = (await trx('users').where({ id: userId }).forUpdate().first('id', 'name', 'email', 'role', 'active', 'language')) as
    | (Target['user'] & { role: string; active: boolean })
    | undefined;
  if (!user) throw new NotFoundError('user');
  const contract = (await trx('contracts as c')
    .join('companies as co', 'co.id', 'c.company_id')
    .where('c.id', contractId)
    .first('c.id', 'c.number', 'c.name', 'c.hotline', 'co.name as company')) as (Target['contract'] & { hotline: boolean }) | undefined;
  if (!contract) throw new NotFoundError('contract');
  const words = cs.hotlineAdmin.errors;
  if (user.role !== 'customer') throw new ValidationError({ user_id: words.notCustomer });
  if (!user.active) throw new ValidationError({ user_id: words.inactive });
  if (!contract.hotline) throw new ValidationError({ contract_id: words.noHotline });
  if (!(await trx('user_contracts').where({ user_id: userId, contract_id: contractId }).first('user_id'))) {
    throw new ValidationError({ contract_id: words.notMember });
  }
  return { user, contract };
}

/**
 * Use case: staff (agent or admin) issue or re-issue a customer user's code for a hotline
 * contract. In one transaction: the code's hash (the old code stops working), the audit entry
 * and the e-mail with the code, sealed in the outbox. Returns the code, to be shown once, and
 * whose it is.
 * `draw` is the random source (a test forces a collision with it).
 */
export async function issueCode(
  ctx: ServiceContext,
  actor: Actor,
  userId: number,
  contractId: number,
  draw: () => string = drawCode,
): Promise<{ code: string; userName: string; contractNumber: string }> {
  if (!isStaff(actor)) throw new ForbiddenError('staff only');
  const key = await hotlineCodeKey(ctx);
  return ctx.db.transaction(async (trx) => {
    const { user, contract } = await issueTarget(trx, userId, contractId);
    // every issue e-mails the user: a bounded number an hour, counted in this transaction (a refusal counts nothing)
    const issued = await consume(trx, `hotline-code-mail:${userId}`, 1, ISSUE_WINDOW_SECONDS);
    if (issued.count > ISSUES_PER_HOUR) throw new ValidationError({ user_id: cs.hotlineAdmin.errors.tooOften(ISSUES_PER_HOUR) });
    let code: string | undefined;
    for (let i = 0; i < MAX_DRAWS && code === undefined; i += 1) {
      const candidate = draw();
      // a code someone holds (this user's current one included) is drawn again: the unique hash stays unique
      if (!(await codeHolder(trx, codeHash(key, candidate)))) code = candidate;
    }
    if (code === undefined) throw new Error(`no free hotline code in ${MAX_DRAWS} draws`);
    await storeCodeInTx(trx, { actorId: actor.id, source: 'web' }, { userId, contractId }, codeHash(key, code), 'staff');
    // in the user's language (users.language, null: Czech); the code itself only sealed
    const words = catalogue(user.language).hotlineAdmin.mail;
    await queueSealedMail(
      ctx,
      trx,
      { to: user.email, subject: words.subject(contract.number), text: words.body(user.name, contract.company, contract.number, SEALED_MARK).join('\n'), purpose: 'hotline_code' },
      code,
    );
    return { code, userName: user.name, contractNumber: contract.number };
  });
}
