import type { z } from 'zod';
import { cs } from '../i18n/cs.js';
import { type FieldProblem, problems } from './problem.js';

const v = cs.api.validation;

const TYPE_NAMES: Record<string, string> = {
  string: 'řetězec',
  number: 'číslo',
  integer: 'celé číslo',
  boolean: 'pravda/nepravda',
  object: 'objekt',
  array: 'pole',
};

/** zod's issues in Czech (a message given in the schema itself wins over this map). */
export const czechIssues: z.ZodErrorMap = (issue, ctx) => {
  switch (issue.code) {
    case 'invalid_type':
      return { message: issue.received === 'undefined' ? v.required : v.type(TYPE_NAMES[issue.expected] ?? issue.expected) };
    case 'too_big':
      return { message: issue.type === 'string' ? v.tooLong(Number(issue.maximum)) : v.tooMany(Number(issue.maximum)) };
    case 'too_small':
      return { message: issue.type === 'string' && Number(issue.minimum) === 1 ? v.required : v.tooFew(Number(issue.minimum)) };
    case 'invalid_enum_value':
      return { message: v.oneOf(issue.options.join(', ')) };
    case 'unrecognized_keys':
      return { message: v.unknownField(issue.keys.join(', ')) };
    case 'invalid_string':
      if (issue.validation === 'datetime') return { message: v.dateTime };
      if (issue.validation === 'email') return { message: v.email };
      if (issue.validation === 'base64') return { message: v.base64 };
      return { message: v.invalid };
    default:
      return { message: ctx.defaultError === 'Required' ? v.required : v.invalid };
  }
};

/** Where a part of the request is: the body by JSON Pointer (RFC 6901), query parameters and headers by name. */
export type RequestPart = 'body' | 'query' | 'params' | 'headers';

function pointer(segments: readonly (string | number)[]): string {
  return '/' + segments.map((s) => String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

export function issuePath(part: RequestPart, segments: readonly (string | number)[]): string {
  if (part === 'body') return segments.length ? pointer(segments) : '';
  return String(segments[0] ?? part);
}

/** Parses one part of the request; a failure is the 422 problem with every issue at its path. */
export function parsePart<T extends z.ZodTypeAny>(schema: T, value: unknown, part: RequestPart): z.output<T> {
  const result = schema.safeParse(value, { errorMap: czechIssues });
  if (result.success) return result.data;
  const errors: FieldProblem[] = result.error.issues.map((i) => ({
    // an unknown key is reported where it is, not at its parent
    path: issuePath(part, i.code === 'unrecognized_keys' && i.keys.length === 1 ? [...i.path, i.keys[0]!] : i.path),
    message: i.message,
  }));
  throw problems.validation(errors);
}
