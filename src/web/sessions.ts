import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type pg from 'pg';
import { cookieValue } from './csrf.js';

/** What a session keeps (besides its cookie's settings). */
export interface SessionData {
  /** what Passport stored at sign-in: { user } */
  passport?: { user?: unknown };
  /** ms since the epoch: sign-in, for the absolute limit */
  signedInAt?: number;
  /** ms since the epoch: last request that refreshed the idle expiry */
  seenAt?: number;
}

type Callback = (err?: unknown) => void;

/** req.session: its data as own properties; the methods Passport and the routes call. */
export interface WebSession extends SessionData {
  /** a new id and empty data; the old row is deleted (sign-in, sign-out, absolute limit) */
  regenerate(cb: Callback): this;
  /** writes the session now (Passport, before its redirect) */
  save(cb?: Callback): this;
  /** deletes the row; the request goes on without a session */
  destroy(cb?: Callback): this;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      session: WebSession;
      /** the session's id ('' while an anonymous request has none) */
      sessionID: string;
    }
  }
}

export interface SessionSettings {
  secret: string;
  idleMinutes: number;
  maxHours: number;
}

const COOKIE = 'hd.sid';
// the idle expiry is written again at most this often, not on every request
const REFRESH_MS = 5 * 60_000;

/**
 * A session is read only while its user is active and their access has not changed since it
 * began (users.session_epoch, raised by the database on a change of active, role or
 * memberships): the lookup by id joined to the user by primary key. The JSON comes as text, so
 * the end of the request can tell whether it changed by comparing texts.
 */
const GET = `select s.sess::text as sess from sessions s left join users u on u.id = s.user_id
  where s.sid = $1 and s.expire >= now()
    and (s.user_id is null or (u.active and u.session_epoch = ((s.sess -> 'passport' -> 'user' ->> 'epoch'))::integer))`;
// as connect-pg-simple wrote them (expire: timestamp in the server's zone), so rows stay compatible
const SET = `insert into sessions (sess, expire, sid) select $1, to_timestamp($2), $3
  on conflict (sid) do update set sess = $1, expire = to_timestamp($2)`;
const DESTROY = 'delete from sessions where sid = $1';

/**
 * Server-side sessions in PostgreSQL, behind a signed cookie `hd.sid` (the format of
 * express-session with connect-pg-simple, whose cookies and rows stay valid). A row is written
 * only at sign-in (nothing for anonymous visitors: the login form's CSRF token lives in a
 * signed cookie) and when the session's data change, which the idle refresh does at most every
 * few minutes; a session ends after SESSION_IDLE_MINUTES idle or SESSION_MAX_HOURS after
 * sign-in. Expired rows are deleted by the clean-up job.
 *
 * Per request: one read of the row (when a cookie is sent) and one HMAC; whether to write is
 * decided by comparing the data's JSON with what was read.
 */
