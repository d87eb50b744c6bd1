import type { Knex } from 'knex';
import { loginKey } from '../domain/login.js';
import { consume, refund, reset } from './rate-counters.js';
import { authenticate, type SessionUser } from './users.js';

/** How many sign-in attempts may fail, per account and per client address, in one window. */
export interface SignInLimits {
  perAccount: number;
  perAddress: number;
  windowSeconds: number;
}

export type SignInResult =
  | { outcome: 'signed-in'; user: SessionUser }
  | { outcome: 'failed' }
  | { outcome: 'locked'; retryAfterSeconds: number };

/**
 * Use case: sign in with a login and password from a client address.
 *
 * Every attempt is counted before the password is checked, per account (the normalised login,
 * known or not) and per address, in counters shared by all processes and nodes; so concurrent
 * guesses cannot all slip under the limit, and a locked account refuses even the right password
 * until its window ends. A success gives its attempt back and clears the account's failures.
 */
export async function signIn(db: Knex, limits: SignInLimits, login: string, password: string, address: string): Promise<SignInResult> {
  const key = loginKey(login);
  const accountKey = `login:account:${key}`;
  const addressKey = `login:address:${address}`;
  const [account, client] = await Promise.all([
    consume(db, accountKey, 1, limits.windowSeconds),
    consume(db, addressKey, 1, limits.windowSeconds),
  ]);
  const waits = [
    account.count > limits.perAccount ? account.retryAfterSeconds : 0,
    client.count > limits.perAddress ? client.retryAfterSeconds : 0,
  ];
  if (Math.max(...waits) > 0) return { outcome: 'locked', retryAfterSeconds: Math.max(...waits) };
  const user = key === '' ? null : await authenticate(db, key, password);
  if (!user) return { outcome: 'failed' };
  await Promise.all([reset(db, accountKey), refund(db, addressKey, 1)]);
  return { outcome: 'signed-in', user };
}

/** The address a limit counts by: IPv4 as is, IPv6 by its /64 (one host usually has the whole prefix). */
export function clientAddressKey(ip: string): string {
  const v4 = /^(?:::ffff:)?(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (v4) return v4[1]!;
  if (!ip.includes(':')) return ip;
  const [head = '', tail] = ip.toLowerCase().split('%')[0]!.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
