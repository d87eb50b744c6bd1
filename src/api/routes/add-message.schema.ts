import { TEXT_MAX } from '../../services/create-ticket.js';
import { ticketNumberParams } from '../schemas/common.js';
import { messageSchema } from '../schemas/message.js';
import { z } from '../zod.js';
import { attachmentInput } from './create-ticket.schema.js';

/** POST /api/v1/tickets/{number}/messages: a message as the token's user. */
export const addMessageParams = ticketNumberParams;

export const addMessageBody = z
  .object({
    body: z.string().min(1).max(TEXT_MAX).openapi({ example: 'Zabbix: problém trvá, volné místo 3 %.' }),
    attachments: z.array(attachmentInput).nullish(),
  })
  .openapi('AddMessageRequest');

export const addMessageResponse = messageSchema;
