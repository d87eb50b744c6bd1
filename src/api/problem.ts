import type { Response } from 'express';
import { cs } from '../i18n/cs.js';

/**
 * RFC 9457 problem details: every error under /api is one of these, in Czech, with a stable
 * `type` URI per kind (documented in the OpenAPI document and docs/api.md).
 */
export const PROBLEM_BASE = 'https://helpdesk.tech/problems/';

export type ProblemKind =
  | 'malformed-json'
  | 'validation'
  | 'unsupported-media-type'
  | 'payload-too-large'
  | 'not-found'
  | 'unauthorized'
  | 'conflict'
  | 'idempotency-in-flight'
  | 'idempotency-key-reused'
  | 'rate-limited'
  | 'internal';

export interface FieldProblem {
  /** where in the request: a JSON Pointer into the body (`/attachments/0/name`), or a query parameter's or header's name */
  path: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldProblem[];
}

/** An answer the API gives instead of the route's result; thrown anywhere under /api. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly kind: ProblemKind,
    readonly title: string,
    readonly detail: string,
    readonly extra: { errors?: FieldProblem[]; headers?: Record<string, string> } = {},
  ) {
    super(`${status} ${kind}: ${detail}`);
  }

  get body(): ProblemBody {
    return {
      type: PROBLEM_BASE + this.kind,
      title: this.title,
      status: this.status,
      detail: this.detail,
      ...(this.extra.errors ? { errors: this.extra.errors } : {}),
    };
  }
}

const p = cs.api.problems;

export const problems = {
  malformedJson: () => new ApiProblem(400, 'malformed-json', p.malformedJson.title, p.malformedJson.detail),
  validation: (errors: FieldProblem[]) => new ApiProblem(422, 'validation', p.validation.title, p.validation.detail, { errors }),
  unsupportedMediaType: () => new ApiProblem(415, 'unsupported-media-type', p.unsupportedMediaType.title, p.unsupportedMediaType.detail),
  payloadTooLarge: (limitBytes: number) =>
    new ApiProblem(413, 'payload-too-large', p.payloadTooLarge.title, p.payloadTooLarge.detail(Math.round((limitBytes / 1024 / 1024) * 10) / 10)),
  /** the same for a number that does not exist and one of another contract */
  notFound: () => new ApiProblem(404, 'not-found', p.notFound.title, p.notFound.detail),
  routeNotFound: () => new ApiProblem(404, 'not-found', p.routeNotFound.title, p.routeNotFound.detail),
  /** RFC 6750 §3: a token that was sent but is not (or no longer) valid is `invalid_token` */
  unauthorized: (presented = false) =>
    new ApiProblem(401, 'unauthorized', p.unauthorized.title, p.unauthorized.detail, {
      headers: { 'WWW-Authenticate': presented ? 'Bearer realm="helpdesk.tech", error="invalid_token"' : 'Bearer realm="helpdesk.tech"' },
    }),
  conflict: (detail: string) => new ApiProblem(409, 'conflict', p.conflict.title, detail),
  inFlight: () => new ApiProblem(409, 'idempotency-in-flight', p.inFlight.title, p.inFlight.detail, { headers: { 'Retry-After': '1' } }),
  keyReused: () => new ApiProblem(422, 'idempotency-key-reused', p.keyReused.title, p.keyReused.detail),
  rateLimited: (limit: number, retryAfterSeconds: number) =>
    new ApiProblem(429, 'rate-limited', p.rateLimited.title, p.rateLimited.detail(limit, retryAfterSeconds), { headers: { 'Retry-After': String(retryAfterSeconds) } }),
  internal: () => new ApiProblem(500, 'internal', p.internal.title, p.internal.detail),
};

export const PROBLEM_TYPE = 'application/problem+json';

export function sendProblem(res: Response, problem: ApiProblem): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  for (const [name, value] of Object.entries(problem.extra.headers ?? {})) res.setHeader(name, value);
  res.status(problem.status).type(PROBLEM_TYPE).send(JSON.stringify(problem.body));
}
