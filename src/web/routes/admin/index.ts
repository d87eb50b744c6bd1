import { type RequestHandler, Router } from 'express';
import type { WebContext } from '../../context.js';
import { requireAdmin } from '../../auth.js';
import { uploadFiles, uploadThenVerify } from '../../upload.js';
import { apiTokensRoutes } from './api-tokens.js';
import { auditRoutes } from './audit.js';
import { calendarsRoutes } from './calendars.js';
import { companiesRoutes } from './companies.js';
import { migrationRoutes, migrationUploadRoutes } from './migration.js';
import { usersRoutes, usersUploadRoutes } from './users.js';

/**
 * The admin area (role admin): every path under /admin passes requireAdmin first, so a
 * customer or an agent gets 403 before any route runs. Each section is its own router.
 */
export function adminRoutes(ctx: WebContext): Router {
  const r = Router();
  r.use('/admin', requireAdmin);
  r.get('/admin', (_req, res) => res.render('admin/home'));
  r.use(companiesRoutes(ctx));
  r.use(calendarsRoutes(ctx));
  r.use(usersRoutes(ctx));
  r.use(migrationRoutes(ctx));
  r.use(auditRoutes(ctx));
  r.use(apiTokensRoutes(ctx));
  return r;
}

/** The largest document an admin uploads (a CSV of users, a migration document). */
export const ADMIN_UPLOAD_BYTES = 64 * 1024 * 1024;

/**
 * The admin forms with a file (field `files`, one file), mounted before the app-wide CSRF check
 * like the ticket forms: the token is verified after parsing. Non-admins are refused before
 * the body is read.
 */
export function adminUploadRoutes(ctx: WebContext, verifyCsrf: RequestHandler): Router {
  const r = Router();
  const upload = uploadThenVerify(uploadFiles({ maxBytes: ADMIN_UPLOAD_BYTES, maxFiles: 1, quotaBytesPerHour: Number.MAX_SAFE_INTEGER }), verifyCsrf);
  r.use('/admin', requireAdmin);
  r.use(usersUploadRoutes(ctx, upload));
  r.use(migrationUploadRoutes(ctx, upload));
  return r;
}
