import { type RequestHandler, Router } from 'express';
import { completePasswordLink, liveLink, requestPasswordReset } from '../../services/password-links.js';
import { clientAddressKey } from '../../services/sign-in.js';
import type { WebContext } from '../context.js';
import { formRoute } from '../form.js';

/**
 * Invitation and password-reset links (issue 10): "Zapomenuté heslo?" asks for a link, the link
 * sets the password. The link's page sends no Referer (the token is in its path) and, like every
 * page, is not cached (Cache-Control: no-store, app-wide). A link that is expired, used, replaced
 * or unknown gets one page saying so, with the way to ask for a new one.
 */
export function passwordLinkRoutes(ctx: WebContext): Router {
  const r = Router();
  const noReferrer: RequestHandler = (_req, res, next) => {
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  };
  const invalid = (res: Parameters<RequestHandler>[1]) => res.status(410).render('password-link-invalid');
  const tokenOf = (value: unknown) => (typeof value === 'string' ? value : '');

  r.get('/password/forgot', (_req, res) => {
    res.render('password-forgot', { sent: false });
  });
  // the same page whatever was asked for: it never says whether the account exists or was over the limit
  r.post('/password/forgot', async (req, res) => {
    const account = typeof req.body?.account === 'string' ? req.body.account : '';
    await requestPasswordReset(ctx, account, clientAddressKey(req.ip ?? ''));
    res.render('password-forgot', { sent: true });
  });

  r.get('/password/set/:token', noReferrer, async (req, res) => {
    const token = tokenOf(req.params.token);
    const link = await liveLink(ctx, token);
    if (!link) return invalid(res);
    res.render('password-set', { token, login: link.login, errors: {} });
  });
  r.post(
    '/password/set/:token',
    noReferrer,
    formRoute(
      async (req, res, values) => {
        // only the two passwords are read: the account is the one the token names
        const result = await completePasswordLink(ctx, tokenOf(req.params.token), values.next, values.confirm);
        if (result.outcome === 'invalid') return void invalid(res);
        res.redirect(303, '/login?password=set');
      },
      async (req, res, _values, errors) => {
        const token = tokenOf(req.params.token);
        const link = await liveLink(ctx, token);
        if (!link) return void invalid(res);
        res.render('password-set', { token, login: link.login, errors });
      },
      { fields: ['next', 'confirm'] },
    ),
  );
  return r;
}
