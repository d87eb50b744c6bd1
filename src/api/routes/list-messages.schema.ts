import { ticketNumberParams } from '../schemas/common.js';
import { messageSchema } from '../schemas/message.js';
import { z } from '../zod.js';

/** GET /api/v1/tickets/{number}/messages: the conversation the customer sees, oldest first. */
export const listMessagesParams = ticketNumberParams;
export const listMessagesResponse = z.object({ items: z.array(messageSchema) }).openapi('MessageList');
