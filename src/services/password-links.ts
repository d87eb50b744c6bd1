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
import { passwordWeakness } from '../domain/password.js';
import { cs } from '../i18n/cs.js';
import type { PasswordLinkSettings, ServiceContext, Tx } from './context.js';
import { ValidationError } from './errors.js';
import { queueMail, type QueuedMail } from './notifications.js';
import { consume } from './rate-counters.js';
import { hashPassword } from './users.js';

export type LinkPurpose = 'invitation' | 'reset';

/** The defaults of src/config.ts (INVITATION_VALID_DAYS, RESET_LINK_VALID_MINUTES, RESET_RATE_LIMIT …). */
export const DEFAULT_PASSWORD_LINKS: PasswordLinkSettings = {
  invitationSeconds: 7 * 86_400,
  resetSeconds: 3_600,
  resetPerAccount: 5,
  resetPerAddress: 20,
  resetWindowSeconds: 3_600,
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

/** The outbox row of a link mail: plain text and HTML with the link clickable. */
export async function queueLinkMail(ctx: ServiceContext, trx: Tx, to: string, purpose: 'invitation' | 'password_reset', subject: string, lines: string[], link: string): Promise<QueuedMail> {
  const text = [...lines, cs.passwordLinks.footer].join('\n\n');
  const html = `<!doctype html><html lang="cs"><body style="font-family:sans-serif">${lines
    .map((l) => `<p>${esc(l).replace(esc(link), `<a href="${esc(link)}">${esc(link)}</a>`).replace(/\n/g, '<br>')}</p>`)
    .join('')}<p style="color:#666">${esc(cs.passwordLinks.footer)}</p></body></html>`;
  return queueMail(ctx, trx, { to, subject, text, html, purpose });
}
