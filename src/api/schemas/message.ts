import { instant } from './common.js';
import { z } from '../zod.js';

/** A message of the conversation the customer sees. */
export const messageSchema = z
  .object({
    body: z.string(),
    channel: z.enum(['web', 'email', 'hotline', 'api', 'system']).openapi({ description: 'Where the message was written' }),
    author: z.object({
      name: z.string().openapi({ example: 'Jana Nováková' }),
      role: z.enum(['customer', 'staff']).openapi({ description: 'customer: the contract’s side; staff: the vendor’s support' }),
    }),
    created_at: instant,
    attachments: z.array(
      z.object({
        name: z.string(),
        content_type: z.string(),
        size: z.number().int().openapi({ description: 'bytes' }),
      }),
    ),
  })
  .openapi('Message');
