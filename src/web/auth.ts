import type { Knex } from 'knex';
import type { NextFunction, Request, Response } from 'express';
import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { type Actor, isStaff } from '../services/actor.js';
import { clientAddressKey, signIn, type SignInLimits } from '../services/sign-in.js';
import type { SessionUser } from '../services/users.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface User extends Actor {}
  }
}

/** What a refused sign-in tells the route: a lockout carries the time to wait. */
export interface SignInRefusal {
  retryAfterSeconds?: number;
}

/**
 * One Passport per app (not the module singleton), so several apps in one process keep their own
 * database. The local strategy is the signIn use case (services/sign-in.ts), with its limits.
 */
export function configurePassport(db: Knex, limits: SignInLimits): InstanceType<typeof Passport> {
  const passport = new Passport();
  passport.use(
    new LocalStrategy({ usernameField: 'login', passwordField: 'password', passReqToCallback: true }, (req, login: unknown, password: unknown, done) => {
      // a repeated field arrives as an array: not a sign-in
      if (typeof login !== 'string' || typeof password !== 'string') return done(null, false, {} as never);
      signIn(db, limits, login, password, clientAddressKey(req.ip ?? '')).then((result) => {
        if (result.outcome === 'signed-in') return done(null, result.user);
        const refusal: SignInRefusal = result.outcome === 'locked' ? { retryAfterSeconds: result.retryAfterSeconds } : {};
        done(null, false, refusal as never);
      }, done);
    }),
  );
  // The session (server-side, in PostgreSQL) keeps who signed in, so a page needs no user query;
  // the session store checks the user is active and their access unchanged (sessions.ts).
  passport.serializeUser((user, done) => {
    const u = user as SessionUser;
    done(null, { id: u.id, login: u.login, name: u.name, email: u.email, role: u.role, language: u.language ?? null, epoch: u.epoch });
  });
  passport.deserializeUser((stored: unknown, done) => done(null, sessionActor(stored) ?? false));
  return passport;
}

/** The user a session stored at sign-in (serializeUser), or null for what no sign-in stored. */
export function sessionActor(stored: unknown): Actor | null {
  // sessions written before access epochs existed carry no epoch: signed out
  return typeof stored === 'object' && stored !== null && typeof (stored as SessionUser).epoch === 'number' ? (stored as Actor) : null;
}

/**
 * Passport's session strategy without its per-request machinery: the user the session holds
 * becomes req.user; a session whose stored user is no longer valid loses it (signed out), as
 * passport.session() does.
 */
export function sessionUser(req: Request, _res: Response, next: NextFunction): void {
  const stored = (req.session as { passport?: { user?: unknown } } | undefined)?.passport;
  if (stored && stored.user !== undefined && stored.user !== null) {
    const user = sessionActor(stored.user);
    if (user) req.user = user;
    else delete stored.user;
  }
  next();
}

export function requireUser(req: Request, res: Response, next: NextFunction): void {
  if (req.user) return next();
  if (req.method === 'GET') return res.redirect(`/login?next=${encodeURIComponent(req.originalUrl)}`);
  res.status(401).render('error', { status: 401, message: res.locals.t.errors.forbidden });
}

export function requireStaff(req: Request, res: Response, next: NextFunction): void {
  if (req.user && isStaff(req.user)) return next();
  // to a customer the staff pages do not exist
  res.status(404).render('error', { status: 404, message: res.locals.t.errors.notFound });
}

/** The admin area: anyone else signed in gets 403 and nothing runs; signed out, as requireUser. */
export function requireAdmin(req: Request, res: Response, next: NextFunction): void {
  if (!req.user) return requireUser(req, res, next);
  if (req.user.role === 'admin') return next();
  res.status(403).render('error', { status: 403, message: res.locals.t.errors.forbidden });
}

/** The signed-in user; only call behind requireUser. */
export function currentUser(req: Request): Actor {
  if (!req.user) throw new Error('no user on the request');
  return req.user;
}
