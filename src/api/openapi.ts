import { OpenApiGeneratorV31, OpenAPIRegistry, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { cs } from '../i18n/cs.js';
import type { ApiRoute } from './route.js';
import { idempotencyHeaders, problemSchema } from './schemas/common.js';
import { z } from './zod.js';

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed JSON (problem type malformed-json)',
  401: 'Missing, unknown or revoked token (unauthorized); with WWW-Authenticate: Bearer',
  404: 'No such ticket in the token’s contract — a ticket of another contract is answered exactly the same (not-found)',
  409: 'Conflicts with the ticket’s state (conflict), or the first request with this Idempotency-Key is still in flight (idempotency-in-flight)',
  413: 'Body over the limit (payload-too-large)',
  415: 'Body not application/json (unsupported-media-type)',
  422: 'Invalid input with errors[] (validation), or the Idempotency-Key was used with another request (idempotency-key-reused)',
  429: 'Over 600 requests a minute for this token (rate-limited); with Retry-After',
  500: 'Unexpected error (internal)',
};

/** The problem statuses a route can answer: what every route shares by its kind, and its own. */
export function problemStatuses(route: ApiRoute): number[] {
  const statuses = new Set<number>([500, ...(route.problems ?? [])]);
  if (route.auth === 'token') [401, 429].forEach((s) => statuses.add(s));
  if (route.method === 'post') [400, 413, 415, 422].forEach((s) => statuses.add(s));
  if (route.method === 'post' && route.auth === 'token') statuses.add(409);
  if (route.request?.query || route.request?.params || route.request?.body) statuses.add(422);
  return [...statuses].sort((a, b) => a - b);
}

function operation(route: ApiRoute): RouteConfig {
  const responses: Record<number, ResponseConfig> = {};
  for (const [status, success] of Object.entries(route.responses)) {
    responses[Number(status)] = {
      description: success.description,
      ...(success.location ? { headers: z.object({ Location: z.string().openapi({ description: 'The created resource', example: '/api/v1/tickets/1042' }) }) } : {}),
      ...(success.schema ? { content: { [success.contentType ?? 'application/json']: { schema: success.schema } } } : {}),
    };
  }
  for (const status of problemStatuses(route)) {
    responses[status] = {
      description: PROBLEM_DESCRIPTIONS[status] ?? 'Problem',
      ...(status === 429 ? { headers: z.object({ 'Retry-After': z.string().openapi({ description: 'Seconds to wait', example: '12' }) }) } : {}),
      ...(status === 401 ? { headers: z.object({ 'WWW-Authenticate': z.string().openapi({ example: 'Bearer realm="helpdesk.tech"' }) }) } : {}),
      content: { 'application/problem+json': { schema: problemSchema } },
    };
  }
  const request: RouteConfig['request'] = {};
  if (route.request?.params) request.params = route.request.params as never;
  if (route.request?.query) request.query = route.request.query as never;
  if (route.method === 'post' && route.auth === 'token') request.headers = idempotencyHeaders;
  if (route.request?.body) {
    request.body = {
      required: true,
      content: { 'application/json': { schema: route.request.body as never, ...(route.request.bodyExample ? { example: route.request.bodyExample } : {}) } },
    };
  }
  return {
    method: route.method,
    path: route.path,
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: route.tags,
    security: route.auth === 'token' ? [{ bearerAuth: [] }] : [],
    request,
    responses,
    ...route.openapi,
  };
}

/** The OpenAPI 3.1 document of the routes, generated from the same zod schemas that validate their requests. */
export function openApiDocument(routes: readonly ApiRoute[]) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API token issued by an administrator for one contract (npm run token -- create …)',
  });
  registry.register('Problem', problemSchema);
  for (const route of routes) registry.registerPath(operation(route));
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: `${cs.app} – ${cs.api.docs.title}`,
      version: '1.0.0',
      description:
        'REST over JSON for monitoring systems and integrations (tickets, their conversation, an Alertmanager receiver). ' +
        'Errors are RFC 9457 problem details in Czech. POST accepts Idempotency-Key. A token reaches only its own contract.',
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'tickets', description: 'Tickets of the token’s contract' },
      { name: 'messages', description: 'A ticket’s conversation as the customer sees it' },
      { name: 'alertmanager', description: 'The Prometheus Alertmanager receiver' },
      { name: 'documentation', description: 'This document and its page' },
    ],
    security: [{ bearerAuth: [] }],
  });
}
