import { Router } from 'express';
import type { WebContext } from '../../context.js';

/** Admin pages: audit (issue 10). Mounted under requireAdmin by ./index.ts. */
export function auditRoutes(_ctx: WebContext): Router {
  return Router();
}
