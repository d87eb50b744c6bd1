/**
 * Invitations (issue 10): a new user gets an e-mail with a link to set their password; an admin
 * can send it again. The token rules are those of every password link (services/password-links.ts).
 */
import { cs } from '../../i18n/cs.js';
import { catalogue } from '../../i18n/index.js';
import type { Actor } from '../actor.js';
import type { ServiceContext, Tx } from '../context.js';
import { ConflictError, NotFoundError } from '../errors.js';
import type { QueuedMail } from '../notifications.js';
import { formatUntil, issueToken, linkSettings, passwordLinkUrl, queueLinkMail } from '../password-links.js';
import type { AuditWho } from './records.js';

/**
 * Invites the user, in the caller's transaction: a new invitation token (valid 7 days by default;
 * the user's earlier unused invitation stops working) and the invitation e-mail in the outbox,
 * saying who invites, the link and how long it is valid. An inactive or unknown user is refused.
 */
export async function inviteUserInTx(trx: Tx, ctx: ServiceContext, who: AuditWho, userId: number): Promise<void> {
  await queueInvitation(trx, ctx, who, userId);
}

/** inviteUserInTx, saying what it queued (for tests and callers that show it). */
export async function queueInvitation(trx: Tx, ctx: ServiceContext, who: AuditWho, userId: number): Promise<QueuedMail> {
  const user = (await trx('users').where({ id: userId }).forUpdate().first('id', 'login', 'name', 'email', 'active', 'language')) as
    | { id: number; login: string; name: string; email: string; active: boolean; language: string | null }
    | undefined;
  if (!user) throw new NotFoundError('user');
  if (!user.active) throw new ConflictError(cs.passwordLinks.inactive);
  const inviter = who.actorId === null ? undefined : ((await trx('users').where({ id: who.actorId }).first('name')) as { name: string } | undefined);
  const seconds = linkSettings(ctx).invitationSeconds;
  const { token, expiresAt } = await issueToken(trx, user.id, 'invitation', seconds, who.actorId);
  const link = passwordLinkUrl(ctx, token);
  // in the invited user's language (users.language, null: Czech)
  const words = catalogue(user.language).passwordLinks;
  const lines = words.invitationBody(inviter?.name || words.someone, user.name, user.login, link, words.validity(seconds), formatUntil(expiresAt));
  return queueLinkMail(ctx, trx, user.email, 'invitation', words.invitationSubject, [...lines], link, user.language);
}

/** Use case: an admin sends the invitation again (the earlier link stops working). */
export async function resendInvitation(ctx: ServiceContext, actor: Actor, userId: number): Promise<void> {
  await ctx.db.transaction((trx) => inviteUserInTx(trx, ctx, { actorId: actor.id, source: 'web' }, userId));
}
