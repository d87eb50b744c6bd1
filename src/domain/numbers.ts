/**
 * The one parser of whole numbers that come from outside (URLs, forms, service input): plain
 * decimal digits only. `Number()` would also take `Infinity`, `1e3`, `0x10`, ` 5 ` and `5.5`.
 */

/** Largest PostgreSQL integer (int4): users, contracts, paragraphs. */
export const INT4_MAX = 2_147_483_647;

export interface Bounds {
  min: number;
  max: number;
}

/** Ids of int4 columns. */
export const INT4_ID: Bounds = { min: 1, max: INT4_MAX };
/** Ticket numbers and the ids of bigint columns (attachments, mail), as far as JavaScript counts exactly. */
export const BIG_ID: Bounds = { min: 1, max: Number.MAX_SAFE_INTEGER };

const DIGITS = /^\d{1,16}$/;

/**
 * The integer `raw` spells in 1–16 decimal digits (a string), or a safe integer given as a number,
 * when it lies within [min, max]; otherwise undefined. No sign, exponent, hex, fraction or spaces.
 */
export function boundedInt(raw: unknown, { min, max }: Bounds): number | undefined {
  let n: number;
  if (typeof raw === 'string') {
    if (!DIGITS.test(raw)) return undefined;
    n = Number(raw);
  } else if (typeof raw === 'number' && Number.isSafeInteger(raw)) n = raw;
  else return undefined;
  return n >= min && n <= max ? n : undefined;
}
