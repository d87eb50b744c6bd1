import { ticketNumberParams } from '../schemas/common.js';
import { z } from '../zod.js';

/** GET /api/v1/tickets/{number}/attachments/{id}: one attachment's bytes. */
export const getAttachmentParams = ticketNumberParams.extend({
  id: z
    .string()
    .regex(/^[1-9][0-9]{0,14}$/)
    .transform(Number)
    .openapi({ param: { name: 'id', in: 'path' }, description: 'The attachment’s id (a message’s attachments[].id)', type: 'integer', minimum: 1, example: 5012 } as never),
});
export const attachmentContent = z.string().openapi({ format: 'binary', description: 'The file as it was uploaded' });
