import { pathInteger, ticketNumberParams } from '../schemas/common.js';
import { z } from '../zod.js';

/** GET /api/v1/tickets/{number}/attachments/{id}: one attachment's bytes. */
export const getAttachmentParams = ticketNumberParams.extend({ id: pathInteger('id', 'Id přílohy (attachments[].id požadavku nebo zprávy)', 5012) });
export const attachmentContent = z.string().openapi({ format: 'binary', description: 'Soubor, jak byl nahrán' });
