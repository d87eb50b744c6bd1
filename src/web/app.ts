import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import type { Config } from '../config.js';
import { createDb, pgQueryable } from '../db/knex.js';
import { cs } from '../i18n/cs.js';
import type { Catalogue } from '../i18n/index.js';
import { translateFields, translateMessage } from './translate.js';
import type { ServiceContext } from '../services/context.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../services/errors.js';
import { cleanInput } from './clean-input.js';
import { configurePassport, sessionUser } from './auth.js';
import { csrfProtection } from './csrf.js';
import { escapeHtml } from './escape.js';
import type { WebContext } from './context.js';
import { sessions, sessionToCheck, takeFlash } from './sessions.js';
import { confirmUser, userLocals } from './page-locals.js';
import { viewLocals } from './view-locals.js';
import { adminRoutes, adminUploadRoutes } from './routes/admin/index.js';
import { accountRoutes } from './routes/account.js';
import { authRoutes } from './routes/auth.js';
import { passwordLinkRoutes } from './routes/password-links.js';
import { mailRoutes } from './routes/mail.js';
import { reportRoutes } from './routes/reports.js';
import { staffRoutes } from './routes/staff.js';
import { hotlineStaffRoutes } from './routes/hotline-staff.js';
import { overviewRoutes, ticketRoutes, ticketUploadRoutes } from './routes/tickets.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface WebApp {
  app: express.Express;
  /** Ends the pool of the page reads and the session store. */
  close(): Promise<void>;
}

/** A machine-facing channel: its router (routes with full paths) answers only paths under `prefix`. */
export interface Channel {
  prefix: string;
  router: express.Router;
}

/**
 * The channel's router for its paths only: the portal's requests skip its routes without matching
 * each of them. The router's stack stays visible, so the route lists of the tests find its routes.
 */
function underPrefix({ prefix, router }: Channel): RequestHandler {
  const handler: RequestHandler = (req, res, next) => (req.path.startsWith(prefix) ? router(req, res, next) : next());
  return Object.assign(handler, { stack: router.stack });
}

/**
 * The portal. `channels` are the machine-facing routers (hotline webhooks, REST API; composed in
 * src/http-app.ts): they get the security headers and the assets' bypass, then answer before the
 * portal's body parsing, sessions and CSRF, each with its own parsing, authentication and errors.
 */
export function createApp(ctx: ServiceContext, config: Config, sessionSecret: string, databaseUrl: string, channels: readonly Channel[] = []): WebApp {
  const reads = createDb(databaseUrl, config.DB_POOL_MAX, { genericPlans: true });
  const web: WebContext = { ...ctx, reads };
  const app = express();
  app.set('view engine', 'ejs');
  app.set('views', path.join(ROOT, 'views'));
  // includes are written from the views root ('/partials/head'): EJS then skips a disk check per include;
  // views read their variables without `with` (see view-locals.ts)
  app.set('view options', {
    root: path.join(ROOT, 'views'),
    strict: true,
    escape: escapeHtml,
    destructuredLocals: viewLocals(path.join(ROOT, 'views')),
    compileDebug: config.NODE_ENV !== 'production',
  });
  app.set('view cache', config.NODE_ENV !== 'development');
  app.set('trust proxy', config.TRUST_PROXY);
  app.disable('x-powered-by');
  // pages are private and always fresh: hashing every body for an ETag costs more than it saves
  app.set('etag', false);

  const tls = config.PUBLIC_URL.startsWith('https:');
  const securityHeaders = fixedHeaders(
    helmet({
      // on plain-http development installs, HSTS and upgrade-insecure-requests would break the site
      strictTransportSecurity: tls,
      contentSecurityPolicy: { directives: { 'form-action': ["'self'"], 'upgrade-insecure-requests': tls ? [] : null } },
    }),
  );
  app.use((_req, res, next) => {
    for (const [name, value] of securityHeaders) res.setHeader(name, value);
    next();
  });
  // only asset paths look at the disk; pages skip the static lookup
  const assets = express.static(path.join(ROOT, 'public'), { maxAge: '1h', index: false });
  app.use((req, res, next) => (ASSET_PATH.test(req.path) ? assets(req, res, next) : next()));
  for (const channel of channels) app.use(underPrefix(channel));
  app.use(express.urlencoded({ extended: false, limit: '1mb' }));
  app.use(cleanInput);

  app.use(sessions(pgQueryable(reads), { secret: sessionSecret, idleMinutes: config.SESSION_IDLE_MINUTES, maxHours: config.SESSION_MAX_HOURS }));
  const passport = configurePassport(ctx.db, {
    perAccount: config.LOGIN_RATE_LIMIT,
    perAddress: config.LOGIN_ADDRESS_LIMIT,
    windowSeconds: config.LOGIN_WINDOW_MINUTES * 60,
  });
  // req.logIn/logOut only where they are called; every page gets its user from the session
  app.use(['/login', '/logout'], passport.initialize());
  app.use(sessionUser);

  // Signed double-submit tokens (OWASP): the token is an HMAC of a random value and the session
  // id, kept in a cookie and repeated in each form. Anonymous forms (sign-in) need no session row.
  const csrf = csrfProtection({
    secret: sessionSecret,
    cookieName: tls ? '__Host-hd.csrf' : 'hd.csrf',
    secure: tls,
    sessionIdentifier: (req) => (req.user ? req.sessionID : ''),
    tokenFromRequest: (req) => req.body?._csrf ?? req.headers['x-csrf-token'],
  });
  const verifyCsrf = csrf.verify;
  app.use((req, res, next) => {
    // every page is private or carries a token: never kept by a browser or a proxy
    res.setHeader('Cache-Control', 'no-store');
    userLocals(req, res);
    // made only when a view renders a form; its cookie is set only when the token is new
    let token: string | undefined;
    Object.defineProperty(res.locals, 'csrfToken', { enumerable: true, get: () => (token ??= csrf.token(req, res)) });
    // the one-time message of the last action, taken from its cookie only when a page renders
    let flash: string | null | undefined;
    Object.defineProperty(res.locals, 'flash', { enumerable: true, get: () => {
      if (flash === undefined) {
        // set by a route in Czech (cs.flash); shown in the page's language
        const message = takeFlash(req);
        flash = message === null ? null : translateMessage(message, res.locals.t);
      }
      return flash;
    } });
    next();
  });

  // A GET may have taken its session unchecked from this process's memory (sessions.ts): the
  // overview checks it in its own statement; every other request has it checked here first.
  app.use(overviewRoutes(web));
  app.use((req, res, next) => (sessionToCheck(req) ? confirmUser(req, res).then(() => next(), next) : next()));

  // The forms with files check their token once the multipart body is parsed; every other
  // state-changing request is checked here, whatever its content type, and a multipart body
  // anywhere else is refused (its token would not be read).
  app.use(ticketUploadRoutes(web, verifyCsrf));
  app.use(adminUploadRoutes(web, verifyCsrf));
  app.use((req, res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    if (req.is('multipart/*')) return next(csrf.invalidTokenError);
    verifyCsrf(req, res, next);
  });

  app.use(authRoutes(passport));
  app.use(passwordLinkRoutes(web));
  app.use(accountRoutes(web));
  app.use(ticketRoutes(web));
  app.use(staffRoutes(web));
  app.use(hotlineStaffRoutes(web));
  app.use(mailRoutes(web));
  app.use(reportRoutes(web));
  app.use(adminRoutes(web));

  app.use((_req: Request, res: Response) => {
    res.status(404).render('error', { status: 404, message: res.locals.t.errors.notFound });
  });
  app.use(errorHandler);

  return { app, close: () => reads.destroy() };
}

