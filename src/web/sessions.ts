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

/**
 * Keeps a one-time message for the next page of a signed-in user (after an action's 303). It
 * rides in a short-lived cookie signed for this session, not in the session's row: an action
 * then writes nothing but its own change (the row's write was a sixth of a ticket creation's
 * statements), and the page that shows the message writes nothing either. An anonymous request
 * gets no flash.
 */
export function setFlash(req: Request, message: string): void {
  const s = req.session;
  if (message && s?.passport?.user) (s as unknown as Session)[CONTROL].flash = message;
}

/**
 * The flash message, once: the page that shows it clears its cookie. Called when a page renders
 * (res.locals.flash in app.ts).
 */
export function takeFlash(req: Request): string | null {
  return (req.session as unknown as Session | undefined)?.[CONTROL]?.takeFlash() ?? null;
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
const FLASH_COOKIE = 'hd.flash';
/** a flash not shown within this time (the redirect was not followed) is forgotten */
const FLASH_SECONDS = 120;
// the idle expiry is written again at most this often, not on every request
const REFRESH_MS = 5 * 60_000;

/**
 * A session is read only while its user is active and their access has not changed since it
 * began (users.session_epoch, raised by the database on a change of active, role or
 * memberships): the lookup by id joined to the user by primary key, which also gives the user's
 * language as it is now. The JSON comes as text, so the end of the request can tell whether it
 * changed by comparing texts.
 */
const GET = `select s.sess::text as sess, u.language from sessions s left join users u on u.id = s.user_id
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

  const store: Store = { pool, idleMs, sign };

  const handler: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    const sid = cookieSid(req);
    if (sid === null) {
      new SessionControl(store, req, res, '', null);
      return next();
    }
    pool.query(GET, [sid]).then((r) => {
      const row = r.rows[0] as { sess: string; language: string | null } | undefined;
      const text = row?.sess;
      let stored: StoredSession | null = null;
      if (text !== undefined) {
        try {
          stored = JSON.parse(text) as StoredSession;
        } catch {
          stored = null;
        }
      }
      // the user's language as it is now (users.language), so a choice made on another device shows at once
      const user = stored?.passport?.user;
      if (user && typeof user === 'object') (user as { language?: string | null }).language = row?.language ?? null;
      // as express-session: a session whose own expiry passed is none
      const expires = stored?.cookie?.expires ? Date.parse(stored.cookie.expires) : NaN;
      if (stored && !(expires <= Date.now())) new SessionControl(store, req, res, sid, stored);
      else new SessionControl(store, req, res, '', null);
      next();
    }, next);
  };

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

type StoredSession = SessionData & { cookie?: { expires?: string } };

interface Store {
  pool: Pick<pg.Pool, 'query'>;
  idleMs: number;
  sign(sid: string): string;
}

const CONTROL = Symbol('session control');

/** req.session: the data as own properties (what is stored), the methods on the prototype. */
class Session {
  declare [CONTROL]: SessionControl;
  constructor(control: SessionControl, data: SessionData) {
    // a symbol key: not part of the stored JSON
    this[CONTROL] = control;
    Object.assign(this, data);
  }
  regenerate(cb: Callback): this {
    this[CONTROL].regenerate(cb);
    return this;
  }
  save(cb?: Callback): this {
    this[CONTROL].write(this as unknown as WebSession, cb ?? (() => undefined));
    return this;
  }
  destroy(cb?: Callback): this {
    this[CONTROL].destroy(cb);
    return this;
  }
}

const newId = () => randomBytes(24).toString('base64url');

/**
 * One request's session: gives the request the stored one (its id and data) or a new empty one.
 * A session whose data changed is written before the response ends, and its cookie goes with
 * the headers (with the new expiry).
 */
class SessionControl {
  /** the data's JSON as last read or written (what the row holds); '{}' for a new session */
  private persisted: string;
  private current: WebSession | null = null;
  /** the id a cookie carries; '' until a new session is saved */
  private id: string;
  private destroyed = false;
  /** the expiry of a write made in this request (its cookie is sent) */
  private cookieExpires: Date | null = null;
  /** what res.end found (usually the headers go out from within end, right after) */
  private endFound: boolean | null = null;
  /** a flash message for the next page (its cookie goes with this response's headers) */
  flash: string | null = null;
  /** the flash this request's cookie carried: undefined until asked, then shown once and its cookie cleared */
  private shownFlash: string | null | undefined;
  /** whether the request carried a flash cookie (which this response then clears) */
  private flashCookieSent = false;

  constructor(
    private readonly store: Store,
    private readonly req: Request,
    res: Response,
    sessionId: string,
    stored: StoredSession | null,
  ) {
    this.id = sessionId;
    req.sessionID = sessionId;
    if (stored) delete stored.cookie;
    this.persisted = stored ? JSON.stringify(stored) : '{}';
    this.make(stored ?? {});

    const control = this;
    const writeHead = res.writeHead;
    res.writeHead = function (this: Response, ...args: unknown[]) {
      control.setCookie(res);
      control.setFlashCookie(res);
      return (writeHead as (...a: unknown[]) => Response).apply(this, args);
    } as Response['writeHead'];
    const end = res.end;
    res.end = function (this: Response, ...args: unknown[]) {
      const current = control.current;
      if (!control.changed()) {
        control.endFound = false;
        return (end as (...a: unknown[]) => Response).apply(this, args);
      }
      // written before the response ends (and, unless a streamed body sent them already, before the headers with its cookie)
      control.write(current!, (err) => {
        if (err) console.error('session not saved:', err);
        (end as (...a: unknown[]) => Response).apply(this, args);
      });
      return this;
    } as Response['end'];
  }

  private make(data: SessionData): void {
    this.current = new Session(this, data) as unknown as WebSession;
    this.req.session = this.current;
  }

  private changed(): boolean {
    return !this.destroyed && this.current !== null && JSON.stringify(this.current) !== this.persisted;
  }

  private setCookie(res: Response): void {
    const willWrite = this.endFound ?? this.changed();
    if (this.destroyed || !(willWrite || this.cookieExpires)) return;
    if (!this.id) this.id = newId();
    const expires = willWrite ? new Date(Date.now() + this.store.idleMs) : this.cookieExpires!;
    const signed = encodeURIComponent(`s:${this.id}.${this.store.sign(this.id)}`);
    const value = `${COOKIE}=${signed}; Path=/; Expires=${expires.toUTCString()}; HttpOnly${this.req.secure ? '; Secure' : ''}; SameSite=Lax`;
    const prev = res.getHeader('Set-Cookie');
    res.setHeader('Set-Cookie', prev === undefined ? [value] : Array.isArray(prev) ? [...prev, value] : [String(prev), value]);
  }

  /** the flash cookie's signature: bound to this session, so a message shows only in the session that set it */
  private flashSignature(encoded: string): string {
    return this.store.sign(`flash:${this.id}:${encoded}`);
  }

  takeFlash(): string | null {
    if (this.shownFlash !== undefined) return this.shownFlash;
    this.shownFlash = null;
    const raw = cookieValue(this.req.headers.cookie, `${FLASH_COOKIE}=`);
    if (!raw) return null;
    this.flashCookieSent = true;
    if (!this.id) return null;
    const dot = raw.lastIndexOf('.');
    const encoded = raw.slice(0, dot);
    if (dot > 0 && raw.slice(dot + 1) === this.flashSignature(encoded)) this.shownFlash = Buffer.from(encoded, 'base64url').toString('utf8');
    return this.shownFlash;
  }

  setFlashCookie(res: Response): void {
    let value: string;
    if (this.flash !== null && this.id && !this.destroyed) {
      const encoded = Buffer.from(this.flash, 'utf8').toString('base64url');
      value = `${FLASH_COOKIE}=${encoded}.${this.flashSignature(encoded)}; Path=/; Max-Age=${FLASH_SECONDS}`;
    } else if (this.flashCookieSent) value = `${FLASH_COOKIE}=; Path=/; Max-Age=0`;
    else return;
    value += `; HttpOnly${this.req.secure ? '; Secure' : ''}; SameSite=Lax`;
    const prev = res.getHeader('Set-Cookie');
    res.setHeader('Set-Cookie', prev === undefined ? [value] : Array.isArray(prev) ? [...prev, value] : [String(prev), value]);
  }

  write(session: WebSession, cb: Callback): void {
    if (!this.id) this.id = newId();
    this.req.sessionID = this.id;
    const json = JSON.stringify(session);
    const expires = new Date(Date.now() + this.store.idleMs);
    const cookie = JSON.stringify({ originalMaxAge: this.store.idleMs, expires, secure: this.req.secure, httpOnly: true, path: '/', sameSite: 'lax' });
    const row = `{"cookie":${cookie}${json === '{}' ? '' : `,${json.slice(1, -1)}`}}`;
    this.store.pool.query(SET, [row, Math.floor(expires.getTime() / 1000), this.id]).then(() => {
      this.persisted = json;
      this.cookieExpires = expires;
      cb();
    }, cb);
  }

  regenerate(cb: Callback): void {
    const old = this.id;
    this.id = newId();
    this.req.sessionID = this.id;
    this.persisted = '{}';
    this.cookieExpires = null;
    this.make({});
    if (old) this.store.pool.query(DESTROY, [old]).then(() => cb(), cb);
    else queueMicrotask(() => cb());
  }

  destroy(cb?: Callback): void {
    const old = this.id;
    this.destroyed = true;
    this.current = null;
    (this.req as { session?: WebSession }).session = undefined;
    if (old) this.store.pool.query(DESTROY, [old]).then(() => cb?.(), (err: unknown) => cb?.(err));
    else queueMicrotask(() => cb?.());
  }
}
