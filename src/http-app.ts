import express from 'express';
import type { Config } from './config.js';
import type { ServiceContext } from './services/context.js';
import { createApp, type WebApp } from './web/app.js';

/**
 * Every HTTP channel on one Express app: the machine-facing channels (hotline webhooks, the
 * REST API) first, each with its own body parsing, authentication and error shape and none of
 * the portal's sessions or CSRF, then the portal. Channels never import each other; this
 * composition file is where they meet.
 */
export function createHttpApp(ctx: ServiceContext, config: Config, sessionSecret: string, databaseUrl: string): WebApp {
  const web = createApp(ctx, config, sessionSecret, databaseUrl);
  const app = express();
  app.set('trust proxy', config.TRUST_PROXY);
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(web.app);
  return { app, close: web.close };
}
