import connectPgSimple from 'connect-pg-simple';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import type pg from 'pg';

declare module 'express-session' {
  interface SessionData {
    /** ms since the epoch: sign-in, for the absolute limit */
    signedInAt?: number;
    /** ms since the epoch: last request that refreshed the idle expiry */
    seenAt?: number;
  }
}

export interface SessionSettings {
  secret: string;
  idleMinutes: number;
  maxHours: number;
}

// the idle expiry is written again at most this often, not on every request
const REFRESH_MS = 5 * 60_000;

/**
 * Server-side sessions in PostgreSQL. A row is written only at sign-in (nothing for anonymous
 * visitors: the login form's CSRF token lives in a signed cookie), refreshed at most every
 * few minutes while in use, and ends after SESSION_IDLE_MINUTES idle or SESSION_MAX_HOURS
 * after sign-in. Expired rows are deleted by the clean-up job.
 */
export function sessions(pool: pg.Pool, settings: SessionSettings): RequestHandler[] {
  const PgStore = connectPgSimple(session);
  /**
   * A session is read only while its user is active and their access has not changed since it
   * began (users.session_epoch, raised by the database on a change of active, role or
   * memberships). The same statement as the plain lookup, joined to the user by primary key.
   */
  class AccessCheckedStore extends PgStore {
    override get(sid: string, fn: (err: unknown, session?: session.SessionData | null) => void): void {
      pool
        .query(
          `select s.sess from sessions s left join users u on u.id = s.user_id
            where s.sid = $1 and s.expire >= now()
              and (s.user_id is null or (u.active and u.session_epoch = ((s.sess -> 'passport' -> 'user' ->> 'epoch'))::integer))`,
          [sid],
        )
        .then((r) => fn(null, (r.rows[0]?.sess as session.SessionData | undefined) ?? null), fn);
    }
  }
  const store = new AccessCheckedStore({ pool, tableName: 'sessions', disableTouch: true, pruneSessionInterval: false });
  const handler = session({
    name: 'hd.sid',
    secret: settings.secret,
    resave: false,
    saveUninitialized: false,
    store,
    cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: settings.idleMinutes * 60_000 },
  });
  const maxMs = settings.maxHours * 3600_000;
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
