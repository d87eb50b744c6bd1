/**
 * Users in the admin area (issue 10): create (with the invitation e-mail), edit, deactivate and
 * reactivate, contract memberships with the see-all flag, the authorised e-mail address and the
 * notification settings. Admins never see or set passwords.
 *
 * The writes of a user, a membership and an authorised address are the functions of the first
 * part of this file, whoever writes: the admin's forms (the use cases below), each row of the
 * CSV user import (users-csv.ts) and the migration import (import/write.ts). Every change goes
 * through records.ts into the audit log. A change of a user's activity, role or memberships
 * ends their sessions at once (database triggers, see the security migration).
 */
import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import { z } from 'zod';
import { loginKey } from '../../domain/login.js';
import { cs } from '../../i18n/cs.js';
import type { Actor, Role } from '../actor.js';
import type { ServiceContext, Tx } from '../context.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { hashPassword, notificationPrefsInput } from '../users.js';
import { id, optionalEmail, optionalId, optionalText, parseInput, phone, requiredText } from '../validate.js';
import { inviteUserInTx } from './invitations.js';
import { type AuditWho, jsonb, remove, type Saved, upsert } from './records.js';

export const ROLES = ['customer', 'agent', 'admin'] as const satisfies readonly Role[];

// ---------------------------------------------------------------------------------------------
// The writes every writer of users shares
// ---------------------------------------------------------------------------------------------

/** A user's own columns as a writer gives them; an absent one is left as stored. */
export interface UserFields {
  /** as typed; compared and kept unique in its normal form (domain/login.ts) */
  login?: string;
  name: string;
  email: string;
  phone?: string | null;
  role?: Role;
  active?: boolean;
}

/** Which user a write means: the row by id, or the one with this login key (inserted when there is none). */
export type UserMatch = { id: number } | { loginKey: string };

const audited = (who: AuditWho, type: string) => ({ audit: { who, type } });

/** PostgreSQL's unique violation of `constraint`. */
const violates = (e: unknown, constraint: string) =>
  (e as { code?: string }).code === '23505' && (e as { constraint?: string }).constraint === constraint;

/**
 * Inserts or updates a user (only the columns that differ; audited as `user`). A new user gets a
 * random password nobody knows, to be set through the invitation link, unless the migration
 * import brings one (`password`, hashed; compared against the stored hash on a repeated import).
 * A login another user has is refused at the field `login`.
 */
export async function writeUserInTx(trx: Tx, who: AuditWho, match: UserMatch, fields: UserFields, opts: { password?: string } = {}): Promise<Saved> {
  const key = 'id' in match ? { id: match.id } : { login_key: match.loginKey };
  const login = fields.login?.trim();
  const newKey = login === undefined ? undefined : loginKey(login);
  if (newKey === '') throw new ValidationError({ login: cs.errors.required });
  if (newKey !== undefined) {
    const holder = (await trx('users').where({ login_key: newKey }).first('id')) as { id: number } | undefined;
    if (holder && !('id' in match && holder.id === match.id) && !('loginKey' in match && match.loginKey === newKey)) {
      throw new ValidationError({ login: cs.admin.users.loginTaken });
    }
  }
  const desired = {
    ...('id' in match && login !== undefined ? { login, login_key: newKey } : {}),
    name: fields.name,
    email: fields.email,
    ...(fields.role === undefined ? {} : { role: fields.role }),
    ...(fields.phone === undefined ? {} : { phone: fields.phone }),
    ...(fields.active === undefined ? {} : { active: fields.active }),
  };
  try {
    return await upsert(trx, 'users', key, desired, {
      onInsert: async () => {
        if (login === undefined || 'id' in match) throw new NotFoundError('user');
        // no password: a random one nobody knows; the user sets theirs by invitation
        return { login, password_hash: await hashPassword(opts.password ?? randomBytes(32).toString('base64url')) };
      },
      moreChanges: async (existing) =>
        opts.password !== undefined && !(await argon2.verify(existing.password_hash as string, opts.password).catch(() => false))
          ? { password_hash: await hashPassword(opts.password) }
          : {},
      ...audited(who, 'user'),
    });
  } catch (e) {
    // a concurrent write took the login between the check and the write
    if (violates(e, 'users_login_key') || violates(e, 'users_login_unique')) throw new ValidationError({ login: cs.admin.users.loginTaken });
    throw e;
  }
}

/** Gives the user access to a contract, or changes whether they see all its tickets (audited as `membership`). */
export function writeMembershipInTx(trx: Tx, who: AuditWho, userId: number, contractId: number, seesAll: boolean): Promise<Saved> {
  return upsert(trx, 'user_contracts', { user_id: userId, contract_id: contractId }, { sees_all_tickets: seesAll }, audited(who, 'membership'));
}

