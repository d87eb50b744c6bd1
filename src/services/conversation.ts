import { z } from 'zod';
import { customerMayComment, staffMayComment } from '../domain/states.js';
import { cs } from '../i18n/cs.js';
import { type Actor, actorId, isStaff } from './actor.js';
import { checkFileLimits, type IncomingFile, storeAttachments, withinUploadQuota } from './attachments.js';
import type { ServiceContext, Tx } from './context.js';
import { ConflictError, ValidationError } from './errors.js';
import { recordEvent } from './history.js';
import { notifyStaffMessage, type QueuedMail } from './notifications.js';
import { notifyAssigneeOfCustomerMessage } from './staff-notifications.js';
import { lockVisibleTicket } from './ticket-lock.js';
import { TEXT_MAX } from './create-ticket.js';
import { applyTransition } from './transitions.js';
import { optionalText } from './validate.js';

const messageSchema = z.object({
  body: optionalText(TEXT_MAX),
  internal: z.preprocess((v) => v === true || v === 'on' || v === '1' || v === 'true', z.boolean()),
});

export type MessageSource = 'web' | 'email' | 'hotline' | 'api';

export interface MessageInput {
  body?: unknown;
  internal?: unknown;
}

/** What adding a message wrote: its id, whether a paused ticket resumed, and the notifications queued. */
export interface AddedMessage {
  messageId: number;
  resumed: boolean;
  notifications: QueuedMail[];
}

/** Where a message came from: its files, its channel and, for e-mail, the mail's Message-ID (threads later mail onto the ticket). */
export interface MessageOrigin {
  files?: readonly IncomingFile[];
  source?: MessageSource;
  emailMessageId?: string | null;
}

function validate(ctx: ServiceContext, actor: Actor, input: MessageInput, files: readonly IncomingFile[]) {
  const data = messageSchema.safeParse(input);
  if (!data.success) throw new ValidationError({ body: data.error.issues[0]?.message ?? cs.errors.required });
  const { body, internal } = data.data;
  if (!body && files.length === 0) throw new ValidationError({ body: cs.errors.required });
  if (internal && !isStaff(actor)) throw new ValidationError({ internal: cs.errors.forbidden });
  checkFileLimits(files, ctx.limits);
  return { body, internal };
}

/**
 * Use case: someone writes into the ticket's conversation (Komunikace). A customer's
 * message to a paused ticket supplies the cooperation, so the ticket resumes.
 */
export async function addMessage(
  ctx: ServiceContext,
  actor: Actor,
  number: number,
  input: MessageInput,
  files: readonly IncomingFile[] = [],
  source: MessageSource = 'web',
): Promise<AddedMessage> {
  const data = validate(ctx, actor, input, files);
  return withinUploadQuota(ctx, actor, source, files, () =>
    ctx.db.transaction((trx) => writeMessage(trx, ctx, actor, number, data, files, { source })),
  );
}

/**
 * The same use case in the caller's transaction (e-mail ingestion): it commits or rolls back
 * with it. The hourly upload quota is the caller's business (the web's addMessage counts it).
 */
export async function addMessageInTx(trx: Tx, ctx: ServiceContext, actor: Actor, number: number, input: MessageInput, origin: MessageOrigin = {}): Promise<AddedMessage> {
  const files = origin.files ?? [];
  return writeMessage(trx, ctx, actor, number, validate(ctx, actor, input, files), files, origin);
}

async function writeMessage(
  trx: Tx,
  ctx: ServiceContext,
  actor: Actor,
  number: number,
  { body, internal }: { body: string | undefined; internal: boolean },
  files: readonly IncomingFile[],
  { source = 'web', emailMessageId = null }: MessageOrigin,
): Promise<AddedMessage> {
  const ticket = await lockVisibleTicket(trx, actor, number);
  const allowed = isStaff(actor) ? staffMayComment(ticket.state) : customerMayComment(ticket.state);
  if (!allowed) throw new ConflictError(cs.errors.commentClosed);

  const [row] = await trx('ticket_messages')
    .insert({ ticket_number: number, author_id: actorId(actor), body: body ?? '', source, internal, ...(emailMessageId ? { email_message_id: emailMessageId } : {}) })
    .returning('id');
  const messageId = Number(row.id);
  await recordEvent(trx, { ticket: number, actor, kind: 'message', data: { message_id: messageId }, internal });
  await storeAttachments(trx, number, messageId, files, actor, internal);
  const notifications: QueuedMail[] = [];
  if (isStaff(actor) && !internal) notifications.push(...(await notifyStaffMessage(ctx, trx, number, actor.name, body ?? '')));
  // a customer's message (web or e-mail): the assignee is told
  if (!isStaff(actor)) notifications.push(...(await notifyAssigneeOfCustomerMessage(ctx, trx, number, actor.id, actor.name, body ?? '')));

  const resumed = !isStaff(actor) && ticket.state === 'paused';
  if (resumed) notifications.push(...(await applyTransition(ctx, trx, actor, ticket, 'resume', { data: { by_reply: true } })).notifications);
  return { messageId, resumed, notifications };
}
