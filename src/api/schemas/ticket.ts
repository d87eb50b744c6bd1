import { STATES } from '../../domain/states.js';
import { instant, nullableInstant } from './common.js';
import { attachmentSchema } from './message.js';
import { z } from '../zod.js';

const clockSchema = z
  .object({
    due: nullableInstant.openapi({ description: 'When the clock runs out; null while it is paused, undecided or not applicable' }),
    breached: z.boolean().nullable().openapi({ description: 'true once the target was missed; null without SLA' }),
    state: z
      .enum(['running', 'paused', 'stopped', 'awaiting_complaint_decision', 'not_applicable'])
      .openapi({ description: 'running, paused, stopped (met or missed), awaiting_complaint_decision, not_applicable (no SLA for this paragraph)' }),
  })
  .openapi('SlaClock');

export const stateSchema = z
  .object({
    code: z.enum(STATES).openapi({ example: 'new' }),
    label: z.string().openapi({ description: 'The state’s Czech name as the portal shows it', example: 'Nový' }),
  })
  .openapi('TicketState');

export const paragraphSchema = z
  .object({
    code: z.string().openapi({ example: 'I1' }),
    name: z.string().openapi({ example: 'Incident' }),
  })
  .openapi('Paragraph');

/** The ticket as the API shows it (presenters.ts builds it): no internal id or column. */
export const ticketSchema = z
  .object({
    number: z.number().int().openapi({ example: 1042 }),
    subject: z.string().openapi({ example: 'Disk /var na db1 je plný z 95 %' }),
    description: z.string(),
    state: stateSchema,
    paragraph: paragraphSchema,
    channel: z.enum(['web', 'email', 'hotline', 'api']),
    external_id: z.string().nullable().openapi({ description: 'The caller’s own reference given at creation', example: 'ZBX-77812' }),
    assignee_name: z.string().nullable().openapi({ description: 'Who at the vendor solves it; null while unassigned' }),
    created_at: instant,
    updated_at: instant,
    resolved_at: nullableInstant,
    closed_at: nullableInstant,
    sla: z.object({ reaction: clockSchema, resolution: clockSchema }).openapi({ description: 'Both SLA clocks as the ticket page shows them' }),
    attachments: z.array(attachmentSchema).openapi({ description: 'The files that came with the ticket; each message lists its own' }),
  })
  .openapi('Ticket');

export type PublicTicket = z.infer<typeof ticketSchema>;

/** A ticket in the list: the same fields without the description, the SLA clocks and the attachments. */
export const ticketSummarySchema = ticketSchema.omit({ description: true, sla: true, attachments: true }).openapi('TicketSummary');