/**
 * The headers a middleware sets whatever the request, such as helmet's with fixed settings (no
 * CSP nonces): taken once, so a response only copies them instead of running its thirteen steps.
 */
function fixedHeaders(middleware: RequestHandler): [string, string][] {
  const headers = new Map<string, string>();
  const res = {
    setHeader: (name: string, value: unknown) => headers.set(name, String(value)),
    removeHeader: (name: string) => headers.delete(name),
    getHeader: () => undefined,
  };
  let done = false;
  middleware({ method: 'GET', url: '/', headers: {} } as Request, res as unknown as Response, (err?: unknown) => {
    if (err) throw err;
    done = true;
  });
  if (!done) throw new Error('fixedHeaders: the middleware did not finish at once');
  return [...headers];
}

const ASSET_PATH = /\.(css|js|svg|png|ico|woff2?)$/;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const errorHandler: ErrorRequestHandler = (err, req: Request, res: Response, next: NextFunction) => {
  // an error page shows the user too: their session is checked first (sessions.ts)
  if (sessionToCheck(req)) return void confirmUser(req, res).then(() => errorHandler(err, req, res, next), () => errorHandler(err, req, res, next));
  const wantsJson = req.accepts(['html', 'json']) === 'json';
  let status = 500;
  // the page's language once the request got that far, else Czech
  const t: Catalogue = (res.locals.t as Catalogue | undefined) ?? cs;
  let message: string = t.errors.server;
  if (err instanceof NotFoundError) [status, message] = [404, t.errors.notFound];
  else if (err instanceof ConflictError) [status, message] = [409, translateMessage(err.userMessage, t)];
  else if (err instanceof ForbiddenError) [status, message] = [403, t.errors.forbidden];
  else if (err instanceof ValidationError) [status, message] = [400, Object.values(translateFields(err.fields, t)).join(' ')];
  else if ((err as { code?: string }).code === 'EBADCSRFTOKEN') [status, message] = [403, t.errors.csrf];
  else if ((err as { status?: number }).status === 400 || (err as { type?: string }).type === 'entity.too.large') {
    [status, message] = [400, t.errors.form];
  } else console.error(err);
  if (wantsJson) res.status(status).json({ error: message, ...(err instanceof ValidationError ? { fields: err.fields } : {}) });
  else res.status(status).render('error', { status, message });
};
