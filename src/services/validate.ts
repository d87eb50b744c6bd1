import { DateTime } from 'luxon';
import { z } from 'zod';
import { boundedInt, INT4_ID } from '../domain/numbers.js';
import { DEFAULT_TIMEZONE } from '../domain/sla/index.js';
import { normalisePhone } from '../domain/phone.js';
import { stripControls } from '../domain/text.js';
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

/** Strings lose NUL and the other C0 controls but tab and line breaks (PostgreSQL refuses NUL in text). */
const clean = (v: unknown) => (typeof v === 'string' ? stripControls(v) : v);
const emptyToUndefined = (v: unknown) => {
  const c = clean(v);
  return typeof c === 'string' && c.trim() === '' ? undefined : c;
};

export const requiredText = (max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? stripControls(v).replace(/\r\n/g, '\n').trim() : v),
    z
      .string({ required_error: cs.errors.required, invalid_type_error: cs.errors.required })
      .min(1, cs.errors.required)
      .max(max, cs.errors.tooLong(max)),
  );

export const optionalText = (max: number) =>
  z.preprocess(emptyToUndefined, z.string().trim().max(max, cs.errors.tooLong(max)).optional());

/**
 * A whole number within [min, max], written in plain decimal digits (a form's string) or given as
 * a safe integer; `Infinity`, `1e3`, `0x10`, ` 5 `, `5.5` and `-1` are refused (domain/numbers.ts).
 */
export const wholeNumber = (min: number, max: number, message: string) =>
  z.unknown().transform((v, ctx) => {
    const n = boundedInt(v, { min, max });
    if (n === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message });
      return z.NEVER;
    }
    return n;
  });

/** A row id of an int4 column (users, contracts, paragraphs). */
export const id = wholeNumber(INT4_ID.min, INT4_ID.max, cs.errors.choice);

export const optionalId = z.preprocess(emptyToUndefined, id.optional());

export const phone = z.preprocess(
  clean,
  z
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
    }),
);

export const optionalEmail = z.preprocess(
  emptyToUndefined,
  z.string().trim().toLowerCase().email(cs.errors.email).max(254, cs.errors.email).optional(),
);

/** An ISO date (YYYY-MM-DD) that is today or later in the vendor's zone (Prague). */
export const futureDate = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, cs.errors.date)
    .refine((v) => DateTime.fromISO(v).isValid, cs.errors.date)
    .refine((v) => v >= (DateTime.now().setZone(DEFAULT_TIMEZONE).toISODate() ?? ''), cs.errors.datePast)
    .optional(),
);
