import SwaggerParser from '@apidevtools/swagger-parser';
import express, { type Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expressPath } from '../../src/api/route.js';
import { apiRouter } from '../../src/api/router.js';
import { apiCall, apiWorld, apiDocument } from '../support/api.js';
import type { TestDatabase } from '../support/db.js';
import { routesOf } from '../support/routes.js';
import type { World } from '../support/world.js';

let tdb: TestDatabase;
let app: Express;
let world: World;
let token: string;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ tdb, app, world, token, close } = await apiWorld());
});
afterAll(() => close());

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document (swagger-parser)', async () => {
    const copy = JSON.parse(JSON.stringify(apiDocument));
    const api = await SwaggerParser.validate(copy);
    expect((api as { openapi?: string }).openapi).toBe('3.1.0');
    expect(Object.keys(api.paths ?? {})).toContain('/api/v1/tickets/{number}');
  });

  it('is served at /api/v1/openapi.json without a token, as generated', async () => {
    const res = await apiCall(app, 'GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.body).toEqual(JSON.parse(JSON.stringify(apiDocument)));
    expect(res.body.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('documents every /api route of the router, and the router serves every documented operation', () => {
    // the API's router alone: other channels' routes are theirs to check
    const only = express();
    only.use(apiRouter(tdb.ctx));
    const served = routesOf(only)
      .filter((r) => r.path.startsWith('/api/'))
      .filter((r) => r.method !== 'HEAD')
      .map((r) => `${r.method} ${r.path}`)
      .sort();
    const documented = Object.entries(apiDocument.paths ?? {})
      .flatMap(([path, item]) => Object.keys(item as object).map((m) => `${m.toUpperCase()} ${expressPath(path)}`))
      .sort();
    expect(served.length).toBeGreaterThan(3);
    expect(served).toEqual(documented);
  });

  it('lists for each operation a problem response for every status it can answer', () => {
    const op = (apiDocument.paths?.['/api/v1/tickets/{number}'] as Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>).get!;
    for (const status of ['401', '404', '422', '429', '500']) {
      expect(Object.keys(op.responses[status]?.content ?? {})).toEqual(['application/problem+json']);
    }
  });

  it('is rendered for people at /api/v1/docs from the document, without any other origin', async () => {
    const res = await apiCall(app, 'GET', '/api/v1/docs');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('<html lang="cs">');
    for (const path of Object.keys(apiDocument.paths ?? {})) expect(res.text).toContain(path);
    expect(res.text).not.toMatch(/https?:\/\/(?!helpdesk\.tech\/problems)/);
    expect(res.text).not.toContain('<script');
  });
});

describe('a ticket through the API', () => {
  it('answers a missing number with a 404 problem in Czech', async () => {
    const res = await apiCall(app, 'GET', '/api/v1/tickets/99999999', { token });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ type: 'https://helpdesk.tech/problems/not-found', status: 404, title: 'Nenalezeno' });
  });
});
