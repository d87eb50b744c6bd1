import { instant } from './common.js';
import { z } from '../zod.js';

/** A stored file, as a ticket and a message list them. */
export const attachmentSchema = z
  .object({
    id: z.number().int().openapi({ description: 'Ke stažení na /api/v1/tickets/{number}/attachments/{id}', example: 5012 }),
    name: z.string(),
    content_type: z.string().openapi({ description: 'Jak byl nahrán (samotné stažení je application/octet-stream)' }),
    size: z.number().int().openapi({ description: 'bajtů' }),
  })
  .openapi('Attachment');

/** A message of the conversation the customer sees. */
export const messageSchema = z
  .object({
    body: z.string(),
    channel: z.enum(['web', 'email', 'hotline', 'api', 'system']).openapi({ description: 'Kudy zpráva přišla' }),
    author: z.object({
      name: z.string().openapi({ example: 'Jana Nováková' }),
      role: z.enum(['customer', 'staff']).openapi({ description: 'customer: strana smlouvy; staff: podpora dodavatele' }),
    }),
    created_at: instant,
    attachments: z.array(attachmentSchema),
  })
  .openapi('Message');
