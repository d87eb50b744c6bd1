import { Router } from 'express';
import type { WebContext } from '../../context.js';

/** Admin pages: calendars (issue 10). Mounted under requireAdmin by ./index.ts. */
export function calendarsRoutes(_ctx: WebContext): Router {
  return Router();
}
