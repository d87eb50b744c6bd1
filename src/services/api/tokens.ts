/**
 * API tokens (API.md §1, issue 14): an admin (or the `token` command) creates a token for one
 * contract, with the paragraph its tickets get by default and the customer they are reported
 * as, and may revoke it. The token is shown once; only its SHA-256 is stored, and the audit log
 * never sees even that (records.ts hides `token_hash`).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { loginKey } from '../../domain/login.js';
import { cs } from '../../i18n/cs.js';
import type { Actor } from '../actor.js';
import type { ServiceContext, Tx } from '../context.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { mustBeAdmin, violates } from '../admin/companies.js';
import { type AuditWho, type Row, save } from '../admin/records.js';
import { id, parseInput, requiredText } from '../validate.js';
import { tokenHash } from './authenticate.js';

/** What a token starts with, so a leaked one is recognisable (secret scanners, logs). */
export const TOKEN_PREFIX = 'hdt_';
export const TOKEN_NAME_MAX = 100;

/** A new token: the prefix and 32 random bytes in base64url (256 bits). */
export const newToken = (): string => `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;

/** What is stored of a token (api_tokens.token_hash): SHA-256, hex; the bearer check hashes the same way. */
export { tokenHash } from './authenticate.js';

const AUDIT_TYPE = 'api_token';

const tokenSchema = z.object({
  contract_id: id,
  paragraph_id: id,
  user_id: id,
  name: requiredText(TOKEN_NAME_MAX),
});

export type ApiTokenInput = z.input<typeof tokenSchema>;
type TokenFields = z.output<typeof tokenSchema>;

/** A created token: its row id and the token itself (shown once, stored nowhere). */
export interface CreatedToken {
  id: number;
  token: string;
}

/**
 * Every field checked against the others, each refusal at its field: the contract active (of an
 * active company), the paragraph an active one of that contract, the user an active customer
 * who is a member of it, the name free among the contract's live tokens.
 */
async function checkFields(trx: Tx, f: TokenFields): Promise<void> {
  const errors: Record<string, string> = {};
  const contract = await trx('contracts as c').join('companies as co', 'co.id', 'c.company_id').where({ 'c.id': f.contract_id, 'c.active': true, 'co.active': true }).first('c.id');
  if (!contract) errors.contract_id = cs.apiAdmin.errors.contract;
  const paragraph = await trx('contract_paragraphs').where({ id: f.paragraph_id, contract_id: f.contract_id, active: true }).first('id');
  if (!paragraph) errors.paragraph_id = cs.apiAdmin.errors.paragraph;
  const member = await trx('users as u')
    .join('user_contracts as m', 'm.user_id', 'u.id')
    .where({ 'u.id': f.user_id, 'u.active': true, 'u.role': 'customer', 'm.contract_id': f.contract_id })
    .first('u.id');
  if (!member) errors.user_id = cs.apiAdmin.errors.user;
  const clash = await trx('api_tokens').where({ contract_id: f.contract_id, name: f.name }).whereNull('revoked_at').first('id');
  if (clash) errors.name = cs.apiAdmin.errors.nameTaken;
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
}

/** The one write of a new token, audited (without its hash), whoever creates it. */
export async function createApiTokenInTx(trx: Tx, who: AuditWho, input: ApiTokenInput): Promise<CreatedToken> {
  const f = parseInput(tokenSchema, input);
  await checkFields(trx, f);
  const token = newToken();
  try {
    const saved = await save(
      trx,
      'api_tokens',
      undefined,
      {},
      { contract_id: f.contract_id, paragraph_id: f.paragraph_id, user_id: f.user_id, name: f.name, token_hash: tokenHash(token), created_by: who.actorId },
      { audit: { who, type: AUDIT_TYPE } },
    );
    return { id: Number(saved.id), token };
  } catch (e) {
    // another admin created the same name between the check and the write
    if (violates(e, 'api_tokens_live_name')) throw new ValidationError({ name: cs.apiAdmin.errors.nameTaken });
    throw e;
  }
}

/** Use case: an admin creates a token. Returns it once. */
export async function createApiToken(ctx: ServiceContext, actor: Actor, input: ApiTokenInput): Promise<CreatedToken> {
  const who = mustBeAdmin(actor);
  return ctx.db.transaction((trx) => createApiTokenInTx(trx, who, input));
}

/** Revokes a token (audited); a token revoked before stays as it was. Says whether this call revoked it. */
export async function revokeApiTokenInTx(trx: Tx, who: AuditWho, tokenId: number): Promise<{ revoked: boolean }> {
  const existing = (await trx('api_tokens').where({ id: tokenId }).forUpdate().first()) as Row | undefined;
  if (!existing) throw new NotFoundError('api token');
  if (existing.revoked_at !== null) return { revoked: false };
  await save(trx, 'api_tokens', existing, {}, { revoked_at: new Date() }, { audit: { who, type: AUDIT_TYPE } });
  return { revoked: true };
}

/** Use case: an admin revokes a token; from the commit on it is answered 401. */
export async function revokeApiToken(ctx: ServiceContext, actor: Actor, tokenId: number): Promise<{ revoked: boolean }> {
  const who = mustBeAdmin(actor);
  return ctx.db.transaction((trx) => revokeApiTokenInTx(trx, who, tokenId));
}

// ---------------------------------------------------------------- by names (the `token` command)

/** How the paragraph of a token created by names was chosen. */
export type ParagraphChoice = 'given' | 'email_default' | 'first_active';

export interface TokenByNames {
  company: string;
  contract: string;
  name: string;
  /** the reporting customer's login */
  user: string;
  /** the paragraph's code; absent: the contract's e-mail default, else its first active paragraph */
  paragraph?: string;
}

export interface CreatedByNames extends CreatedToken {
  contract: string;
  paragraph: { code: string; name: string; chosen: ParagraphChoice };
}

/** The contract of a company by their natural keys, or a ValidationError at `company` / `contract`. */
async function contractByNames(trx: Tx, company: string, contract: string): Promise<{ id: number; number: string }> {
  const co = await trx('companies').where({ name: company }).first('id');
  if (!co) throw new ValidationError({ company: cs.apiAdmin.errors.company });
  const c = await trx('contracts').where({ company_id: co.id, number: contract }).first('id', 'number');
  if (!c) throw new ValidationError({ contract: cs.apiAdmin.errors.contractNumber });
  return c as { id: number; number: string };
}

/**
 * Creates a token from names (company, contract number, login, paragraph code), as the
 * `token` command does; the command acts without a signed-in admin (audited as `cli`).
 */
export async function createApiTokenByNames(ctx: ServiceContext, input: TokenByNames): Promise<CreatedByNames> {
  const who: AuditWho = { actorId: null, source: 'cli' };
  return ctx.db.transaction(async (trx) => {
    const contract = await contractByNames(trx, input.company, input.contract);
    const user = await trx('users').where({ login_key: loginKey(input.user) }).first('id');
    if (!user) throw new ValidationError({ user: cs.apiAdmin.errors.login });
    const paragraphs = trx('contract_paragraphs').where({ contract_id: contract.id, active: true });
    let paragraph: { id: number; code: string; name: string } | undefined;
    let chosen: ParagraphChoice;
    if (input.paragraph !== undefined) {
      paragraph = await paragraphs.clone().where({ code: input.paragraph }).first('id', 'code', 'name');
      if (!paragraph) throw new ValidationError({ paragraph: cs.apiAdmin.errors.paragraphCode });
      chosen = 'given';
    } else {
      paragraph = await paragraphs.clone().where({ is_email_default: true }).first('id', 'code', 'name');
      chosen = 'email_default';
      if (!paragraph) {
        paragraph = await paragraphs.clone().orderBy('id').first('id', 'code', 'name');
        chosen = 'first_active';
      }
      if (!paragraph) throw new ValidationError({ paragraph: cs.apiAdmin.errors.noParagraph });
    }
    const created = await createApiTokenInTx(trx, who, { contract_id: contract.id, paragraph_id: paragraph.id, user_id: user.id, name: input.name });
    return { ...created, contract: contract.number, paragraph: { code: paragraph.code, name: paragraph.name, chosen } };
  });
}

/** Revokes the live token of that name of a contract, as the `token` command does. */
export async function revokeApiTokenByNames(ctx: ServiceContext, input: Omit<TokenByNames, 'user' | 'paragraph'>): Promise<{ contract: string }> {
  const who: AuditWho = { actorId: null, source: 'cli' };
  return ctx.db.transaction(async (trx) => {
    const contract = await contractByNames(trx, input.company, input.contract);
    const token = await trx('api_tokens').where({ contract_id: contract.id, name: input.name }).whereNull('revoked_at').first('id');
    if (!token) throw new ValidationError({ name: cs.apiAdmin.errors.tokenName });
    await revokeApiTokenInTx(trx, who, Number(token.id));
    return { contract: contract.number };
  });
}
