/**
 * What the admin's user pages show (issue 10): the filterable list, one user with their
 * contracts, authorised address, notification choices and last invitation, and the choices of
 * the forms. On the ordinary pool.
 */
import type { Role } from '../actor.js';
import { type NotificationPrefs, storedNotificationPrefs } from '../users.js';
import type { Reads } from './pools.js';

export const USERS_PAGE_SIZE = 50;

export interface UserFilter {
  /** part of the name, login or e-mail */
  text?: string;
  role?: Role;
  active?: boolean;
  company_id?: number;
  page: number;
}

export interface UserListRow {
  id: number;
  login: string;
  name: string;
  email: string;
  role: Role;
  active: boolean;
  created_at: Date;
  companies: string[];
}

/** A LIKE pattern matching `text` literally anywhere. */
const containing = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** One page of users by name, with one row more than the page to tell whether another follows. */
export async function listUsers(pools: Reads, f: UserFilter): Promise<{ rows: UserListRow[]; hasNext: boolean }> {
  const db = pools.db;
  const q = db('users as u').select(
    'u.id',
    'u.login',
    'u.name',
    'u.email',
    'u.role',
    'u.active',
    'u.created_at',
    db.raw(
      `coalesce((select array_agg(distinct co.name order by co.name) from user_contracts uc
        join contracts c on c.id = uc.contract_id join companies co on co.id = c.company_id where uc.user_id = u.id), '{}') as companies`,
    ),
  );
  if (f.text) {
    const pattern = containing(f.text);
    q.where((w) => w.whereILike('u.name', pattern).orWhereILike('u.login', pattern).orWhereILike('u.email', pattern));
  }
  if (f.role) q.where('u.role', f.role);
  if (f.active !== undefined) q.where('u.active', f.active);
  if (f.company_id !== undefined) {
    q.whereExists((e) =>
      e.select(db.raw('1')).from('user_contracts as uc').join('contracts as c', 'c.id', 'uc.contract_id').whereRaw('uc.user_id = u.id').where('c.company_id', f.company_id!),
    );
  }
  const rows = (await q
    .orderBy([{ column: 'u.name' }, { column: 'u.id' }])
    .limit(USERS_PAGE_SIZE + 1)
    .offset((f.page - 1) * USERS_PAGE_SIZE)) as UserListRow[];
  return { rows: rows.slice(0, USERS_PAGE_SIZE), hasNext: rows.length > USERS_PAGE_SIZE };
}

export interface UserDetail {
  id: number;
  login: string;
  name: string;
  email: string;
  phone: string | null;
  role: Role;
  active: boolean;
  created_at: Date;
  prefs: NotificationPrefs;
  memberships: { contract_id: number; number: string; contract_name: string; company_name: string; sees_all_tickets: boolean }[];
  authorized: { address: string; contract_id: number; number: string; company_name: string } | null;
  invitation: { created_at: Date; expires_at: Date; used_at: Date | null } | null;
  /** the contracts a staff member serves when narrowed (staff_contracts); empty: every contract */
  serves: number[];
}

/** One user for their page, or null. */
export async function userDetail(pools: Reads, userId: number): Promise<UserDetail | null> {
  const db = pools.db;
  const user = await db('users').where({ id: userId }).first('id', 'login', 'name', 'email', 'phone', 'role', 'active', 'created_at', 'notify_prefs');
  if (!user) return null;
  const [memberships, authorized, invitation, serves] = await Promise.all([
    db('user_contracts as uc')
      .join('contracts as c', 'c.id', 'uc.contract_id')
      .join('companies as co', 'co.id', 'c.company_id')
      .where('uc.user_id', userId)
      .orderBy(['co.name', 'c.number'])
      .select('uc.contract_id', 'c.number', 'c.name as contract_name', 'co.name as company_name', 'uc.sees_all_tickets'),
    db('authorized_addresses as a')
      .join('contracts as c', 'c.id', 'a.contract_id')
      .join('companies as co', 'co.id', 'c.company_id')
      .where('a.user_id', userId)
      .orderBy('a.address')
      .first('a.address', 'a.contract_id', 'c.number', 'co.name as company_name'),
    db('user_tokens').where({ user_id: userId, purpose: 'invitation' }).orderBy('id', 'desc').first('created_at', 'expires_at', 'used_at'),
    db('staff_contracts').where({ user_id: userId }).orderBy('contract_id').pluck('contract_id') as Promise<number[]>,
  ]);
  const { notify_prefs, ...rest } = user;
  return { ...rest, prefs: storedNotificationPrefs(notify_prefs, user.role), memberships, authorized: authorized ?? null, invitation: invitation ?? null, serves: serves.map(Number) } as UserDetail;
}

export interface ContractChoice {
  id: number;
  number: string;
  name: string;
  company_name: string;
}

/** Every contract with its company, for the forms that give a user a contract. */
export async function contractChoices(pools: Reads): Promise<ContractChoice[]> {
  return (await pools
    .db('contracts as c')
    .join('companies as co', 'co.id', 'c.company_id')
    .orderBy(['co.name', 'c.number'])
    .select('c.id', 'c.number', 'c.name', 'co.name as company_name')) as ContractChoice[];
}

/** Every company, for the list's filter. */
export async function companyChoices(pools: Reads): Promise<{ id: number; name: string }[]> {
  return (await pools.db('companies').orderBy('name').select('id', 'name')) as { id: number; name: string }[];
}

/**
 * The audit log's objects that make up a user: the user, every membership they had and every
 * address authorised for them, removed ones included (for auditTrail).
 */
export async function userAuditObjects(pools: Reads, userId: number): Promise<{ type: string; id: string }[]> {
  const rows = (await pools
    .db('audit_log')
    .where((q) =>
      q
        .where((m) => m.whereIn('object_type', ['membership', 'staff_contract']).where('object_id', 'like', `${userId}:%`))
        .orWhere((a) =>
          a.where('object_type', 'authorized_address').where((u) => u.whereRaw("after ->> 'user_id' = ?", [String(userId)]).orWhereRaw("before ->> 'user_id' = ?", [String(userId)])),
        )
        // the user's HotLine codes (issued, re-issued, imported): their rows' ids
        .orWhere((h) => h.where('object_type', 'hotline_code').whereIn('object_id', pools.db('hotline_codes').where({ user_id: userId }).select(pools.db.raw('id::text')))),
    )
    .distinct('object_type', 'object_id')) as { object_type: string; object_id: string }[];
  return [{ type: 'user', id: String(userId) }, ...rows.map((r) => ({ type: r.object_type, id: r.object_id }))];
}
