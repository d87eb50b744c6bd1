/**
 * Invitation and password-reset links (issue 10), by OWASP's forgot-password rules: a token of
 * 32 random bytes that is stored only as its SHA-256, single use, valid for a limited time
 * (invitation 7 days, reset 1 hour), one live token per user and purpose; a reset request is
 * answered the same whether or not the account exists, in about the same time, and is rate
 * limited per account and per client address; setting the password ends every session of the user.
 */
import { createHash, randomBytes } from 'node:crypto';
import { DEFAULT_TIMEZONE } from '../domain/sla/index.js';
import { loginKey } from '../domain/login.js';
import { catalogue } from '../i18n/index.js';
import type { PasswordLinkSettings, ServiceContext, Tx } from './context.js';
import { queueMail, type QueuedMail } from './notifications.js';
import { consume } from './rate-counters.js';
import { checkNewPassword, hashPassword } from './users.js';

export type LinkPurpose = 'invitation' | 'reset';

/** The defaults of src/config.ts (INVITATION_VALID_DAYS, RESET_LINK_VALID_MINUTES, RESET_RATE_LIMIT …). */
export const DEFAULT_PASSWORD_LINKS: PasswordLinkSettings = {
  invitationSeconds: 7 * 86_400,
  resetSeconds: 3_600,
  resetPerAccount: 5,
  resetPerAddress: 20,
  resetWindowSeconds: 3_600,
  resetMinMillis: 250,
};

export const linkSettings = (ctx: ServiceContext): PasswordLinkSettings => ctx.passwordLinks ?? DEFAULT_PASSWORD_LINKS;

/** The stored form of a token: its SHA-256 in hex (the token itself has 256 random bits, no salt needed). */
export const tokenHash = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** The link the e-mail carries. */
export const passwordLinkUrl = (ctx: ServiceContext, token: string): string => `${ctx.mail.publicUrl.replace(/\/+$/, '')}/password/set/${token}`;

/** What a token looks like: 32 bytes in base64url (43 characters); anything else is not looked up. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * A new token for the user and purpose, valid for `seconds`: only its hash is stored, and the
 * user's earlier unused tokens of the same purpose stop working (marked used).
 */
export async function issueToken(trx: Tx, userId: number, purpose: LinkPurpose, seconds: number, createdBy: number | null): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  await trx('user_tokens').where({ user_id: userId, purpose }).whereNull('used_at').update({ used_at: trx.fn.now() });
  const [row] = (await trx('user_tokens')
    .insert({
      user_id: userId,
      purpose,
      token_hash: tokenHash(token),
      expires_at: trx.raw('now() + make_interval(secs => ?)', [seconds]),
      created_by: createdBy,
    })
    .returning('expires_at')) as { expires_at: Date }[];
  return { token, expiresAt: new Date(row!.expires_at) };
}

const untilFormat = new Intl.DateTimeFormat('cs-CZ', { timeZone: DEFAULT_TIMEZONE, day: 'numeric', month: 'numeric', year: 'numeric', hour: '2-digit', minute: '2-digit' });

