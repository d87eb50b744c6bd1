import { Router } from 'express';
import type { WebContext } from '../../context.js';

/** Admin pages: migration (issue 10). Mounted under requireAdmin by ./index.ts. */
export function migrationRoutes(_ctx: WebContext): Router {
  return Router();
}
