export const PASSWORD_MIN_LENGTH = 10;

/** Strength rule: at least 10 characters with a letter and a digit, not the login itself. */
export function passwordWeakness(password: string, login: string): 'too_short' | 'needs_mix' | 'same_as_login' | null {
  if (password.length < PASSWORD_MIN_LENGTH) return 'too_short';
  if (!/\p{L}/u.test(password) || !/\d/.test(password)) return 'needs_mix';
  if (password.toLowerCase().includes(login.toLowerCase())) return 'same_as_login';
  return null;
}
