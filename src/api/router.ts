import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { authenticate, type ApiToken, bearerToken, countRequest, API_RATE_LIMIT } from '../services/api/authenticate.js';
import { claimKey, IDEMPOTENCY_KEY_MAX, releaseKey, requestHash, storeResponse } from '../services/api/idempotency.js';
import type { ServiceContext } from '../services/context.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../services/errors.js';
import { onePool } from '../services/reads/pools.js';
import { cs } from '../i18n/cs.js';
import { openApiDocument } from './openapi.js';
import { ApiProblem, problems, sendProblem } from './problem.js';
import { type ApiCall, type ApiResult, type ApiRoute, expressPath } from './route.js';
import { apiRoutes } from './routes/index.js';
import { issuePath, parsePart } from './validation.js';

/** Slack over the attachments' base64 for the JSON around them: a 50,000-character description, names, escapes. */
const TEXT_ALLOWANCE_BYTES = 1024 * 1024;

/**
 * A JSON body is held whole in memory, parsed and decoded (about three times its size at once):
 * one request stays under this however high the attachment limits are set. More files than fit go
 * in further messages.
 */
export const BODY_CEILING_BYTES = 40 * 1024 * 1024;

/** The body limit: every attachment at its largest in base64 (4/3 of its bytes) plus the text, at most BODY_CEILING_BYTES. */
export function bodyLimitBytes(ctx: ServiceContext): number {
  return Math.min(BODY_CEILING_BYTES, Math.ceil((ctx.limits.maxBytes * ctx.limits.maxFiles * 4) / 3) + TEXT_ALLOWANCE_BYTES);
}

/**
 * The integration API (API.md): every route of routes/index.ts under its full path, then a
 * problem-details 404 for anything else under /api. No cookies, sessions or CSRF: a bearer token
 * per request. Its own JSON body parser (the portal's parses forms) and its own errors (RFC 9457
 * problem details, never the portal's HTML page).
 */
export function apiRouter(ctx: ServiceContext, routes: readonly ApiRoute[] = apiRoutes): Router {
  const router = Router();
  const limit = bodyLimitBytes(ctx);
  // not strict: a JSON text that is no object ("x", 5, null) is valid JSON, refused by the schema as 422, not as malformed
  const json = express.json({ limit, type: () => true, strict: false });
  const pools = onePool(ctx.db);
  let doc: unknown = null;
  const document = () => (doc ??= openApiDocument(routes));

  for (const route of routes) {
    router[route.method](expressPath(route.path), async (req: Request, res: Response) => {
      let claimed: Claimed | null = null;
      try {
        const token = route.auth === 'token' ? await authorise(ctx, req) : null;
        if (route.method === 'post') await parseBody(req, res, json, limit);
        const { params, query, body } = validateRequest(route, req);
        const claim = token && route.method === 'post' ? await claimIdempotencyKey(ctx, token, req) : null;
        if (claim && 'replay' in claim) {
          res.setHeader('Idempotent-Replayed', 'true');
          send(res, claim.replay);
          return;
        }
        claimed = claim;
        const result = await route.handle({ req, ctx, pools, params, query, body, token: token as ApiToken, document, transact: transactor(ctx, claim) });
        if (claim && !claim.stored) await storeResponse(ctx.db, claim.tokenId, claim.key, responseOf(result));
        claimed = null;
        send(res, result);
      } catch (err) {
        // a failed request gives its key up: a retry runs again rather than replaying the failure
        if (claimed) await releaseKey(ctx.db, claimed.tokenId, claimed.key).catch((e: unknown) => console.error(e));
        sendProblem(res, toProblem(err, route));
      }
    });
  }

  router.use('/api', (_req: Request, res: Response) => sendProblem(res, problems.routeNotFound()));
  // anything that escaped a route (e.g. a malformed URI) still answers as a problem
  router.use('/api', (err: unknown, _req: Request, res: Response, _next: NextFunction) => sendProblem(res, toProblem(err)));
  return router;
}

/** A key this request claimed; `stored` once its response is written (in the use case's transaction). */
interface Claimed {
  tokenId: number;
  key: string;
  stored: boolean;
}

/** The content type (415), then the JSON body within the limit (400, 413). */
async function parseBody(req: Request, res: Response, json: express.RequestHandler, limit: number): Promise<void> {
  if (hasBody(req) && !req.is('application/json')) throw problems.unsupportedMediaType();
  await new Promise<void>((resolve, reject) => json(req, res, (err?: unknown) => (err ? reject(bodyProblem(err, limit)) : resolve())));
}

/** The route's schemas applied to the path, the query and the body (422 with every problem at its path). */
function validateRequest(route: ApiRoute, req: Request) {
  refuseNul(req.query, 'query');
  refuseNul(req.body, 'body');
  return {
    params: route.request?.params ? parsePart(route.request.params, req.params, 'params') : req.params,
    query: route.request?.query ? parsePart(route.request.query, withoutEmpty(req.query), 'query') : {},
    body: route.request?.body ? parsePart(route.request.body, req.body, 'body') : undefined,
  };
}

