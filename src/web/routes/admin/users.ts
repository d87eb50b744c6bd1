import { type RequestHandler, Router } from 'express';
import type { WebContext } from '../../context.js';

/** Admin pages: users (issue 10). Mounted under requireAdmin by ./index.ts. */
export function usersRoutes(_ctx: WebContext): Router {
  return Router();
}

/** Admin forms with a file: `upload` parses the multipart body, then verifies its CSRF token (index.ts). */
export function usersUploadRoutes(_ctx: WebContext, _upload: RequestHandler): Router {
  return Router();
}
