/**
 * Companies (issue 10): the admin's create and edit, and the one write of a company row that
 * the admin forms and the migration import (import/write.ts) both call.
 */
import { z } from 'zod';
import { cs } from '../../i18n/cs.js';
import type { Actor } from '../actor.js';
import type { ServiceContext, Tx } from '../context.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { optionalText, parseInput, requiredText } from '../validate.js';
import { type AuditWho, type Row, type Saved, save } from './records.js';

/** A company as written; an absent optional field keeps what is stored (the import leaves `active` alone). */
export interface CompanyFields {
  name: string;
  address?: string | null;
  active?: boolean;
}

/** Which company a write is about: none (a new one), its id (a form), or its name (the import's natural key). */
export type CompanyKey = { id: number } | { name: string } | null;

/** Is a database error the violation of this unique index? */
export const violates = (e: unknown, constraint: string): boolean =>
  (e as { code?: string; constraint?: string }).code === '23505' && (e as { constraint?: string }).constraint === constraint;

/**
 * Inserts or updates one company (only the changed columns, audited as `company`). A name that
 * another company has is refused at the field `name`; a missing id is a 404.
 */
export async function saveCompany(trx: Tx, who: AuditWho, key: CompanyKey, fields: CompanyFields): Promise<Saved> {
  const existing = key === null ? undefined : ((await trx('companies').where(key).first()) as Row | undefined);
  if (key !== null && 'id' in key && !existing) throw new NotFoundError('company');
  const clash = await trx('companies')
    .where({ name: fields.name })
    .modify((q) => void (existing ? q.whereNot('id', existing.id as number) : q))
    .first('id');
  if (clash) throw new ValidationError({ name: cs.admin.companies.nameTaken });
  const desired: Row = { name: fields.name };
  if (fields.address !== undefined) desired.address = fields.address;
  if (fields.active !== undefined) desired.active = fields.active;
  try {
    return await save(trx, 'companies', existing, {}, desired, { audit: { who, type: 'company' } });
  } catch (e) {
    // another admin saved the same name between the check and the write
    if (violates(e, 'companies_name_unique')) throw new ValidationError({ name: cs.admin.companies.nameTaken });
    throw e;
  }
}

/** An unchecked box sends nothing: anything but absent, '', '0' and 'false' is ticked. */
export const checkbox = z.preprocess((v) => v !== undefined && v !== '' && v !== '0' && v !== 'false' && v !== false, z.boolean());

const companySchema = z.object({
  name: requiredText(200),
  address: optionalText(500),
  active: checkbox,
});

export type CompanyInput = z.input<typeof companySchema>;

/** Only admins administer; the routes check it first, the use cases again. */
export function mustBeAdmin(actor: Actor): AuditWho {
  if (actor.role !== 'admin') throw new ForbiddenError('admin only');
  return { actorId: actor.id, source: 'web' };
}

function companyFields(input: unknown): CompanyFields {
  const data = parseInput(companySchema, input);
  return { name: data.name, address: data.address ?? null, active: data.active };
}

/** Use case: an admin creates a company. Returns its id. */
export async function createCompany(ctx: ServiceContext, actor: Actor, input: unknown): Promise<{ id: number }> {
  const who = mustBeAdmin(actor);
  const fields = companyFields(input);
  return ctx.db.transaction(async (trx) => ({ id: (await saveCompany(trx, who, null, fields)).id }));
}

/** Use case: an admin edits a company (name, address, active). A deactivated company's contracts take no new tickets. */
export async function updateCompany(ctx: ServiceContext, actor: Actor, id: number, input: unknown): Promise<{ changed: boolean }> {
  const who = mustBeAdmin(actor);
  const fields = companyFields(input);
  return ctx.db.transaction(async (trx) => ({ changed: (await saveCompany(trx, who, { id }, fields)).changed }));
}
