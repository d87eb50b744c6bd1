import { type Request, type Response, Router } from 'express';
import { cs } from '../../i18n/cs.js';
import type { WebContext } from '../context.js';
import { changePassword, notificationPrefs, setLanguage, updateNotificationPrefs } from '../../services/users.js';
import { catalogue, LANGUAGES, pickLanguage } from '../../i18n/index.js';
import { currentUser, requireUser } from '../auth.js';
import { type FormErrors, type FormValues, formRoute } from '../form.js';

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
  // the language of pages and mail: saved on the user and in this session (what the pages read)
  const languagePage = (req: Request, res: Response, values: FormValues, errors: FormErrors, saved = false) =>
    res.render('language', { languages: LANGUAGES, chosen: values.language ?? currentUser(req).language ?? '', errors, saved });
  r.get('/account/language', requireUser, (req, res) => languagePage(req, res, {}, {}));
  r.post(
    '/account/language',
    requireUser,
    formRoute(
      async (req, res, values) => {
        const language = await setLanguage(ctx, currentUser(req), values);
        const stored = req.session?.passport?.user as { language?: string | null } | undefined;
        if (stored) stored.language = language;
        req.user!.language = language;
        // this page already in the language chosen
        res.locals.lang = pickLanguage(language, req.headers['accept-language']);
        res.locals.t = catalogue(res.locals.lang);
        languagePage(req, res, {}, {}, true);
      },
      languagePage,
      { fields: ['language'] },
    ),
  );
  return r;
}
