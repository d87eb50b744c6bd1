import { Router } from 'express';
import { cs } from '../../i18n/cs.js';
import type { WebContext } from '../context.js';
import { ValidationError } from '../../services/errors.js';
import { changePassword, notificationPrefs, updateNotificationPrefs } from '../../services/users.js';
import { currentUser, requireUser } from '../auth.js';

export function accountRoutes(ctx: WebContext): Router {
  const r = Router();
  r.get('/account/password', requireUser, (_req, res) => {
    res.render('password', { errors: {}, done: false });
  });
  r.post('/account/password', requireUser, async (req, res) => {
    try {
      await changePassword(ctx, currentUser(req), req.body, req.sessionID);
      res.render('password', { errors: {}, done: true });
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      res.status(400).render('password', { errors: e.fields, done: false, formError: cs.errors.form });
    }
  });
  r.get('/account/notifications', requireUser, async (req, res) => {
    res.render('notifications', { prefs: await notificationPrefs(ctx.db, currentUser(req)), saved: false });
  });
  r.post('/account/notifications', requireUser, async (req, res) => {
    await updateNotificationPrefs(ctx, currentUser(req), req.body);
    res.render('notifications', { prefs: await notificationPrefs(ctx.db, currentUser(req)), saved: true });
  });
  return r;
}
