import { cs } from '../../i18n/cs.js';
import { PROBLEM_BASE } from '../problem.js';
import { z } from '../zod.js';

/** RFC 9457 problem details, as every error under /api is answered. */
export const problemSchema = z
  .object({
    type: z.string().url().openapi({ description: `Stálé URI druhu problému, pod ${PROBLEM_BASE}`, example: `${PROBLEM_BASE}validation` }),
    title: z.string().openapi({ description: 'Krátký český název druhu problému', example: 'Neplatné údaje' }),
    status: z.number().int().openapi({ example: 422 }),
    detail: z.string().openapi({ description: 'Vysvětlení tohoto případu (česky)', example: 'Některé údaje požadavku nejsou platné; seznam je v poli errors.' }),
    errors: z
      .array(
        z.object({
          path: z.string().openapi({
            description: 'Kde: JSON Pointer do těla (/attachments/0/name), nebo název parametru dotazu či hlavičky',
            example: '/subject',
          }),
          message: z.string().openapi({ example: 'Povinný údaj.' }),
        }),
      )
      .optional()
      .openapi({ description: 'Chyby vstupu (jen u 422), jedna na každou neplatnou hodnotu' }),
  })
  .openapi('Problem');

/** A positive integer in the path, `name` in the document. */
export const pathInteger = (name: string, description: string, example: number) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,14}$/)
    .transform(Number)
    // the document shows what callers send (an integer); zod reads the path's text
    .openapi({ param: { name, in: 'path' }, description, type: 'integer', minimum: 1, example } as never);

/** A ticket number in a path: the number the portal shows. */
export const ticketNumberParams = z.object({ number: pathInteger('number', 'Číslo požadavku', 1042) });

/** An instant in the API: ISO 8601 in UTC. */
export const instant = z.string().datetime({ offset: true }).openapi({ example: '2026-11-27T09:30:00.000Z' });
export const nullableInstant = instant.nullable();

export const idempotencyHeaders = z.object({
  'Idempotency-Key': z
    .string()
    .min(1)
    .max(255)
    .optional()
    .openapi({
      description: 'Libovolný jedinečný text (UUID): opakování se stejným klíčem a tělem dostane po 24 hodin uloženou odpověď místo druhého požadavku',
      example: '8e03978e-40d5-43e8-bc93-6894a57f9324',
    }),
});

/** A name or reference stored as given (no service cleans it): control characters are refused, never sent to PostgreSQL (which refuses NUL). */
export const plainText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), { message: cs.api.validation.controlCharacters });
