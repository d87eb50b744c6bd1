import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type pg from 'pg';
import { type SessionCheck, SESSION_DESTROY, SESSION_GET, SESSION_SET } from '../db/session-rows.js';
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

const SAFE_METHODS = new Set(['GET', 'HEAD']);
/** the sessions a process remembers read (their rows' text) at most; past it, it forgets them all */
const REMEMBERED = 10_000;

/** SESSION_GET's row: the session's JSON as text and its user's language now */
interface SessionRow {
  sess: string;
  language: string | null;
}

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
 *
 * A GET of a session this process read before starts from that reading instead, unchecked: the
 * session must then be checked before anything is answered from it, either by a read that
 * carries the check in its own statement (sessionToCheck, the customer overview: no round trip
 * of its own, about a tenth of the page's CPU on both sides) or by confirmSession, which app.ts
 * runs for every other request. So a session ended or changed on any node is refused or
 * reread exactly as before; an unchecked session is never written.
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

  const store: Store = { pool, idleMs, maxMs, sign, read: new Map() };

  const handler: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    const sid = cookieSid(req);
    if (sid === null) {
      new SessionControl(store, req, res, '', null);
      return next();
    }
    const known = SAFE_METHODS.has(req.method) ? store.read.get(sid) : undefined;
    // a reading whose own expiry passed may have been refreshed on another node since: read again
    const stored = known && storedOf(known);
    if (known && stored) {
      new SessionControl(store, req, res, sid, stored).unchecked = { sid, ...known };
      return next();
    }
    pool.query(SESSION_GET, [sid]).then((r) => {
      const row = remember(store, sid, r.rows[0] as SessionRow | undefined);
      new SessionControl(store, req, res, sid, storedOf(row));
      next();
    }, next);
  };

  const keepAlive = (req: Request, _res: Response, next: NextFunction) => keepAliveIn(req, maxMs, next);
  return [handler, keepAlive];
}

type StoredSession = SessionData & { cookie?: { expires?: string } };

/** Ends a session past its absolute limit (the request goes on as anonymous), or marks it seen. */
function keepAliveIn(req: Request, maxMs: number, next: Callback): void {
  const s = req.session;
  if (!s?.signedInAt) return next();
  const now = Date.now();
  // past the absolute limit: the stored session is deleted and the request goes on as anonymous
  if (now - s.signedInAt > maxMs) return void s.regenerate(next);
  // a changed session is saved, and saving moves its expiry SESSION_IDLE_MINUTES ahead
  if (!s.seenAt || now - s.seenAt > REFRESH_MS) s.seenAt = now;
  next();
}

/** A session row's data, with its user's language as it is now; null for none or one whose own expiry passed. */
function storedOf(row: SessionRow | undefined): StoredSession | null {
  if (row === undefined) return null;
  let stored: StoredSession;
  try {
    stored = JSON.parse(row.sess) as StoredSession;
  } catch {
    return null;
  }
  // the user's language as it is now (users.language), so a choice made on another device shows at once
  const user = stored?.passport?.user;
  if (user && typeof user === 'object') (user as { language?: string | null }).language = row.language ?? null;
  // as express-session: a session whose own expiry passed is none
  const expires = stored?.cookie?.expires ? Date.parse(stored.cookie.expires) : NaN;
  return stored && !(expires <= Date.now()) ? stored : null;
}

interface Store {
  pool: Pick<pg.Pool, 'query'>;
  idleMs: number;
  maxMs: number;
  sign(sid: string): string;
  /** the rows this process last read, by session id (a hint only: see sessions()) */
  read: Map<string, SessionRow>;
}

/** Keeps what a session's read gave (or forgets a session that has no valid row). */
function remember(store: Store, sid: string, row: SessionRow | undefined): SessionRow | undefined {
  if (row === undefined) store.read.delete(sid);
  else {
    if (store.read.size >= REMEMBERED) store.read.clear();
    store.read.set(sid, { sess: row.sess, language: row.language ?? null });
  }
  return row;
}

