import { type RequestHandler, Router } from 'express';
import type { WebContext } from '../../context.js';

/** Admin pages: migration (issue 10). Mounted under requireAdmin by ./index.ts. */
export function migrationRoutes(_ctx: WebContext): Router {
  return Router();
}

/** Admin forms with a file: `upload` parses the multipart body, then verifies its CSRF token (index.ts). */
export function migrationUploadRoutes(_ctx: WebContext, _upload: RequestHandler): Router {
  return Router();
}
