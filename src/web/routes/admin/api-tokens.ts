import { type Request, type Response, Router } from 'express';
import { cs } from '../../../i18n/cs.js';
import { NotFoundError } from '../../../services/errors.js';
import { createApiToken, revokeApiToken } from '../../../services/api/tokens.js';
import { apiToken, apiTokenChoices, listApiTokens } from '../../../services/reads/admin-api-tokens.js';
import type { WebContext } from '../../context.js';
import { currentUser } from '../../auth.js';
import { type FormErrors, formRoute, type FormValues } from '../../form.js';
import { translateFields } from '../../translate.js';
import { BIG_ID, pathId } from '../../params.js';

const FIELDS = ['name', 'contract_id', 'paragraph_id', 'user_id'] as const;

/**
 * Admin page of the API tokens (issue 14): the list, the create form, and the revocation with a
 * confirmation. Mounted under requireAdmin by ./index.ts. The new token is shown once, on the
 * answer to the POST itself (no redirect: it is never put in the session, which is a database
 * row), and that answer is not cached.
 */
export function apiTokensRoutes(ctx: WebContext): Router {
  const r = Router();

  async function renderList(req: Request, res: Response, values: FormValues, errors: FormErrors) {
    const [rows, choices] = await Promise.all([listApiTokens(ctx), apiTokenChoices(ctx)]);
    const revoked = req.method === 'GET' ? req.query.revoked : undefined;
    const notice = revoked === '1' ? res.locals.t.apiAdmin.revokedNotice : revoked === 'before' ? res.locals.t.apiAdmin.alreadyRevoked : null;
    res.render('admin/api-tokens', { rows, choices, values, errors, notice });
  }

  r.get('/admin/api-tokens', (req, res) => renderList(req, res, {}, {}));
  r.post(
    '/admin/api-tokens',
    formRoute(
      async (req, res, values) => {
        const { id, token } = await createApiToken(ctx, currentUser(req), values);
        res.setHeader('Cache-Control', 'no-store');
        res.status(201).render('admin/api-token-created', { token, apiToken: await apiToken(ctx, id) });
      },
      (req, res, values, errors) => renderList(req, res, values, errors),
      { fields: FIELDS },
    ),
  );

  async function renderRevoke(req: Request, res: Response, errors: FormErrors) {
    const token = await apiToken(ctx, pathId(req.params.id, BIG_ID));
    if (!token) throw new NotFoundError('api token');
    // a revoked token has nothing left to confirm
    if (token.revoked_at) return res.redirect(303, '/admin/api-tokens');
    res.render('admin/api-token-revoke', { apiToken: token, errors });
  }
  r.get('/admin/api-tokens/:id/revoke', (req, res) => renderRevoke(req, res, {}));
  r.post('/admin/api-tokens/:id/revoke', async (req, res) => {
    const id = pathId(req.params.id, BIG_ID);
    if (!(req.body as { confirm?: unknown } | undefined)?.confirm) {
      res.status(400);
      return renderRevoke(req, res, translateFields({ confirm: cs.apiAdmin.revokeRequired }, res.locals.t));
    }
    const { revoked } = await revokeApiToken(ctx, currentUser(req), id);
    // revoked meanwhile by another admin or the command: said so, nothing written
    res.redirect(303, `/admin/api-tokens?revoked=${revoked ? '1' : 'before'}`);
  });

  return r;
}