const CONTROL = Symbol('session control');

const controlOf = (req: Request) => (req as unknown as { [CONTROL]?: SessionControl })[CONTROL];

/**
 * The session a read may check in its own statement (SESSION_UNCHANGED): the reading this
 * request started from, while unchecked; null once checked (or for none).
 */
export function sessionToCheck(req: Request): SessionCheck | null {
  return controlOf(req)?.unchecked ?? null;
}

/** A read's statement found the session unchanged: the request goes on with it. */
export function sessionChecked(req: Request): void {
  const control = controlOf(req);
  if (control) control.unchecked = null;
}

/**
 * Checks an unchecked session now (a read of its row). True when it changed or ended: the
 * request then has the row's session (or none), and whatever was taken from the old one (the
 * user, the page's language) must be taken again.
 */
export async function confirmSession(req: Request): Promise<boolean> {
  const control = controlOf(req);
  const check = control?.unchecked;
  if (!control || !check) return false;
  control.unchecked = null;
  let row: SessionRow | undefined;
  try {
    row = (await control.store.pool.query(SESSION_GET, [check.sid])).rows[0] as SessionRow | undefined;
  } catch (err) {
    // not checked: the request goes on without it
    control.reset('', null);
    throw err;
  }
  if (row && row.sess === check.sess && (row.language ?? null) === check.language) return false;
  remember(control.store, check.sid, row);
  control.reset(check.sid, storedOf(row));
  await new Promise<void>((resolve, reject) => keepAliveIn(req, control.store.maxMs, (err) => (err ? reject(err) : resolve())));
  return true;
}

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
  private persisted = '{}';
  private current: WebSession | null = null;
  /** the id a cookie carries; '' until a new session is saved */
  private id = '';
  /** the remembered reading this request started from, until a statement or confirmSession checked it */
  unchecked: SessionCheck | null = null;
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
    readonly store: Store,
    private readonly req: Request,
    res: Response,
    sessionId: string,
    stored: StoredSession | null,
  ) {
    (req as unknown as { [CONTROL]: SessionControl })[CONTROL] = this;
    this.reset(sessionId, stored);

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

  /** The request's session becomes `stored` under `sessionId` (none: a new empty session). */
  reset(sessionId: string, stored: StoredSession | null): void {
    this.id = stored ? sessionId : '';
    this.req.sessionID = this.id;
    if (stored) delete stored.cookie;
    this.persisted = stored ? JSON.stringify(stored) : '{}';
    this.make(stored ?? {});
  }

  private make(data: SessionData): void {
    this.current = new Session(this, data) as unknown as WebSession;
    this.req.session = this.current;
  }

  private changed(): boolean {
    // an unchecked session may have ended on another node: writing it would bring it back
    return !this.destroyed && this.unchecked === null && this.current !== null && JSON.stringify(this.current) !== this.persisted;
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
    // the row's text changes: the next request reads it again
    this.store.read.delete(this.id);
    this.store.pool.query(SESSION_SET, [row, Math.floor(expires.getTime() / 1000), this.id]).then(() => {
      this.persisted = json;
      this.cookieExpires = expires;
      cb();
    }, cb);
  }

  regenerate(cb: Callback): void {
    const old = this.id;
    this.unchecked = null;
    this.store.read.delete(old);
    this.id = newId();
    this.req.sessionID = this.id;
    this.persisted = '{}';
    this.cookieExpires = null;
    this.make({});
    if (old) this.store.pool.query(SESSION_DESTROY, [old]).then(() => cb(), cb);
    else queueMicrotask(() => cb());
  }

  destroy(cb?: Callback): void {
    const old = this.id;
    this.unchecked = null;
    this.store.read.delete(old);
    this.destroyed = true;
    this.current = null;
    (this.req as { session?: WebSession }).session = undefined;
    if (old) this.store.pool.query(SESSION_DESTROY, [old]).then(() => cb?.(), (err: unknown) => cb?.(err));
    else queueMicrotask(() => cb?.());
  }
}
