import { randomBytes } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Express } from 'express';
import request from 'supertest';
import { expect } from 'vitest';
import { openApiDocument } from '../../src/api/openapi.js';
import { apiRoutes } from '../../src/api/routes/index.js';
import type { Db } from '../../src/db/knex.js';
import { tokenHash } from '../../src/services/api/authenticate.js';
import { freshDatabase, type TestDatabase } from './db.js';
import { buildApp } from './web.js';
import { seedWorld, type World } from './world.js';

/**
 * The API tests' helpers: tokens straight in the table (the admin's createApiToken does the
 * same with an audit), and a client whose every response is checked against the OpenAPI
 * document: the status is documented for that operation, the body matches the schema, and
 * errors are problem+json.
 */

export interface TokenSpec {
  contractId: number;
  paragraphId: number;
  userId: number;
  name?: string;
  revoked?: boolean;
}

/** A token row for the contract; returns the token as its holder sends it. */
export async function createTestToken(db: Db, spec: TokenSpec): Promise<string> {
  const token = `hdt_${randomBytes(32).toString('base64url')}`;
  await db('api_tokens').insert({
    contract_id: spec.contractId,
    paragraph_id: spec.paragraphId,
    user_id: spec.userId,
    name: spec.name ?? `test-${randomBytes(3).toString('hex')}`,
    token_hash: tokenHash(token),
    ...(spec.revoked ? { revoked_at: db.fn.now() } : {}),
  });
  return token;
}

type OpenApiDocument = ReturnType<typeof openApiDocument>;
/** A test file's API world: a fresh database with seedWorld, the app, and a token of contract A reporting as alice. */
export interface ApiWorld {
  tdb: TestDatabase;
  app: Express;
  world: World;
  token: string;
  /** ends the app's pools and drops the database */
  close(): Promise<void>;
}

export async function apiWorld(opts: { env?: Record<string, string>; tokenName?: string } = {}): Promise<ApiWorld> {
  const tdb = await freshDatabase(opts.env);
  const world = await seedWorld(tdb.db);
  const web = buildApp(tdb, opts.env);
  const token = await createTestToken(tdb.db, {
    contractId: world.contractA,
    paragraphId: world.paragraphs.A.incident,
    userId: world.users.alice.id,
    ...(opts.tokenName ? { name: opts.tokenName } : {}),
  });
  return { tdb, app: web.app, world, token, close: async () => {
    await web.close();
    await tdb.drop();
  } };
}

export const apiDocument: OpenApiDocument = openApiDocument(apiRoutes);

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(JSON.parse(JSON.stringify(apiDocument)) as object, 'openapi.json');

const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/** The document's path template that a concrete path matches (`/api/v1/tickets/12` → `/api/v1/tickets/{number}`). */
export function documentedPath(path: string): string | null {
  const bare = path.split('?')[0]!;
  for (const template of Object.keys(apiDocument.paths ?? {})) {
    const re = new RegExp('^' + template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+').replace(/\{[^}]+\}/g, '[^/]+') + '$');
    if (re.test(bare)) return template;
  }
  return null;
}

/** Every response the suite receives passes here. */
export function checkAgainstDocument(method: string, path: string, res: request.Response): void {
  const type = String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
  const template = documentedPath(path);
  const operation = template ? (apiDocument.paths?.[template] as Record<string, { responses?: Record<string, unknown> }> | undefined)?.[method.toLowerCase()] : undefined;
  if (!operation) {
    // not an operation of the document: only a problem may answer it
    expect(res.status, `${method} ${path} is not documented, so it must be a 404 problem`).toBe(404);
    expect(type).toBe('application/problem+json');
    validate({ $ref: 'openapi.json#/components/schemas/Problem' }, res.body, `${method} ${path} ${res.status}`);
    return;
  }
  const documented = operation.responses?.[String(res.status)] as { content?: Record<string, unknown> } | undefined;
  expect(documented, `${method} ${template} answered ${res.status}, which the document does not list`).toBeDefined();
  if (res.status >= 400) expect(type, `${method} ${path} ${res.status}: a problem`).toBe('application/problem+json');
  if (!documented?.content) return;
  expect(Object.keys(documented.content), `${method} ${template} ${res.status} answered ${type}`).toContain(type);
  const pointer = `openapi.json#/paths/${escapePointer(template!)}/${method.toLowerCase()}/responses/${res.status}/content/${escapePointer(type)}/schema`;
  // a download's bytes (apiCall's `binary`) are a string of the document's format binary
  const body = type.endsWith('json') ? (res.body as unknown) : Buffer.isBuffer(res.body) ? res.body.toString('latin1') : res.text;
  validate({ $ref: pointer }, body, `${method} ${path} ${res.status}`);
}

const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
function validate(schema: { $ref: string }, body: unknown, what: string): void {
  let check = compiled.get(schema.$ref);
  if (!check) compiled.set(schema.$ref, (check = ajv.compile(schema)));
  const ok = check(body);
  expect(ok, `${what}: body does not match the document: ${ajv.errorsText(check.errors)}\n${JSON.stringify(body).slice(0, 500)}`).toBe(true);
}

export interface CallOptions {
  token?: string | null;
  body?: unknown;
  /** sent as is (malformed JSON, another content type) */
  raw?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  /** the response's body as a Buffer of its bytes (a download) */
  binary?: boolean;
}

/** One request to the API, its response checked against the document before the test sees it. */
export async function apiCall(app: Express, method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH', path: string, opts: CallOptions = {}): Promise<request.Response> {
  let req = request(app)[method.toLowerCase() as 'get'](path);
  if (opts.token) req = req.set('Authorization', `Bearer ${opts.token}`);
  for (const [k, v] of Object.entries(opts.headers ?? {})) req = req.set(k, v);
  if (opts.raw !== undefined) req = req.set('Content-Type', opts.contentType ?? 'application/json').send(opts.raw);
  else if (opts.body !== undefined) req = req.set('Content-Type', opts.contentType ?? 'application/json').send(JSON.stringify(opts.body));
  if (opts.binary) {
    req = req.buffer(true).parse((response, done) => {
      const parts: Buffer[] = [];
      response.on('data', (part: Buffer) => parts.push(part));
      response.on('end', () => done(null, Buffer.concat(parts)));
    });
  }
  const res = await req;
  checkAgainstDocument(method, path, res);
  return res;
}
