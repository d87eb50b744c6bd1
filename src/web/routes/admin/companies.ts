import { Router } from 'express';
import type { WebContext } from '../../context.js';

/** Admin pages: companies (issue 10). Mounted under requireAdmin by ./index.ts. */
export function companiesRoutes(_ctx: WebContext): Router {
  return Router();
}
