import type { ZodError, ZodIssue } from 'zod';

/**
 * Bad input to the SLA module. `field` names the offending input the way a user wrote it
 * (`calendar.windows.mon[0]`), `message` says what is wrong with it in plain English.
 */
export class SlaInputError extends Error {
  override readonly name = 'SlaInputError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }

  /** `calendar.windows.mon[0]: end 07:00 is not after start 08:00` */
  describe(): string {
    return `${this.field}: ${this.message}`;
  }
}

/**
 * The engine walked its bound (3 years of days) without reaching an answer: an amount too large
 * for the calendar, or a calendar whose holidays close every window. Never an endless loop.
 */
export class SlaWalkLimitError extends Error {
  override readonly name = 'SlaWalkLimitError';
}

/** `['windows', 'mon', 0]` with prefix `calendar` → `calendar.windows.mon[0]`. */
export function fieldName(path: readonly (string | number)[], prefix = ''): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out === '' ? 'input' : out;
}

function issueToError(issue: ZodIssue, prefix: string): SlaInputError {
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '?';
    return new SlaInputError(fieldName([...issue.path, key], prefix), 'unknown field');
  }
  if (issue.code === 'invalid_type' && issue.received === 'undefined') {
    return new SlaInputError(fieldName(issue.path, prefix), issue.message === 'Required' ? 'is required' : issue.message);
  }
  return new SlaInputError(fieldName(issue.path, prefix), issue.message);
}

/** The first zod issue as an SlaInputError (zod lists them in input order). */
export function fromZodError(error: ZodError, prefix = ''): SlaInputError {
  const issue = error.issues[0];
  return issue ? issueToError(issue, prefix) : new SlaInputError(prefix || 'input', 'is invalid');
}