/** API.md §3: null without a key; the stored answer to replay; or the claim this request now holds. */
async function claimIdempotencyKey(ctx: ServiceContext, token: ApiToken, req: Request): Promise<Claimed | { replay: ApiResult } | null> {
  const key = idempotencyKey(req);
  if (!key) return null;
  const claim = await claimKey(ctx.db, token.id, key, requestHash(req.method, req.path, req.body));
  if (claim.outcome === 'in_flight') throw problems.inFlight();
  if (claim.outcome === 'mismatch') throw problems.keyReused();
  if (claim.outcome === 'replay') {
    const { status, body, location } = claim.response;
    return { replay: { status, body, ...(location ? { location } : {}) } };
  }
  return { tokenId: token.id, key, stored: false };
}

/** The route's one transaction; a claimed key's response is stored in it. */
function transactor(ctx: ServiceContext, claim: Claimed | null): ApiCall<unknown, unknown, unknown>['transact'] {
  return (work) =>
    ctx.db.transaction(async (trx) => {
      const result = await work(trx);
      if (claim) {
        await storeResponse(trx, claim.tokenId, claim.key, responseOf(result));
        claim.stored = true;
      }
      return result;
    });
}

/**
 * PostgreSQL refuses NUL in text, and no field of ours means it: a request carrying one anywhere
 * (a value or a key, body or query) is refused as invalid at its path, before any route sees it.
 */
function refuseNul(value: unknown, part: 'body' | 'query'): void {
  const path = nulPath(value, []);
  if (path) throw problems.validation([{ path: issuePath(part, path), message: cs.api.validation.controlCharacters }]);
}

function nulPath(value: unknown, at: (string | number)[]): (string | number)[] | null {
  if (typeof value === 'string') return value.includes('\u0000') ? at : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], [...at, i]);
      if (found) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key.includes('\u0000')) return [...at, key];
      const found = nulPath(v, [...at, key]);
      if (found) return found;
    }
  }
  return null;
}

/** `?cursor=&state=` as clients write an absent value: an empty parameter is no parameter. */
function withoutEmpty(query: Request['query']): Record<string, unknown> {
  return Object.fromEntries(Object.entries(query ?? {}).filter(([, v]) => v !== ''));
}

function responseOf(result: ApiResult) {
  return { status: result.status, body: result.body, location: result.location ?? null };
}

function send(res: Response, result: ApiResult): void {
  if (result.location) res.setHeader('Location', result.location);
  if (result.download !== undefined) {
    res.attachment(result.download);
    res.setHeader('Cache-Control', 'private, no-store');
  }
  res.status(result.status);
  if (result.contentType && result.contentType !== 'application/json') res.type(result.contentType).send(result.body);
  else res.type('application/json').send(JSON.stringify(result.body));
}

async function authorise(ctx: ServiceContext, req: Request): Promise<ApiToken> {
  const presented = bearerToken(req.headers.authorization);
  const token = presented ? await authenticate(ctx.db, presented) : null;
  if (!token) throw problems.unauthorized(presented !== null);
  const rate = await countRequest(ctx.db, token.id);
  if (!rate.allowed) throw problems.rateLimited(API_RATE_LIMIT, rate.retryAfterSeconds);
  return token;
}

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
}

function idempotencyKey(req: Request): string | null {
  const key = req.get('Idempotency-Key');
  if (key === undefined) return null;
  if (key.length < 1 || key.length > IDEMPOTENCY_KEY_MAX) {
    throw problems.validation([{ path: 'Idempotency-Key', message: cs.api.validation.idempotencyKey(IDEMPOTENCY_KEY_MAX) }]);
  }
  return key;
}

/** body-parser's errors as problems: bad JSON 400, too large 413, a charset or encoding it cannot read 415. */
function bodyProblem(err: unknown, limit: number): ApiProblem {
  const type = (err as { type?: string }).type;
  if (type === 'entity.too.large') return problems.payloadTooLarge(limit);
  if (type === 'charset.unsupported' || type === 'encoding.unsupported') return problems.unsupportedMediaType();
  return problems.malformedJson();
}

function toProblem(err: unknown, route?: ApiRoute): ApiProblem {
  if (err instanceof ApiProblem) return err;
  if (err instanceof ValidationError) {
    const paths = route?.fieldPaths ?? {};
    return problems.validation(Object.entries(err.fields).map(([field, message]) => ({ path: paths[field] ?? `/${field}`, message })));
  }
  if (err instanceof NotFoundError || err instanceof ForbiddenError) return problems.notFound();
  if (err instanceof ConflictError) return problems.conflict(err.userMessage);
  // Express's own 400 here is a path it could not decode (%ZZ): no such address
  if ((err as { status?: number }).status === 400) return problems.routeNotFound();
  console.error(err);
  return problems.internal();
}
