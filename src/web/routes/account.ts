import { Router } from 'express';
import { cs } from '../../i18n/cs.js';
import type { WebContext } from '../context.js';
import { changePassword, notificationPrefs, updateNotificationPrefs } from '../../services/users.js';
import { currentUser, requireUser } from '../auth.js';
import { formRoute } from '../form.js';

export function accountRoutes(ctx: WebContext): Router {
  const r = Router();
  r.get('/account/password', requireUser, (_req, res) => {
    res.render('password', { errors: {}, done: false });
  });
  r.post(
    '/account/password',
    requireUser,
    formRoute(
      async (req, res, values) => {
        await changePassword(ctx, currentUser(req), values, req.sessionID);
        res.render('password', { errors: {}, done: true });
      },
      // passwords are never shown again: only the errors
      (_req, res, _values, errors) => res.render('password', { errors, done: false, formError: cs.errors.form }),
    ),
  );
  r.get('/account/notifications', requireUser, async (req, res) => {
    res.render('notifications', { prefs: await notificationPrefs(ctx, currentUser(req)), saved: false });
  });
  r.post('/account/notifications', requireUser, async (req, res) => {
    await updateNotificationPrefs(ctx, currentUser(req), req.body);
    res.render('notifications', { prefs: await notificationPrefs(ctx, currentUser(req)), saved: true });
  });
  return r;
}
