import type { Knex } from 'knex';
import type { NextFunction, Request, Response } from 'express';
import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { type Actor, isStaff } from '../services/actor.js';
import { authenticate, findActiveUser } from '../services/users.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface User extends Actor {}
  }
}

/** One Passport per app (not the module singleton), so several apps in one process keep their own database. */
export function configurePassport(db: Knex): InstanceType<typeof Passport> {
  const passport = new Passport();
  passport.use(
    new LocalStrategy({ usernameField: 'login', passwordField: 'password' }, (login, password, done) => {
      authenticate(db, login, password).then((user) => done(null, user ?? false), done);
    }),
  );
  // The session (server-side, in PostgreSQL) keeps who signed in, so a page needs no user query.
  // Whatever revokes access (password change, deactivation) deletes the user's sessions: endSessions.
  passport.serializeUser((user, done) => done(null, { id: user.id, login: user.login, name: user.name, email: user.email, role: user.role }));
  passport.deserializeUser((stored: Actor | number, done) => {
    if (typeof stored === 'object' && stored !== null) return done(null, stored);
    findActiveUser(db, stored).then((user) => done(null, user ?? false), done);
  });
  return passport;
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

/** The signed-in user; only call behind requireUser. */
export function currentUser(req: Request): Actor {
  if (!req.user) throw new Error('no user on the request');
  return req.user;
}
