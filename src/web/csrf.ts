import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Signed double-submit CSRF tokens (OWASP): a token is `<hmac>.<random>`, the HMAC-SHA256 of
 * the random value and the session id (empty for anonymous visitors) under the server secret.
 * It is kept in an httpOnly cookie and repeated in each form; a state-changing request must
 * send both, equal, with a valid HMAC for its session. (The format of csrf-csrf, whose cookies
 * stay valid.)
 *
 * A page reuses the token of its cookie while that is valid for the session, and sets the
 * cookie only when it makes a new one: at the first visit and after sign-in or sign-out.
 */
export interface Csrf {
  /** The request's token: its cookie's while valid, else a new one with its Set-Cookie (call once per request). */
  token(req: Request, res: Response): string;
  /** next() when the request carries a valid token, else next(the 403 error). */
  verify: RequestHandler;
  /** The error of a refused request (403, code EBADCSRFTOKEN). */
  invalidTokenError: Error & { status: number; code: string };
}

export interface CsrfOptions {
  secret: string;
  cookieName: string;
  secure: boolean;
  /** what the token is bound to: the session id when signed in, '' otherwise */
  sessionIdentifier(req: Request): string;
  /** the token sent with the request (form field or header) */
  tokenFromRequest(req: Request): unknown;
}

const TOKEN = /^([0-9a-f]{64})\.([0-9a-f]{64})$/;

export function csrfProtection(opts: CsrfOptions): Csrf {
  const invalidTokenError = Object.assign(new Error('invalid csrf token'), { status: 403, statusCode: 403, code: 'EBADCSRFTOKEN', expose: true });
  const cookieTail = `; Path=/; HttpOnly${opts.secure ? '; Secure' : ''}; SameSite=Lax`;
  const prefix = `${opts.cookieName}=`;

  const hmac = (req: Request, random: string) => {
    const sid = opts.sessionIdentifier(req);
    return createHmac('sha256', opts.secret).update(`${sid.length}!${sid}!${random.length}!${random}`).digest();
  };
  /** tokens found valid, with what they are bound to: each is checked by its HMAC once per process */
  const verified = new Map<string, string>();
  /** the token of the request's cookie when it is valid for the request's session */
  const validCookieToken = (req: Request): string | null => {
    const value = cookieValue(req.headers.cookie, prefix);
    if (value === null) return null;
    const sid = opts.sessionIdentifier(req);
    if (verified.get(value) === sid) return value;
    const m = TOKEN.exec(value);
    if (!m || !timingSafeEqual(Buffer.from(m[1]!, 'hex'), hmac(req, m[2]!))) return null;
    if (verified.size >= 10_000) verified.clear();
    verified.set(value, sid);
    return value;
  };

  const token = (req: Request, res: Response): string => {
    const valid = validCookieToken(req);
    if (valid !== null) return valid;
    const random = randomBytes(32).toString('hex');
    const made = `${hmac(req, random).toString('hex')}.${random}`;
    res.append('Set-Cookie', `${prefix}${made}${cookieTail}`);
    return made;
  };

  const verify: RequestHandler = (req: Request, _res: Response, next: NextFunction) => {
    const sent = opts.tokenFromRequest(req);
    const cookie = typeof sent === 'string' && sent !== '' ? validCookieToken(req) : null;
    next(cookie !== null && cookie === sent ? undefined : invalidTokenError);
  };

  return { token, verify, invalidTokenError };
}

/** The value of the cookie whose `name=` is `prefix`, or null; only that cookie is looked at. */
export function cookieValue(header: string | undefined, prefix: string): string | null {
  if (!header) return null;
  let at = header.startsWith(prefix) ? 0 : header.indexOf(`; ${prefix}`);
  if (at < 0) {
    // tolerate cookies separated by ';' without a space
    at = header.indexOf(`;${prefix}`);
    if (at < 0) return null;
    at += 1;
  } else if (at > 0) at += 2;
  const start = at + prefix.length;
  const end = header.indexOf(';', start);
  const raw = (end < 0 ? header.slice(start) : header.slice(start, end)).trim();
  return raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
}
