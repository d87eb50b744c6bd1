import type { RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { Request } from 'express';
import type { z } from 'zod';
import type { ApiToken } from '../services/api/authenticate.js';
import type { ServiceContext, Tx } from '../services/context.js';
import type { Reads } from '../services/reads/pools.js';

/** What a route answers when it succeeds (errors are thrown: ApiProblem or the services' errors). */
export interface ApiResult {
  status: number;
  body: unknown;
  /** the Location header (a created resource) */
  location?: string;
  /** default application/json */
  contentType?: string;
  /** a download: the file's name for Content-Disposition: attachment (the body a Buffer) */
  download?: string;
}

/** Everything a route's handler gets: the validated request and the token's scope. */
export interface ApiCall<P, Q, B> {
  req: Request;
  ctx: ServiceContext;
  pools: Reads;
  params: P;
  query: Q;
  body: B;
  /** the caller's token (routes with auth 'none' never run `handle` with it missing: it is null there) */
  token: ApiToken;
  /**
   * Runs the route's writes in one transaction; for a POST with an Idempotency-Key the result
   * is stored as the key's response in that same transaction.
   */
  transact(work: (trx: Tx) => Promise<ApiResult>): Promise<ApiResult>;
  /** the OpenAPI document of the router's routes (built once, on first use) */
  document(): unknown;
}

/** What the document says of a success response. */
export interface ApiSuccess {
  description: string;
  schema?: z.ZodTypeAny;
  contentType?: string;
  /** a Location header comes with it */
  location?: boolean;
}

/**
 * One endpoint: its method and path (OpenAPI's `{param}` form), the zod schemas that validate
 * its request and describe its responses, the problem statuses it can answer beyond the ones
 * every route shares, and its handler. The router and the OpenAPI document are both built from
 * the list in routes/index.ts, so the two cannot drift.
 */
export interface ApiRoute<P = unknown, Q = unknown, B = unknown> {
  method: 'get' | 'post';
  path: `/api/v1/${string}`;
  /** 'token': Authorization: Bearer (401, 429 and the rate limit); 'none': public (the document and its page) */
  auth: 'token' | 'none';
  summary: string;
  description?: string;
  tags: string[];
  operationId: string;
  request?: {
    params?: z.ZodType<P, z.ZodTypeDef, any>;
    query?: z.ZodType<Q, z.ZodTypeDef, any>;
    body?: z.ZodType<B, z.ZodTypeDef, any>;
    /** the body's example in the document */
    bodyExample?: unknown;
  };
  responses: Record<number, ApiSuccess>;
  /** statuses this route answers with a problem besides the shared ones (e.g. 404, 409) */
  problems?: number[];
  /** the services' ValidationError fields → the request's paths (paragraph_id → /paragraph) */
  fieldPaths?: Record<string, string>;
  /** anything else the document should say of the operation (RouteConfig's remaining fields) */
  openapi?: Partial<Pick<RouteConfig, 'deprecated' | 'externalDocs'>>;
  handle(call: ApiCall<P, Q, B>): Promise<ApiResult>;
}

/** Keeps a route's type parameters when it goes into the untyped list. */
export function defineRoute<P, Q, B>(route: ApiRoute<P, Q, B>): ApiRoute {
  return route as unknown as ApiRoute;
}

/** `/api/v1/tickets/{number}` → `/api/v1/tickets/:number` (Express's form). */
export const expressPath = (path: string): string => path.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ':$1');