/**
 * Takes a contract from the user, and with it their authorised address when it is bound to that
 * contract (an address may only name one of the user's contracts). Says whether they had it.
 */
export async function removeMembershipInTx(trx: Tx, who: AuditWho, userId: number, contractId: number): Promise<boolean> {
  const addresses = (await trx('authorized_addresses').where({ user_id: userId, contract_id: contractId }).pluck('address')) as string[];
  for (const address of addresses) await remove(trx, 'authorized_addresses', { address }, audited(who, 'authorized_address'));
  return remove(trx, 'user_contracts', { user_id: userId, contract_id: contractId }, audited(who, 'membership'));
}

/**
 * Authorises `address` (lower-cased) for the user and one of their contracts, for tickets by
 * e-mail (manual §3.2): an address belongs to one user, company and contract, and a user has one
 * authorised address (a new one replaces theirs). An address another user holds is refused at
 * `authorized_email`, naming the holder (only admins see this); a contract the user does not
 * have at `authorized_contract_id`.
 */
export async function writeAuthorizedAddressInTx(trx: Tx, who: AuditWho, userId: number, address: string, contractId: number): Promise<Saved> {
  const normal = address.trim().toLowerCase();
  const holder = (await trx('authorized_addresses as a')
    .join('users as u', 'u.id', 'a.user_id')
    .join('contracts as c', 'c.id', 'a.contract_id')
    .join('companies as co', 'co.id', 'c.company_id')
    .where('a.address', normal)
    .first('a.user_id', 'u.name', 'u.login', 'c.number', 'co.name as company')) as
    | { user_id: number; name: string; login: string; number: string; company: string }
    | undefined;
  if (holder && holder.user_id !== userId) {
    throw new ValidationError({ authorized_email: cs.admin.users.addressTaken(normal, `${holder.name} (${holder.login})`, holder.company, holder.number) });
  }
  const member = await trx('user_contracts').where({ user_id: userId, contract_id: contractId }).first('contract_id');
  if (!member) throw new ValidationError({ authorized_contract_id: cs.admin.users.addressNotMember });
  const others = (await trx('authorized_addresses').where({ user_id: userId }).whereNot({ address: normal }).pluck('address')) as string[];
  for (const other of others) await remove(trx, 'authorized_addresses', { address: other }, audited(who, 'authorized_address'));
  try {
    return await upsert(trx, 'authorized_addresses', { address: normal }, { user_id: userId, contract_id: contractId }, audited(who, 'authorized_address'));
  } catch (e) {
    if (violates(e, 'authorized_addresses_pkey')) throw new ValidationError({ authorized_email: cs.admin.users.addressTakenNow(normal) });
    throw e;
  }
}

/** A user as the new-user form and a CSV row give them: the user, a contract and an authorised address bound to it. */
export interface UserEntry extends UserFields {
  contract?: { id: number; seesAll: boolean };
  /** authorised for `contract` */
  authorizedEmail?: string;
}

/** Writes a user with their contract and authorised address (the new-user form, each CSV row); says whether the user is new. */
export async function writeUserEntryInTx(trx: Tx, who: AuditWho, match: UserMatch, entry: UserEntry): Promise<{ userId: number; created: boolean }> {
  const saved = await writeUserInTx(trx, who, match, entry);
  if (entry.contract) await writeMembershipInTx(trx, who, saved.id, entry.contract.id, entry.contract.seesAll);
  if (entry.authorizedEmail !== undefined) {
    if (!entry.contract) throw new ValidationError({ contract_id: cs.admin.users.addressNeedsContract });
    await writeAuthorizedAddressInTx(trx, who, saved.id, entry.authorizedEmail, entry.contract.id);
  }
  return { userId: saved.id, created: saved.inserted };
}

// ---------------------------------------------------------------------------------------------
// Validation shared by the forms and the CSV rows
// ---------------------------------------------------------------------------------------------

const checkbox = z.unknown().transform((v) => v === '1' || v === 'on' || v === 'true' || v === true);
const optionalPhone = z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), phone.optional());
const requiredEmail = z.preprocess(
  (v) => (v === undefined || v === null ? '' : v),
  requiredText(254).pipe(z.string().toLowerCase().email(cs.errors.email)),
);
const role = z.enum(ROLES, { errorMap: () => ({ message: cs.errors.choice }) });

/** A person's columns: the user forms and each CSV row. */
export const personSchema = z.object({
  name: requiredText(200),
  email: requiredEmail,
  phone: optionalPhone,
});

