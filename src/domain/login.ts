/**
 * The one normal form of a login, used by sign-in, the sign-in limits and every lookup, so a
 * login typed with padding, another width or case is the same account everywhere (issue 8:
 * a limiter that only lower-cased while sign-in also trimmed gave unlimited guesses).
 *
 * NFKC folds compatibility forms (full-width letters, the no-break and ideographic spaces
 * become a plain space); the invisible format characters (zero-width space and joiners,
 * word joiner, byte-order mark, soft hyphen) are removed anywhere; then surrounding white
 * space is trimmed and the result lower-cased.
 */
const INVISIBLE = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/g;

export function loginKey(login: string): string {
  // control characters go too: PostgreSQL refuses a NUL in text, and no login contains one
  return login.normalize('NFKC').replace(INVISIBLE, '').trim().toLowerCase().normalize('NFKC');
}
