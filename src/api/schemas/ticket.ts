import { STATES } from '../../domain/states.js';
import { instant, nullableInstant } from './common.js';
import { attachmentSchema } from './message.js';
import { z } from '../zod.js';

const clockSchema = z
  .object({
    due: nullableInstant.openapi({ description: 'Kdy hodiny vyprší; null, dokud jsou pozastavené, nerozhodnuté nebo bez SLA' }),
    breached: z.boolean().nullable().openapi({ description: 'true, jakmile byl cíl nesplněn; null bez SLA' }),
    state: z
      .enum(['running', 'paused', 'stopped', 'awaiting_complaint_decision', 'not_applicable'])
      .openapi({ description: 'running běží, paused pozastaveno, stopped zastaveno (splněno i nesplněno), awaiting_complaint_decision čeká na rozhodnutí o reklamaci, not_applicable paragraf nemá SLA' }),
  })
  .openapi('SlaClock');

export const stateSchema = z
  .object({
    code: z.enum(STATES).openapi({ example: 'new' }),
    label: z.string().openapi({ description: 'Český název stavu, jak ho ukazuje portál', example: 'Nový' }),
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
    external_id: z.string().nullable().openapi({ description: 'Vlastní označení volajícího zadané při založení', example: 'ZBX-77812' }),
    assignee_name: z.string().nullable().openapi({ description: 'Kdo ho u dodavatele řeší; null, dokud není přidělen' }),
    created_at: instant,
    updated_at: instant,
    resolved_at: nullableInstant,
    closed_at: nullableInstant,
    sla: z.object({ reaction: clockSchema, resolution: clockSchema }).openapi({ description: 'Obě hodiny SLA, jak je ukazuje stránka požadavku' }),
    attachments: z.array(attachmentSchema).openapi({ description: 'Soubory, které přišly s požadavkem; každá zpráva uvádí své' }),
  })
  .openapi('Ticket');

export type PublicTicket = z.infer<typeof ticketSchema>;

/** A ticket in the list: the same fields without the description, the SLA clocks and the attachments. */
export const ticketSummarySchema = ticketSchema.omit({ description: true, sla: true, attachments: true }).openapi('TicketSummary');
