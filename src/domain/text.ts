/**
 * Text as every channel (web forms, e-mail, the import) hands it to storage. PostgreSQL refuses
 * NUL in text, and the other C0 control characters are never meant in what people type or
 * mail; tab, line feed and carriage return stay.
 */

// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;

/** The text without NUL and the other C0 control characters except tab, line feed and carriage return. */
export function stripControls(text: string): string {
  return text.replace(CONTROLS, '');
}

const plain = (v: object) => {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

/**
 * Removes the control characters of `stripControls` from every string in `value`: a string is
 * returned cleaned; plain objects and arrays are cleaned IN PLACE (their own enumerable keys,
 * so a sparse array costs only its present items) and returned; anything else (Buffer, Date,
 * numbers) is returned as it is. Keys are left as they are. Nesting deeper than 32 levels is
 * left alone (no form or document needs it; a parser never builds one from a request's limits).
 */
export function cleanStrings<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return stripControls(value) as T;
  if (value === null || typeof value !== 'object' || depth > 32) return value;
  if (!Array.isArray(value) && !plain(value)) return value;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const item = record[key];
    if (typeof item === 'string') {
      const cleaned = stripControls(item);
      if (cleaned !== item) record[key] = cleaned;
    } else if (item !== null && typeof item === 'object') cleanStrings(item, depth + 1);
  }
  return value;
}