const userSchema = personSchema.extend({ login: optionalText(200), role });

/** The new-user form: the user, active or not, and for a customer a first contract with its authorised address. */
export const newUserSchema = userSchema
  .extend({ active: checkbox, contract_id: optionalId, sees_all: checkbox, authorized_email: optionalEmail })
  .superRefine((v, ctx) => {
    if (v.role !== 'customer' && v.contract_id !== undefined) ctx.addIssue({ code: 'custom', path: ['contract_id'], message: cs.admin.users.staffNoContracts });
    if (v.authorized_email !== undefined && v.contract_id === undefined) ctx.addIssue({ code: 'custom', path: ['contract_id'], message: cs.admin.users.addressNeedsContract });
  });

// ---------------------------------------------------------------------------------------------
// The admin's use cases: each one transaction, audited as the admin's form
// ---------------------------------------------------------------------------------------------

function adminWho(actor: Actor): AuditWho {
  if (actor.role !== 'admin') throw new ForbiddenError();
  return { actorId: actor.id, source: 'web' };
}

interface StoredUser {
  id: number;
  role: Role;
  active: boolean;
}

async function userRow(trx: Tx, userId: number): Promise<StoredUser> {
  const row = (await trx('users').where({ id: userId }).forUpdate().first('id', 'role', 'active')) as StoredUser | undefined;
  if (!row) throw new NotFoundError('user');
  return row;
}

async function contractExists(trx: Tx, contractId: number, field: string): Promise<void> {
  if (!(await trx('contracts').where({ id: contractId }).first('id'))) throw new ValidationError({ [field]: cs.errors.choice });
}

/**
 * Use case: an admin creates a user (login: the e-mail unless given). An active user is sent the
 * invitation with a link to set their password, in the same transaction. Returns the new id.
 */
export async function createUser(ctx: ServiceContext, actor: Actor, input: unknown): Promise<{ id: number; invited: boolean }> {
  const who = adminWho(actor);
  const v = parseInput(newUserSchema, input);
  const login = v.login ?? v.email;
  return ctx.db.transaction(async (trx) => {
    const key = loginKey(login);
    if (key === '') throw new ValidationError({ login: cs.errors.required });
    if (await trx('users').where({ login_key: key }).first('id')) throw new ValidationError({ login: cs.admin.users.loginTaken });
    if (v.contract_id !== undefined) await contractExists(trx, v.contract_id, 'contract_id');
    const { userId } = await writeUserEntryInTx(trx, who, { loginKey: key }, {
      login,
      name: v.name,
      email: v.email,
      phone: v.phone ?? null,
      role: v.role,
      active: v.active,
      ...(v.contract_id === undefined ? {} : { contract: { id: v.contract_id, seesAll: v.sees_all } }),
      ...(v.authorized_email === undefined ? {} : { authorizedEmail: v.authorized_email }),
    });
    if (v.active) await inviteUserInTx(trx, ctx, who, userId);
    return { id: userId, invited: v.active };
  });
}

const editSchema = userSchema.extend({ login: requiredText(200) });

/** Use case: an admin edits a user's name, login, e-mail, phone and role (not their own role: an admin keeps theirs). */
export async function updateUser(ctx: ServiceContext, actor: Actor, userId: number, input: unknown): Promise<void> {
  const who = adminWho(actor);
  const v = parseInput(editSchema, input);
  if (userId === actor.id && v.role !== 'admin') throw new ValidationError({ role: cs.admin.users.ownRole });
  await ctx.db.transaction(async (trx) => {
    await userRow(trx, userId);
    await writeUserInTx(trx, who, { id: userId }, { login: v.login, name: v.name, email: v.email, phone: v.phone ?? null, role: v.role });
  });
}

/**
 * Use case: an admin deactivates a user (they cannot sign in; their sessions end at once, by the
 * database) or reactivates them. An admin cannot deactivate themselves.
 */
export async function setUserActive(ctx: ServiceContext, actor: Actor, userId: number, active: boolean): Promise<void> {
  const who = adminWho(actor);
  if (!active && userId === actor.id) throw new ConflictError(cs.admin.users.ownDeactivation);
  await ctx.db.transaction(async (trx) => {
    const user = await userRow(trx, userId);
    await upsert(trx, 'users', { id: user.id }, { active }, audited(who, 'user'));
  });
}

const membershipSchema = z.object({ contract_id: id, sees_all: checkbox });

