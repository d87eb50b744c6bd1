import { apiRouter } from './api/router.js';
import type { Config } from './config.js';
import { hotlineRouter } from './hotline/router.js';
import type { ServiceContext } from './services/context.js';
import { type Channel, createApp, type WebApp } from './web/app.js';

/**
 * Every HTTP channel on one Express app: the machine-facing channels (hotline webhooks, the
 * REST API), each a router with full paths under its prefix, with its own body parsing,
 * authentication and error shape and none of the portal's sessions or CSRF, then the portal.
 * Channels never import each other; this composition file is where they meet.
 */
export function createHttpApp(ctx: ServiceContext, config: Config, sessionSecret: string, databaseUrl: string): WebApp {
  const channels: Channel[] = [
    { prefix: '/hotline', router: hotlineRouter(ctx, config) },
    { prefix: '/api', router: apiRouter(ctx) },
  ];
  return createApp(ctx, config, sessionSecret, databaseUrl, channels);
}