/** 4.12.2026 10:15 in the vendor's zone, as the pages show times. */
export function formatUntil(d: Date): string {
  const p = Object.fromEntries(untilFormat.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.day}.${p.month}.${p.year} ${p.hour}:${p.minute}`;
}

const esc = (v: string) => v.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** The outbox purposes of the mails that carry a link token. */
export const LINK_MAIL_PURPOSES: ReadonlySet<string> = new Set(['invitation', 'password_reset']);

/**
 * The columns that make a sent (or abandoned) link mail keep its text without the token, for the
 * outbox sender's update: the token in clear lives only until the mail has left.
 */
export function redactedLinkBodies(db: ServiceContext['db']): Record<'text_body' | 'html_body', unknown> {
  const pattern = '/password/set/[A-Za-z0-9_-]+';
  return {
    text_body: db.raw("regexp_replace(text_body, ?, '/password/set/…', 'g')", [pattern]),
    html_body: db.raw("regexp_replace(html_body, ?, '/password/set/…', 'g')", [pattern]),
  };
}

/** The outbox row of a link mail: plain text and HTML with the link clickable. */
export async function queueLinkMail(ctx: ServiceContext, trx: Tx, to: string, purpose: 'invitation' | 'password_reset', subject: string, lines: string[], link: string, lang: string | null = null): Promise<QueuedMail> {
  // in the recipient's language (users.language, null: Czech)
  const footer = catalogue(lang).passwordLinks.footer;
  const text = [...lines, footer].join('\n\n');
  const html = `<!doctype html><html lang="${lang === 'en' ? 'en' : 'cs'}"><body style="font-family:sans-serif">${lines
    .map((l) => `<p>${esc(l).replace(esc(link), `<a href="${esc(link)}">${esc(link)}</a>`).replace(/\n/g, '<br>')}</p>`)
    .join('')}<p style="color:#666">${esc(footer)}</p></body></html>`;
  return queueMail(ctx, trx, { to, subject, text, html, purpose });
}

/** The neutral answer: the same whether the account exists, is inactive, or the request was over the limit. */
export interface ResetRequested {
  /** the outbox rows written (empty for an unknown or inactive account and over the limit); never shown to the requester */
  queued: QueuedMail[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Use case: someone asks for a password-reset link for an e-mail address or login.
 *
 * The answer never says whether the account exists: every request makes the same lookup, counts
 * against the limits per account (the user, or the normalised input when there is none) and per
 * client address, and runs one transaction either way, and takes at least `resetMinMillis` (the real
 * work, a few milliseconds, hides under it). Only an active account within both limits gets a
 * mail: a new reset token (valid 1 hour by default; its earlier reset link stops working). Users
 * sharing the e-mail address each get their own link.
 */
export async function requestPasswordReset(ctx: ServiceContext, emailOrLogin: string, clientKey: string): Promise<ResetRequested> {
  const started = performance.now();
  const settings = linkSettings(ctx);
  const key = loginKey(typeof emailOrLogin === 'string' ? emailOrLogin : '').slice(0, 320);
  // one query for a login or an address; an empty key matches nobody
  const users = (await ctx.db('users')
    .where({ active: true })
    .where((q) => q.where('login_key', key).orWhereRaw('lower(email) = ?', [key]))
    .whereRaw("? <> ''", [key])
    .orderBy('id')
    .limit(5)
    .select('id', 'login', 'email', 'language')) as { id: number; login: string; email: string; language: string | null }[];
  // an account counts by its id, however it was typed (login or address); an unknown one by what was typed
  const accountKeys = users.length > 0 ? users.map((u) => `reset:user:${u.id}`) : [`reset:account:${key}`];
  const counts = await Promise.all([...accountKeys, `reset:address:${clientKey}`].map((k) => consume(ctx.db, k, 1, settings.resetWindowSeconds)));
  const client = counts.pop()!;
  const within = (i: number) => counts[i]!.count <= settings.resetPerAccount && client.count <= settings.resetPerAddress;
  const queued = await ctx.db.transaction(async (trx) => {
    const out: QueuedMail[] = [];
    for (const [i, user] of users.entries()) {
      if (!within(i)) continue;
      const { token, expiresAt } = await issueToken(trx, user.id, 'reset', settings.resetSeconds, null);
      const link = passwordLinkUrl(ctx, token);
      const words = catalogue(user.language).passwordLinks;
      const lines = words.resetBody(user.login, link, words.validity(settings.resetSeconds), formatUntil(expiresAt));
      out.push(await queueLinkMail(ctx, trx, user.email, 'password_reset', words.resetSubject, [...lines], link, user.language));
    }
    return out;
  });
  const rest = settings.resetMinMillis - (performance.now() - started);
  if (rest > 0) await sleep(rest);
  return { queued };
}

/** A live link: whose it is and what for. */
export interface LiveLink {
  userId: number;
  login: string;
  purpose: LinkPurpose;
}

/** The user and purpose of an unused, unexpired token of an active user; null for anything else. */
export async function liveLink(ctx: Pick<ServiceContext, 'db'>, token: string): Promise<LiveLink | null> {
  if (typeof token !== 'string' || !TOKEN_PATTERN.test(token)) return null;
  const row = (await ctx.db('user_tokens as t')
    .join('users as u', 'u.id', 't.user_id')
    .where({ 't.token_hash': tokenHash(token), 'u.active': true })
    .whereNull('t.used_at')
    .where('t.expires_at', '>', ctx.db.fn.now())
    .first('u.id as userId', 'u.login', 't.purpose')) as LiveLink | undefined;
  return row ?? null;
}

export type LinkResult = { outcome: 'done'; userId: number; login: string } | { outcome: 'invalid' };

/**
 * Use case: the holder of a link sets the password. The token names its user, so nothing posted
 * can choose another account. The password must meet the rules of every new password
 * (ValidationError at `next` / `confirm`); the token is then taken under a row lock, so two
 * concurrent uses cannot both succeed. Success: the new password (argon2id), every unused link of
 * the user used up, the session epoch raised (every session of the user ends, see the security
 * migration) and an audit entry on the user (actor: the user, who proved the mailbox; the audit
 * shows only which kind of link was used, never a hash or token).
 */
export async function completePasswordLink(ctx: ServiceContext, token: string, newPassword: unknown, confirm: unknown): Promise<LinkResult> {
  const link = await liveLink(ctx, token);
  if (!link) return { outcome: 'invalid' };
  checkNewPassword(typeof newPassword === 'string' ? newPassword : '', typeof confirm === 'string' ? confirm : '', link.login);
  const hash = await hashPassword(newPassword as string);
  return ctx.db.transaction(async (trx): Promise<LinkResult> => {
    const row = (await trx('user_tokens')
      .where({ token_hash: tokenHash(token) })
      .whereNull('used_at')
      .where('expires_at', '>', trx.fn.now())
      .forUpdate()
      .first('id', 'user_id', 'purpose')) as { id: number; user_id: number; purpose: LinkPurpose } | undefined;
    if (!row || row.user_id !== link.userId) return { outcome: 'invalid' };
    const updated = await trx('users')
      .where({ id: row.user_id, active: true })
      .update({ password_hash: hash, session_epoch: trx.raw('session_epoch + 1') });
    if (updated !== 1) return { outcome: 'invalid' };
    await trx('user_tokens').where({ user_id: row.user_id }).whereNull('used_at').update({ used_at: trx.fn.now() });
    await trx('audit_log').insert({
      actor_id: row.user_id,
      source: 'web',
      object_type: 'user',
      object_id: String(row.user_id),
      action: 'update',
      before: JSON.stringify({}),
      after: JSON.stringify({ password: row.purpose === 'invitation' ? 'set_by_invitation' : 'set_by_reset' }),
    });
    return { outcome: 'done', userId: row.user_id, login: link.login };
  });
}

/** Deletes link tokens that expired or were used (or replaced): none of them opens anything. For the clean-up job. */
export async function pruneUserTokens(db: ServiceContext['db']): Promise<number> {
  return db('user_tokens').where('expires_at', '<=', db.fn.now()).orWhereNotNull('used_at').delete();
}
