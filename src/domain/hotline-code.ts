import { createHmac } from 'node:crypto';

/** HOTLINE.md §3: an authorisation code is exactly ten digits. */
export const CODE_DIGITS = 10;

export const isCodeShape = (typed: string): boolean => /^\d{10}$/.test(typed);

/**
 * The code as stored: HMAC-SHA-256 under the server's key, hex. Deterministic, so the code a
 * caller types is found by an equality look-up, and a leaked table reveals no code without the key.
 */
export function codeHash(key: string, code: string): string {
  return createHmac('sha256', key).update(code, 'utf8').digest('hex');
}
