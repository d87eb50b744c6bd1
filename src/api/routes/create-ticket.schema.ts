import { cs } from '../../i18n/cs.js';
import { SUBJECT_MAX, TEXT_MAX } from '../../services/create-ticket.js';
import { plainText } from '../schemas/common.js';
import { ticketSchema } from '../schemas/ticket.js';
import { z } from '../zod.js';

export const EXTERNAL_ID_MAX = 200;

/** Base64 as RFC 4648 §4 writes it; line breaks (MIME wraps at 76) are ignored. */
const base64 = z.preprocess(
  (v) => (typeof v === 'string' ? v.replace(/[\r\n\t ]/g, '') : v),
  z.string().refine((s) => s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s), { message: cs.api.validation.base64 }),
);

export const attachmentInput = z
  .object({
    name: plainText(255).openapi({ example: 'df-h.txt' }),
    content_type: z.string().min(1).max(255).regex(/^[\w.+-]+\/[\w.+-]+$/).openapi({ example: 'text/plain' }),
    content_base64: base64.openapi({ type: 'string', contentEncoding: 'base64', example: 'L2Rldi9zZGExICA5NSUK' } as never),
  })
  .openapi('AttachmentInput', { description: 'Soubor v base64; v mezích instalace (výchozí: 10 souborů, každý nejvýše 20 MiB)' });

/** POST /api/v1/tickets: what the caller reports; the contract is the token's. */
export const createTicketBody = z
  .object({
    subject: z.string().min(1).max(SUBJECT_MAX).openapi({ example: 'Disk /var na db1 je plný z 95 %' }),
    description: z.string().min(1).max(TEXT_MAX).openapi({ example: 'Zabbix: trigger "Free disk space is less than 5% on volume /var" na db1.' }),
    paragraph: plainText(50).nullish().openapi({ description: 'Kód paragrafu ve smlouvě tokenu; výchozí: paragraf tokenu', example: 'I1' }),
    contact_phone: z.string().max(50).nullish().openapi({ description: 'Výchozí: telefon uživatele tokenu', example: '+420 777 123 456' }),
    contact_email: z.string().max(254).email().nullish().openapi({ description: 'Výchozí: e-mail uživatele tokenu', example: 'noc@example.cz' }),
    external_id: plainText(EXTERNAL_ID_MAX).nullish().openapi({ description: 'Vlastní označení volajícího (nejvýše 200 znaků), filtrovatelné v seznamu', example: 'ZBX-77812' }),
    attachments: z.array(attachmentInput).nullish(),
  })
  .openapi('CreateTicketRequest');

export const createTicketExample = {
  subject: 'Disk /var na db1 je plný z 95 %',
  description: 'Zabbix: trigger "Free disk space is less than 5% on volume /var" na db1.',
  paragraph: 'I1',
  external_id: 'ZBX-77812',
};

export const createTicketResponse = ticketSchema;
