import type { Reads } from './reads/pools.js';
import argon2 from 'argon2';
import { z } from 'zod';
import { passwordWeakness } from '../domain/password.js';
import { cs } from '../i18n/cs.js';
import type { Actor } from './actor.js';
import type { ServiceContext } from './context.js';
import { ValidationError } from './errors.js';
import type { Knex } from 'knex';
import { type NotificationKind, notificationKindsOf } from './notifications.js';

const HASH_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string): Promise<string> => argon2.hash(password, HASH_OPTIONS);

// Verifying against a fixed hash for unknown logins keeps their timing like a wrong password's.
let dummyHash: Promise<string> | null = null;

/** A signed-in user as a session keeps them: with the access epoch the session is valid for (see the security migration). */
export interface SessionUser extends Actor {
  epoch: number;
}

/** The active user with this login key (domain/login.ts) and password, or null; never says which part was wrong. */
export async function authenticate(db: Knex, key: string, password: string): Promise<SessionUser | null> {
  const user = await db('users')
    .where({ login_key: key, active: true })
    .first('id', 'login', 'name', 'email', 'role', 'language', 'session_epoch as epoch', 'password_hash');
  if (!user) {
    dummyHash ??= hashPassword('no-such-user-password');
    await argon2.verify(await dummyHash, password).catch(() => false);
    return null;
  }
  const ok = await argon2.verify(user.password_hash, password).catch(() => false);
  if (!ok) return null;
  const { password_hash: _omit, ...actor } = user;
  return actor as SessionUser;
}

/**
 * The rules every new password meets, whoever sets it (the password change, an invitation or
 * reset link): strong enough (domain/password.ts) and typed twice the same; refused with the
 * Czech message at its field (`next`, `confirm`).
 */
export function checkNewPassword(next: string, confirm: string, login: string): void {
  const weakness = passwordWeakness(next, login);
  if (weakness) throw new ValidationError({ next: cs.password[weakness] });
  if (next !== confirm) throw new ValidationError({ confirm: cs.password.mismatch });
}

const changeSchema = z.object({ current: z.string(), next: z.string(), confirm: z.string() });

/**
 * Use case: a user changes their password. The current password is required and every
 * other session of the user ends.
 */
export async function changePassword(ctx: ServiceContext, actor: Actor, input: unknown, keepSessionId: string): Promise<void> {
  const parsed = changeSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError({ current: cs.errors.required });
  const { current, next, confirm } = parsed.data;
  const row = await ctx.db('users').where({ id: actor.id }).first('password_hash');
  if (!row || !(await argon2.verify(row.password_hash, current).catch(() => false))) {
    throw new ValidationError({ current: cs.password.wrongCurrent });
  }
  checkNewPassword(next, confirm, actor.login);
  const hash = await hashPassword(next);
  await ctx.db.transaction(async (trx) => {
    await trx('users').where({ id: actor.id }).update({ password_hash: hash });
    await endSessions(trx, actor.id, keepSessionId);
  });
}

/**
 * Signs the user out everywhere (but `keepSessionId`): sessions carry the user, so revoking access
 * means deleting them. A change of access (active, role, memberships) does this by itself in the
 * database (see the security migration); this is for a password change.
 */
export async function endSessions(db: Knex, userId: number, keepSessionId?: string): Promise<number> {
  const q = db('sessions').where('user_id', userId);
  if (keepSessionId) q.whereNot('sid', keepSessionId);
  return q.delete();
}

/** A user's choice for each kind they choose from (staff have the staff kinds too). */
export type NotificationPrefs = Partial<Record<NotificationKind, boolean>>;

/** A user's stored choices (users.notify_prefs) for every kind of their role: on unless switched off. */
export function storedNotificationPrefs(stored: unknown, role: string): NotificationPrefs {
  const prefs = (stored ?? {}) as Record<string, boolean>;
  return Object.fromEntries(notificationKindsOf(role).map((k) => [k, prefs[k] !== false])) as NotificationPrefs;
}

/**
 * The choices of the settings form (a checked box = on, any other kind of the role off): the
 * user's own page and the admin's. Kinds of another role are left out (absent = on).
 */
export function notificationPrefsInput(input: Record<string, unknown>, role: string): NotificationPrefs {
  return Object.fromEntries(notificationKindsOf(role).map((k) => [k, input[k] === 'on' || input[k] === '1' || input[k] === true])) as NotificationPrefs;
}

/** The user's notification choices; every kind is on unless switched off. */
export async function notificationPrefs({ db }: Pick<Reads, 'db'>, user: Pick<Actor, 'id' | 'role'>): Promise<NotificationPrefs> {
  const row = await db('users').where({ id: user.id }).first('notify_prefs');
  return storedNotificationPrefs(row?.notify_prefs, user.role);
}

/** Use case: a user chooses which notifications they get (a checked box = on). */
export async function updateNotificationPrefs(ctx: ServiceContext, actor: Actor, input: Record<string, unknown>): Promise<void> {
  await ctx.db('users').where({ id: actor.id }).update({ notify_prefs: JSON.stringify(notificationPrefsInput(input, actor.role)) });
}

/**
 * The language the user chose for pages and mail (users.language): 'cs' or 'en', or '' for no
 * choice (null: pages follow the browser, mail is Czech). Anything else is refused at `language`.
 */
export async function setLanguage(ctx: ServiceContext, actor: Actor, input: Record<string, unknown>): Promise<string | null> {
  const value = input.language;
  if (value !== '' && value !== 'cs' && value !== 'en') throw new ValidationError({ language: cs.errors.choice });
  const language = value === '' ? null : value;
  await ctx.db('users').where({ id: actor.id }).update({ language });
  return language;
}
