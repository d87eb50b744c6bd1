import { Router } from 'express';
import type { Passport } from 'passport';
import { cs } from '../../i18n/cs.js';
import type { SignInRefusal } from '../auth.js';

/**
 * Where to go after sign-in: only a path of this site. It must start with one `/` not followed by
 * `/` or `\` (browsers read `//host` and `/\host` as another host) and hold no control
 * characters, white space or backslashes (browsers drop tabs and line breaks, which would join `/` and
 * `/`); anything else goes home.
 */
export function localPath(next: unknown): string {
  if (typeof next !== 'string' || next.length > 2000) return '/';
  if (!/^\/(?![/\\])/.test(next) || /[\s\u0000-\u001f\u007f-\u009f\\]/.test(next)) return '/';
  const base = 'http://portal.invalid';
  try {
    return new URL(next, base).origin === base ? next : '/';
  } catch {
    return '/';
  }
}

export function authRoutes(passport: InstanceType<typeof Passport>): Router {
  const r = Router();

  r.get('/login', (req, res) => {
    if (req.user) return res.redirect('/');
    // after a password link: the fixed notice (the query only picks it, never supplies text)
    const notice = req.query.password === 'set' ? cs.passwordLinks.done : null;
    res.render('login', { error: null, notice, login: '', next: localPath(req.query.next) });
  });

  r.post('/login', (req, res, next) => {
    const login = typeof req.body?.login === 'string' ? req.body.login : '';
    const back = localPath(req.body?.next);
    passport.authenticate('local', (err: unknown, user: Express.User | false, refusal?: SignInRefusal) => {
      if (err) return next(err);
      if (!user) {
        const wait = refusal?.retryAfterSeconds;
        if (wait) {
          res.setHeader('Retry-After', String(wait));
          return res.status(429).render('login', { error: cs.login.locked(Math.ceil(wait / 60)), login, next: back });
        }
        return res.status(401).render('login', { error: cs.login.failed, login, next: back });
      }
      // Passport gives the session a new id at sign-in (no session fixation)
      req.logIn(user, (loginErr) => {
        if (loginErr) return next(loginErr);
        req.session.signedInAt = Date.now();
        req.session.seenAt = Date.now();
        res.redirect(back);
      });
    })(req, res, next);
  });

  r.post('/logout', (req, res, next) => {
    req.logout((err) => {
      if (err) return next(err);
      req.session.destroy(() => {
        res.clearCookie('hd.sid');
        res.redirect('/login');
      });
    });
  });
  return r;
}
