import { DateTime } from 'luxon';
import { z } from 'zod';
import { normalisePhone } from '../domain/phone.js';
import { cs } from '../i18n/cs.js';
import { ValidationError } from './errors.js';

/** Parses with zod; every failing field gets its first Czech message. */
export function parseInput<T extends z.ZodTypeAny>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const key = String(issue.path[0] ?? 'form');
    fields[key] ??= issue.message;
  }
  throw new ValidationError(fields);
}

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

export const requiredText = (max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.replace(/\r\n/g, '\n').trim() : v),
    z
      .string({ required_error: cs.errors.required, invalid_type_error: cs.errors.required })
      .min(1, cs.errors.required)
      .max(max, cs.errors.tooLong(max)),
  );

export const optionalText = (max: number) =>
  z.preprocess(emptyToUndefined, z.string().trim().max(max, cs.errors.tooLong(max)).optional());

export const id = z.coerce
  .number({ invalid_type_error: cs.errors.choice, required_error: cs.errors.choice })
  .int(cs.errors.choice)
  .positive(cs.errors.choice);

export const optionalId = z.preprocess(emptyToUndefined, id.optional());

export const phone = z
  .string({ required_error: cs.errors.required })
  .trim()
  .min(1, cs.errors.required)
  .transform((v, ctx) => {
    const normalised = normalisePhone(v);
    if (!normalised) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: cs.errors.phone });
      return z.NEVER;
    }
    return normalised;
  });

export const optionalEmail = z.preprocess(
  emptyToUndefined,
  z.string().trim().toLowerCase().email(cs.errors.email).max(254, cs.errors.email).optional(),
);

/** An ISO date (YYYY-MM-DD) that is today or later in Prague. */
export const futureDate = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, cs.errors.date)
    .refine((v) => DateTime.fromISO(v).isValid, cs.errors.date)
    .refine((v) => v >= (DateTime.now().setZone('Europe/Prague').toISODate() ?? ''), cs.errors.datePast)
    .optional(),
);
