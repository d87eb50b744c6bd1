import { STATES } from '../../domain/states.js';
import { cs } from '../../i18n/cs.js';
import type { ListPosition } from '../../services/reads/api-tickets.js';
import { instant, plainText } from '../schemas/common.js';
import { ticketSummarySchema } from '../schemas/ticket.js';
import { z } from '../zod.js';

export const LIST_LIMIT_MAX = 100;
export const LIST_LIMIT_DEFAULT = 50;

/** The cursor: base64url of the last item's keyset position; opaque to callers. */
export function encodeCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.number])).toString('base64url');
}

const CURSOR_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export function decodeCursor(cursor: string): ListPosition | null {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [createdAt, number] = value as [unknown, unknown];
    if (typeof createdAt !== 'string' || !CURSOR_INSTANT.test(createdAt) || Number.isNaN(Date.parse(createdAt))) return null;
    if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 1) return null;
    return { createdAt, number };
  } catch {
    return null;
  }
}

/** GET /api/v1/tickets: the filters and the page (query parameters arrive as text). */
export const listTicketsQuery = z.object({
  limit: z
    .string()
    .regex(/^\d{1,3}$/, cs.api.validation.integer(1, LIST_LIMIT_MAX))
    .transform(Number)
    .refine((n) => n >= 1 && n <= LIST_LIMIT_MAX, cs.api.validation.integer(1, LIST_LIMIT_MAX))
    .optional()
    .openapi({
      param: { name: 'limit', in: 'query' },
      description: `Položek na stránku, 1–${LIST_LIMIT_MAX} (výchozí ${LIST_LIMIT_DEFAULT})`,
      type: 'integer',
      minimum: 1,
      maximum: LIST_LIMIT_MAX,
      default: LIST_LIMIT_DEFAULT,
      example: 20,
    } as never),
  state: z.enum(STATES).optional().openapi({ param: { name: 'state', in: 'query' }, description: 'Jen požadavky v tomto stavu' }),
  external_id: plainText(200).optional().openapi({ param: { name: 'external_id', in: 'query' }, description: 'Jen požadavky s tímto external_id', example: 'ZBX-77812' }),
  updated_since: instant.optional().openapi({ param: { name: 'updated_since', in: 'query' }, description: 'Jen požadavky změněné (stav, řešitel, klasifikace) nebo s novou viditelnou zprávou v tomto okamžiku či později (ISO 8601 s posunem)' }),
  cursor: z
    .string()
    .max(200)
    .transform((c, ctx) => {
      const position = decodeCursor(c);
      if (!position) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: cs.api.validation.cursor });
        return z.NEVER;
      }
      return position;
    })
    .optional()
    .openapi({ param: { name: 'cursor', in: 'query' }, description: 'next_cursor předchozí stránky; u první stránky chybí', type: 'string' }),
});

export const listTicketsResponse = z
  .object({
    items: z.array(ticketSummarySchema),
    next_cursor: z.string().nullable().openapi({ description: 'Pošlete jako cursor pro další stránku; na poslední stránce null' }),
  })
  .openapi('TicketPage');
