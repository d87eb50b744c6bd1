import { z } from 'zod';
import { cs } from '../i18n/cs.js';
import { type Actor, actorId } from './actor.js';
import { checkFileLimits, type IncomingFile, storeAttachments, withinUploadQuota } from './attachments.js';
import type { ServiceContext } from './context.js';
import { ValidationError } from './errors.js';
import { recordEvent } from './history.js';
import { notifyCreated } from './notifications.js';
import { refreshStoredSla } from './sla.js';
import { futureDate, id, optionalEmail, parseInput, phone, requiredText } from './validate.js';
import { usableContracts } from './visibility.js';

export type Channel = 'web' | 'email' | 'hotline' | 'api';

/** Longest subject (EMAIL.md §4.4 cuts mail subjects to this) and longest text we store. */
export const SUBJECT_MAX = 255;
export const TEXT_MAX = 50_000;

export const createTicketSchema = z.object({
  contract_id: id,
  paragraph_id: id,
  contact_phone: phone,
  contact_email: optionalEmail,
  subject: requiredText(SUBJECT_MAX),
  description: requiredText(TEXT_MAX),
  requested_resolution_date: futureDate,
});

// e-mail and hotline tickets take the phone from the user's profile when there is one
const createWithoutPhoneSchema = createTicketSchema.extend({ contact_phone: phone.optional() });

/** The web form requires the phone; other channels may leave it out. */
export type CreateTicketInput = z.input<typeof createWithoutPhoneSchema>;

/** Use case: a ticket is reported (web form, e-mail, hotline, API). One transaction. */
export async function createTicket(
  ctx: ServiceContext,
  actor: Actor,
  input: CreateTicketInput,
  files: readonly IncomingFile[] = [],
  channel: Channel = 'web',
): Promise<number> {
  const data = parseInput(channel === 'web' ? createTicketSchema : createWithoutPhoneSchema, input);
  checkFileLimits(files, ctx.limits);
  return withinUploadQuota(ctx, actor, channel, files, () => ctx.db.transaction(async (trx) => {
    const contract = await usableContracts(trx, actor).where('c.id', data.contract_id).first('c.id');
    if (!contract) throw new ValidationError({ contract_id: cs.errors.choice });
    const paragraph = await trx('contract_paragraphs')
      .where({ id: data.paragraph_id, contract_id: data.contract_id, active: true })
      .first('id');
    if (!paragraph) throw new ValidationError({ paragraph_id: cs.errors.choice });

    const [row] = await trx('tickets')
      .insert({
        contract_id: data.contract_id,
        paragraph_id: data.paragraph_id,
        reporter_id: actorId(actor),
        contact_phone: data.contact_phone ?? null,
        contact_email: data.contact_email ?? actor.email,
        subject: data.subject,
        description: data.description,
        requested_resolution_date: data.requested_resolution_date ?? null,
        state: 'new',
        channel,
      })
      .returning('number');
    const number = Number(row.number);
    await recordEvent(trx, { ticket: number, actor, kind: 'created', to: 'new', data: { channel } });
    await storeAttachments(trx, number, null, files, actor);
    await refreshStoredSla(trx, number);
    await notifyCreated(ctx, trx, number);
    return number;
  }));
}
