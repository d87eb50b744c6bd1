import { Router } from 'express';
import type { WebContext } from '../../context.js';
import { requireAdmin } from '../../auth.js';
import { auditRoutes } from './audit.js';
import { calendarsRoutes } from './calendars.js';
import { companiesRoutes } from './companies.js';
import { migrationRoutes } from './migration.js';
import { usersRoutes } from './users.js';

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
  return r;
}
