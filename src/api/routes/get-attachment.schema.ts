import { pathInteger, ticketNumberParams } from '../schemas/common.js';
import { z } from '../zod.js';

/** GET /api/v1/tickets/{number}/attachments/{id}: one attachment's bytes. */
export const getAttachmentParams = ticketNumberParams.extend({ id: pathInteger('id', 'The attachment’s id (attachments[].id of the ticket or a message)', 5012) });
export const attachmentContent = z.string().openapi({ format: 'binary', description: 'The file as it was uploaded' });