/** Use case: an admin gives a customer a contract, or changes whether they see all its tickets; staff need none. */
export async function addMembership(ctx: ServiceContext, actor: Actor, userId: number, input: unknown): Promise<void> {
  const who = adminWho(actor);
  const v = parseInput(membershipSchema, input);
  await ctx.db.transaction(async (trx) => {
    const user = await userRow(trx, userId);
    if (user.role !== 'customer') throw new ValidationError({ contract_id: cs.admin.users.staffNoContracts });
    await contractExists(trx, v.contract_id, 'contract_id');
    await writeMembershipInTx(trx, who, userId, v.contract_id, v.sees_all);
  });
}

/** Use case: an admin takes a contract from a user (and the authorised address bound to it). */
export async function removeMembership(ctx: ServiceContext, actor: Actor, userId: number, input: unknown): Promise<void> {
  const who = adminWho(actor);
  const v = parseInput(z.object({ contract_id: id }), input);
  await ctx.db.transaction(async (trx) => {
    await userRow(trx, userId);
    await removeMembershipInTx(trx, who, userId, v.contract_id);
  });
}

const addressSchema = z.object({
  authorized_email: z.preprocess((v) => (v === undefined || v === null ? '' : v), requiredText(254).pipe(z.string().toLowerCase().email(cs.errors.email))),
  authorized_contract_id: id,
});

/** Use case: an admin authorises an address of the user for one of their contracts (replacing the user's previous one). */
export async function setAuthorizedAddress(ctx: ServiceContext, actor: Actor, userId: number, input: unknown): Promise<void> {
  const who = adminWho(actor);
  const v = parseInput(addressSchema, input);
  await ctx.db.transaction(async (trx) => {
    await userRow(trx, userId);
    await writeAuthorizedAddressInTx(trx, who, userId, v.authorized_email, v.authorized_contract_id);
  });
}

/** Use case: an admin withdraws the user's authorised address (mail from it no longer creates tickets). */
export async function removeAuthorizedAddress(ctx: ServiceContext, actor: Actor, userId: number): Promise<void> {
  const who = adminWho(actor);
  await ctx.db.transaction(async (trx) => {
    await userRow(trx, userId);
    const addresses = (await trx('authorized_addresses').where({ user_id: userId }).pluck('address')) as string[];
    for (const address of addresses) await remove(trx, 'authorized_addresses', { address }, audited(who, 'authorized_address'));
  });
}

const servesSchema = z.object({
  contract_ids: z.preprocess((v) => (v === undefined || v === null || v === '' ? [] : Array.isArray(v) ? v : [v]), z.array(id).max(10_000)),
});

/**
 * Use case: an admin narrows the contracts a staff member serves (staff notifications, issue
 * 12): the checked ones; none checked means every contract. Each added or removed contract is
 * audited as `staff_contract` ("user:contract"), like a membership.
 */
export async function setStaffContracts(ctx: ServiceContext, actor: Actor, userId: number, input: unknown): Promise<void> {
  const who = adminWho(actor);
  const v = parseInput(servesSchema, input);
  const wanted = [...new Set(v.contract_ids)];
  await ctx.db.transaction(async (trx) => {
    const user = await userRow(trx, userId);
    if (user.role === 'customer') throw new ValidationError({ contract_ids: cs.admin.users.servesStaffOnly });
    const known = wanted.length === 0 ? [] : ((await trx('contracts').whereIn('id', wanted).pluck('id')) as number[]);
    if (known.length !== wanted.length) throw new ValidationError({ contract_ids: cs.errors.choice });
    const stored = ((await trx('staff_contracts').where({ user_id: userId }).pluck('contract_id')) as number[]).map(Number);
    for (const contractId of stored.filter((c) => !wanted.includes(c))) {
      await remove(trx, 'staff_contracts', { user_id: userId, contract_id: contractId }, audited(who, 'staff_contract'));
    }
    for (const contractId of wanted.filter((c) => !stored.includes(c))) {
      await upsert(trx, 'staff_contracts', { user_id: userId, contract_id: contractId }, {}, audited(who, 'staff_contract'));
    }
  });
}

/** Use case: an admin sets which notifications a user gets: the choices and rules of the user's own settings page. */
export async function updateUserNotifications(ctx: ServiceContext, actor: Actor, userId: number, input: Record<string, unknown>): Promise<void> {
  const who = adminWho(actor);
  await ctx.db.transaction(async (trx) => {
    const user = await userRow(trx, userId);
    const prefs = notificationPrefsInput(input, user.role);
    await upsert(trx, 'users', { id: userId }, { notify_prefs: prefs }, { encode: (r) => ('notify_prefs' in r ? { ...r, notify_prefs: jsonb(r.notify_prefs) } : r), ...audited(who, 'user') });
  });
}
