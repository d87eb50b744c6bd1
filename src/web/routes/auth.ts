import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { Router } from 'express';
import type { Passport } from 'passport';
import type { Config } from '../../config.js';
import { cs } from '../../i18n/cs.js';

/** Only same-site paths are followed after sign-in. */
function safeNext(next: unknown): string {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function authRoutes(passport: InstanceType<typeof Passport>, config: Config): Router {
  const r = Router();
  const loginLimiter = rateLimit({
    windowMs: 15 * 60 * 1000,
    limit: config.LOGIN_RATE_LIMIT,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    // per address and login, so one attacker cannot lock out a whole office behind one NAT
    keyGenerator: (req) => `${ipKeyGenerator(req.ip ?? '')}|${String(req.body?.login ?? '').toLowerCase()}`,
    skipSuccessfulRequests: true,
    handler: (req, res) =>
      res.status(429).render('login', { error: cs.login.tooMany, login: req.body?.login ?? '', next: safeNext(req.body?.next) }),
  });

  r.get('/login', (req, res) => {
    if (req.user) return res.redirect('/');
    res.render('login', { error: null, login: '', next: safeNext(req.query.next) });
  });

  r.post('/login', loginLimiter, (req, res, next) => {
    passport.authenticate('local', (err: unknown, user: Express.User | false) => {
      if (err) return next(err);
      if (!user) {
        return res.status(401).render('login', { error: cs.login.failed, login: req.body?.login ?? '', next: safeNext(req.body?.next) });
      }
      // a new session id at sign-in prevents session fixation
      req.session.regenerate((regenErr) => {
        if (regenErr) return next(regenErr);
        req.logIn(user, (loginErr) => {
          if (loginErr) return next(loginErr);
          res.redirect(safeNext(req.body?.next));
        });
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
