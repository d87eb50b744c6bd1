import { cs } from '../i18n/cs.js';
import { BIG_ID, type Bounds, boundedInt } from '../domain/numbers.js';
import { NotFoundError, ValidationError } from '../services/errors.js';

export { BIG_ID, type Bounds, boundedInt, INT4_ID } from '../domain/numbers.js';

/** Page numbers: any page may be asked for; a list shows at most its last reachable one (services/reads/lists.ts paginate). */
export const PAGE: Bounds = { min: 1, max: Number.MAX_SAFE_INTEGER };

/**
 * An optional number of the query string or a form: absent or empty gives `fallback`; anything
 * but a bounded integer (boundedInt) is a 400 naming the parameter.
 */
export function optionalInt<T>(raw: unknown, name: string, bounds: Bounds, fallback: T): number | T {
  if (raw === undefined || raw === '') return fallback;
  const n = boundedInt(raw, bounds);
  if (n === undefined) throw new ValidationError({ [name]: cs.errors.number });
  return n;
}

/**
 * The one parser of every `:number` and `:id` in a path (a ticket, an attachment, a mail, an
 * administered row): an integer within `bounds` — a bigint id by default, INT4_ID for the int4
 * columns (users, companies, contracts, paragraphs, calendars) — anything else is 404, so a row
 * the user cannot see, one that does not exist and a non-number look the same.
 */
export function pathId(raw: unknown, bounds: Bounds = BIG_ID): number {
  const n = boundedInt(raw, bounds);
  if (n === undefined) throw new NotFoundError();
  return n;
}
