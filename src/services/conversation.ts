import { z } from 'zod';
import { customerMayComment, staffMayComment } from '../domain/states.js';
import { cs } from '../i18n/cs.js';
import { type Actor, actorId, isStaff } from './actor.js';
import { checkFileLimits, type IncomingFile, storeAttachments, withinUploadQuota } from './attachments.js';
import type { ServiceContext } from './context.js';
import { ConflictError, ValidationError } from './errors.js';
import { recordEvent } from './history.js';
import { notifyStaffMessage } from './notifications.js';
import { lockVisibleTicket } from './ticket-lock.js';
import { TEXT_MAX } from './create-ticket.js';
import { applyTransition } from './transitions.js';
import { optionalText } from './validate.js';

const messageSchema = z.object({
  body: optionalText(TEXT_MAX),
  internal: z.preprocess((v) => v === true || v === 'on' || v === '1' || v === 'true', z.boolean()),
});

export type MessageSource = 'web' | 'email' | 'hotline';

/**
 * Use case: someone writes into the ticket's conversation (Komunikace). A customer's
 * message to a paused ticket supplies the cooperation, so the ticket resumes.
 */
export async function addMessage(
  ctx: ServiceContext,
  actor: Actor,
  number: number,
  input: { body?: unknown; internal?: unknown },
  files: readonly IncomingFile[] = [],
  source: MessageSource = 'web',
): Promise<{ messageId: number; resumed: boolean }> {
  const data = messageSchema.safeParse(input);
  if (!data.success) throw new ValidationError({ body: data.error.issues[0]?.message ?? cs.errors.required });
  const { body, internal } = data.data;
  if (!body && files.length === 0) throw new ValidationError({ body: cs.errors.required });
  if (internal && !isStaff(actor)) throw new ValidationError({ internal: cs.errors.forbidden });
  checkFileLimits(files, ctx.limits);

  return withinUploadQuota(ctx, actor, source, files, () => ctx.db.transaction(async (trx) => {
    const ticket = await lockVisibleTicket(trx, actor, number);
    const allowed = isStaff(actor) ? staffMayComment(ticket.state) : customerMayComment(ticket.state);
    if (!allowed) throw new ConflictError(cs.errors.commentClosed);

    const [row] = await trx('ticket_messages')
      .insert({ ticket_number: number, author_id: actorId(actor), body: body ?? '', source, internal })
      .returning('id');
    const messageId = Number(row.id);
    await recordEvent(trx, { ticket: number, actor, kind: 'message', data: { message_id: messageId }, internal });
    await storeAttachments(trx, number, messageId, files, actor, internal);
    if (isStaff(actor) && !internal) await notifyStaffMessage(ctx, trx, number, actor.name, body ?? '');

    const resumed = !isStaff(actor) && ticket.state === 'paused';
    if (resumed) await applyTransition(ctx, trx, actor, ticket, 'resume', { data: { by_reply: true } });
    return { messageId, resumed };
  }));
}
