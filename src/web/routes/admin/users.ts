import { Router } from 'express';
import type { WebContext } from '../../context.js';

/** Admin pages: users (issue 10). Mounted under requireAdmin by ./index.ts. */
export function usersRoutes(_ctx: WebContext): Router {
  return Router();
}
