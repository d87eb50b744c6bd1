import { OpenApiGeneratorV31, OpenAPIRegistry, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { cs } from '../i18n/cs.js';
import type { ApiRoute } from './route.js';
import { idempotencyHeaders, problemSchema } from './schemas/common.js';
import { z } from './zod.js';

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Poškozený JSON (druh problému malformed-json)',
  401: 'Chybějící, neznámý nebo zneplatněný token (unauthorized); s WWW-Authenticate: Bearer',
  404: 'Ve smlouvě tokenu není (not-found) — požadavek jiné smlouvy dostane přesně stejnou odpověď',
  409: 'Nejde se stavem požadavku (conflict), nebo první požadavek s tímto Idempotency-Key ještě běží (idempotency-in-flight)',
  413: 'Tělo nad limit (payload-too-large)',
  415: 'Tělo není application/json (unsupported-media-type)',
  422: 'Neplatný vstup s errors[] (validation), nebo byl Idempotency-Key použit s jiným požadavkem (idempotency-key-reused)',
  429: 'Přes 600 požadavků za minutu na tento token (rate-limited); s Retry-After',
  500: 'Neočekávaná chyba (internal)',
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
      ...(success.location ? { headers: z.object({ Location: z.string().openapi({ description: 'Založený záznam', example: '/api/v1/tickets/1042' }) }) } : {}),
      ...(success.schema ? { content: { [success.contentType ?? 'application/json']: { schema: success.schema } } } : {}),
    };
  }
  for (const status of problemStatuses(route)) {
    responses[status] = {
      description: PROBLEM_DESCRIPTIONS[status] ?? 'Problém',
      ...(status === 429 ? { headers: z.object({ 'Retry-After': z.string().openapi({ description: 'Kolik sekund počkat', example: '12' }) }) } : {}),
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
    description: 'Token API, který vydá administrátor pro jednu smlouvu (npm run token -- create …)',
  });
  registry.register('Problem', problemSchema);
  for (const route of routes) registry.registerPath(operation(route));
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: `${cs.app} – ${cs.api.docs.title}`,
      version: '1.0.0',
      description:
        'REST nad JSON pro monitorovací systémy a integrace (požadavky, jejich komunikace, příjem upozornění z Alertmanageru). ' +
        'Chyby jsou problem details podle RFC 9457 v češtině. POST přijímá Idempotency-Key. Token dosáhne jen na svou smlouvu.',
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'tickets', description: 'Požadavky smlouvy tokenu' },
      { name: 'messages', description: 'Komunikace požadavku, jak ji vidí zákazník' },
      { name: 'alertmanager', description: 'Příjemce upozornění z Prometheus Alertmanageru' },
      { name: 'documentation', description: 'Tento dokument a jeho stránka' },
    ],
    security: [{ bearerAuth: [] }],
  });
}