export function sessions(pool: Pick<pg.Pool, 'query'>, settings: SessionSettings): RequestHandler[] {
  const idleMs = settings.idleMinutes * 60_000;
  const maxMs = settings.maxHours * 3600_000;
  const sign = (sid: string) => createHmac('sha256', settings.secret).update(sid).digest('base64').replace(/=+$/, '');

  /** the session id of a validly signed `hd.sid` cookie */
  const cookieSid = (req: Request): string | null => {
    let raw = cookieValue(req.headers.cookie, `${COOKIE}=`);
    if (!raw) return null;
    if (raw.includes('%')) {
      try {
        raw = decodeURIComponent(raw);
      } catch {
        return null;
      }
    }
    if (!raw.startsWith('s:')) return null;
    const dot = raw.lastIndexOf('.');
    if (dot < 2) return null;
    const sid = raw.slice(2, dot);
    // a cookie seen before was checked then: its signature is computed once per process
    if (verified.get(raw) === sid) return sid;
    const given = Buffer.from(raw.slice(dot + 1));
    const expected = Buffer.from(sign(sid));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    if (verified.size >= 10_000) verified.clear();
    verified.set(raw, sid);
    return sid;
  };
  /** signed cookie values whose signature was valid → their session id */
  const verified = new Map<string, string>();

  const handler: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    const sid = cookieSid(req);
    if (sid === null) {
      start(req, res, '', null);
      return next();
    }
    pool.query(GET, [sid]).then((r) => {
      const text = (r.rows[0] as { sess: string } | undefined)?.sess;
      let stored: (SessionData & { cookie?: { expires?: string } }) | null = null;
      if (text !== undefined) {
        try {
          stored = JSON.parse(text) as SessionData & { cookie?: { expires?: string } };
        } catch {
          stored = null;
        }
      }
      // as express-session: a session whose own expiry passed is none
      const expires = stored?.cookie?.expires ? Date.parse(stored.cookie.expires) : NaN;
      if (stored && !(expires <= Date.now())) start(req, res, sid, stored);
      else start(req, res, '', null);
      next();
    }, next);
  };

  /**
   * Gives the request its session: the stored one (its id and data) or a new empty one. A
   * session whose data changed is written before the response ends, and its cookie goes with
   * the headers (with the new expiry).
   */
  function start(req: Request, res: Response, sessionId: string, stored: (SessionData & { cookie?: unknown }) | null) {
    const { cookie: _cookie, ...data } = stored ?? {};
    /** the data's JSON as last read or written (what the row holds); '{}' for a new session */
    let persisted = JSON.stringify(data);
    let current: WebSession | null = null;
    /** the id a cookie should carry now; '' until a new session is saved */
    let id = sessionId;
    let destroyed = false;
    /** the expiry of a write made in this request (its cookie is sent) */
    let cookieExpires: Date | null = null;

    const dataOf = (s: WebSession) => JSON.stringify(s);
    const write = (s: WebSession, cb: Callback) => {
      if (!id) id = randomBytes(24).toString('base64url');
      req.sessionID = id;
      const json = dataOf(s);
      const expires = new Date(Date.now() + idleMs);
      const row = `{"cookie":${JSON.stringify({ originalMaxAge: idleMs, expires, secure: req.secure, httpOnly: true, path: '/', sameSite: 'lax' })}${json === '{}' ? '' : `,${json.slice(1, -1)}`}}`;
      pool.query(SET, [row, Math.floor(expires.getTime() / 1000), id]).then(() => {
        persisted = json;
        cookieExpires = expires;
        cb();
      }, cb);
    };

    const make = (values: SessionData): WebSession => {
      const s = Object.assign(Object.create(methods) as WebSession, values);
      current = s;
      req.session = s;
      return s;
    };
    const methods = {
      regenerate(this: WebSession, cb: Callback) {
        const old = id;
        id = randomBytes(24).toString('base64url');
        req.sessionID = id;
        persisted = '{}';
        cookieExpires = null;
        make({});
        const done = () => cb();
        if (old) pool.query(DESTROY, [old]).then(done, cb);
        else queueMicrotask(done);
        return this;
      },
      save(this: WebSession, cb?: Callback) {
        write(this, cb ?? (() => undefined));
        return this;
      },
      destroy(this: WebSession, cb?: Callback) {
        const old = id;
        destroyed = true;
        current = null;
        (req as { session?: WebSession }).session = undefined;
        const done = (err?: unknown) => cb?.(err);
        if (old) pool.query(DESTROY, [old]).then(() => done(), done);
        else queueMicrotask(done);
        return this;
      },
    };
    req.sessionID = id;
    make(data);

    const changed = () => !destroyed && current !== null && dataOf(current) !== persisted;
    /** what res.end found (the common case: headers go out from within end, right after) */
    let endFound: boolean | null = null;
    // the cookie goes with the headers: of a session that will be written, or was written in this request
    const writeHead = res.writeHead;
    res.writeHead = function (this: Response, ...args: unknown[]) {
      const willWrite = endFound ?? changed();
      if (willWrite && !id) id = randomBytes(24).toString('base64url');
      if (!destroyed && (willWrite || cookieExpires)) {
        const expires = willWrite ? new Date(Date.now() + idleMs) : cookieExpires!;
        const value = `${COOKIE}=${encodeURIComponent(`s:${id}.${sign(id)}`)}; Path=/; Expires=${expires.toUTCString()}; HttpOnly${req.secure ? '; Secure' : ''}; SameSite=Lax`;
        const prev = res.getHeader('Set-Cookie');
        res.setHeader('Set-Cookie', prev === undefined ? [value] : Array.isArray(prev) ? [...prev, value] : [String(prev), value]);
      }
      return (writeHead as (...a: unknown[]) => Response).apply(this, args);
    } as Response['writeHead'];
    // a changed session is written before the response ends (and, unless a streamed body sent
    // them already, before the headers with its cookie)
    const end = res.end;
    res.end = function (this: Response, ...args: unknown[]) {
      if (!changed()) {
        endFound = false;
        return (end as (...a: unknown[]) => Response).apply(this, args);
      }
      write(current!, (err) => {
        if (err) console.error('session not saved:', err);
        (end as (...a: unknown[]) => Response).apply(this, args);
      });
      return this;
    } as Response['end'];
  }

  const keepAlive = (req: Request, _res: Response, next: NextFunction) => {
    const s = req.session;
    if (!s?.signedInAt) return next();
    const now = Date.now();
    // past the absolute limit: the stored session is deleted and the request goes on as anonymous
    if (now - s.signedInAt > maxMs) return s.regenerate(next);
    // a changed session is saved, and saving moves its expiry SESSION_IDLE_MINUTES ahead
    if (!s.seenAt || now - s.seenAt > REFRESH_MS) s.seenAt = now;
    next();
  };
  return [handler, keepAlive];
}
