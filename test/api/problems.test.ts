import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cs } from '../../src/i18n/cs.js';
import { BODY_CEILING_BYTES, bodyLimitBytes } from '../../src/api/router.js';
import { API_RATE_LIMIT } from '../../src/services/api/authenticate.js';
import { consume } from '../../src/services/rate-counters.js';
import { apiCall, apiWorld, createTestToken } from '../support/api.js';
import type { TestDatabase } from '../support/db.js';
import type { World } from '../support/world.js';

// small attachment limits, so the body limit (attachments × 4/3 plus the text allowance) is small enough to pass in a test
const ENV = { ATTACHMENT_MAX_BYTES: '1024', ATTACHMENT_MAX_FILES: '2' };
let tdb: TestDatabase;
let app: Express;
let world: World;
let token: string;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ tdb, app, world, token, close } = await apiWorld({ env: ENV }));
});
afterAll(() => close());

const PROBLEM = 'https://helpdesk.tech/problems/';

describe('problem details on every error under /api', () => {
  it('malformed JSON: 400 malformed-json, no stack trace', async () => {
    const res = await apiCall(app, 'POST', '/api/v1/tickets', { token, raw: '{"subject": "x",' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ type: `${PROBLEM}malformed-json`, title: cs.api.problems.malformedJson.title, status: 400, detail: cs.api.problems.malformedJson.detail });
    expect(res.text).not.toMatch(/at \w+ \(|SyntaxError|node_modules/);
  });

  it('another content type: 415, also for a form and for JSON without the header', async () => {
    for (const contentType of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
      const res = await apiCall(app, 'POST', '/api/v1/tickets', { token, raw: 'subject=x&description=y', contentType });
      expect(res.status, contentType).toBe(415);
      expect(res.body.type).toBe(`${PROBLEM}unsupported-media-type`);
    }
    expect(Number((await tdb.db('tickets').count('* as n').first())?.n)).toBe(0);
  });

  it('a body over the limit: 413, before anything is stored', async () => {
    const limit = bodyLimitBytes(tdb.ctx);
    expect(limit).toBe(Math.ceil((1024 * 2 * 4) / 3) + 1024 * 1024);
    // the defaults (10 files of 20 MiB) would allow 268 MB held in memory: the ceiling bounds them
    expect(bodyLimitBytes({ ...tdb.ctx, limits: { ...tdb.ctx.limits, maxBytes: 20 * 1024 * 1024, maxFiles: 10 } })).toBe(BODY_CEILING_BYTES);
    const res = await apiCall(app, 'POST', '/api/v1/tickets', { token, body: { subject: 'x', description: 'y'.repeat(limit) } });
    expect(res.status).toBe(413);
    expect(res.body.type).toBe(`${PROBLEM}payload-too-large`);
  });

  it('attachments over the installation’s limits: 422 at /attachments', async () => {
    const big = Buffer.alloc(1025, 1).toString('base64');
    const res = await apiCall(app, 'POST', '/api/v1/tickets', { token, body: { subject: 'x', description: 'y', attachments: [{ name: 'a.bin', content_type: 'application/octet-stream', content_base64: big }] } });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ path: '/attachments', message: cs.errors.fileTooLarge(0) }]);
  });

  it('unknown routes and methods under /api: 404 problem JSON, never the portal’s HTML', async () => {
    for (const [method, path] of [['GET', '/api/v1/nothing'], ['GET', '/api'], ['GET', '/api/v2/tickets'], ['DELETE', '/api/v1/tickets/1'], ['PUT', '/api/v1/tickets']] as const) {
      const res = await apiCall(app, method, path, { token });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body).toMatchObject({ type: `${PROBLEM}not-found`, status: 404, detail: cs.api.problems.routeNotFound.detail });
      expect(res.text).not.toContain('<html');
    }
  });

  it('a path Express cannot decode, a charset it cannot read, no body at all: problems, never a 500', async () => {
    const bad = await apiCall(app, 'GET', '/api/v1/tickets/%E0%A4%A', { token });
    expect(bad.status).toBe(404);
    expect(bad.body.type).toBe(`${PROBLEM}not-found`);
    const latin = await apiCall(app, 'POST', '/api/v1/tickets', { token, raw: '{"subject":"x","description":"y"}', contentType: 'application/json; charset=iso-8859-2' });
    expect(latin.status).toBe(415);
    const empty = await apiCall(app, 'POST', '/api/v1/tickets', { token });
    expect(empty.status).toBe(422);
    expect(empty.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['/description', '/subject']);
  });

  it('no cookies, no CSRF, no CORS on /api', async () => {
    const res = await apiCall(app, 'POST', '/api/v1/tickets', { token, body: { subject: 'Bez cookies', description: 'x' }, headers: { Origin: 'https://evil.example' } });
    expect(res.status).toBe(201);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('authentication', () => {
  it('no token, a malformed header, an unknown token: 401 with WWW-Authenticate: Bearer', async () => {
    for (const headers of [{}, { Authorization: 'Basic YTpi' }, { Authorization: 'Bearer' }, { Authorization: 'Bearer hdt_unknown' }] as Record<string, string>[]) {
      const res = await apiCall(app, 'GET', '/api/v1/tickets', { headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.body.type).toBe(`${PROBLEM}unauthorized`);
    }
    // RFC 6750: a token sent but not valid says so
    const sent = await apiCall(app, 'GET', '/api/v1/tickets', { token: 'hdt_unknown' });
    expect(sent.headers['www-authenticate']).toBe('Bearer realm="helpdesk.tech", error="invalid_token"');
  });

  it('a revoked token, a token of a deactivated contract: 401', async () => {
    const revoked = await createTestToken(tdb.db, { contractId: world.contractA, paragraphId: world.paragraphs.A.incident, userId: world.users.alice.id, revoked: true });
    expect((await apiCall(app, 'GET', '/api/v1/tickets', { token: revoked })).status).toBe(401);
    const a2 = await createTestToken(tdb.db, { contractId: world.contractA2, paragraphId: world.paragraphs.A2.incident, userId: world.users.alice.id });
    expect((await apiCall(app, 'GET', '/api/v1/tickets', { token: a2 })).status).toBe(200);
    await tdb.db('contracts').where({ id: world.contractA2 }).update({ active: false });
    expect((await apiCall(app, 'GET', '/api/v1/tickets', { token: a2 })).status).toBe(401);
    await tdb.db('contracts').where({ id: world.contractA2 }).update({ active: true });
  });

  it('marks the token used at most once a minute', async () => {
    const fresh = await createTestToken(tdb.db, { contractId: world.contractA, paragraphId: world.paragraphs.A.incident, userId: world.users.alice.id, name: 'last-used' });
    await apiCall(app, 'GET', '/api/v1/tickets', { token: fresh });
    const first = (await tdb.db('api_tokens').where({ name: 'last-used' }).first()).last_used_at as Date;
    expect(first).toBeInstanceOf(Date);
    await apiCall(app, 'GET', '/api/v1/tickets', { token: fresh });
    expect(((await tdb.db('api_tokens').where({ name: 'last-used' }).first()).last_used_at as Date).getTime()).toBe(first.getTime());
  });

  it('over 600 requests a minute per token: 429 with Retry-After, counted in PostgreSQL', async () => {
    const limited = await createTestToken(tdb.db, { contractId: world.contractA, paragraphId: world.paragraphs.A.incident, userId: world.users.alice.id, name: 'limited' });
    const { id } = await tdb.db('api_tokens').where({ name: 'limited' }).first('id');
    // the window already holds what other processes counted
    await consume(tdb.db, `api:token:${id}`, API_RATE_LIMIT - 1, 60);
    expect((await apiCall(app, 'GET', '/api/v1/tickets', { token: limited })).status).toBe(200);
    const res = await apiCall(app, 'GET', '/api/v1/tickets', { token: limited });
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(res.body.type).toBe(`${PROBLEM}rate-limited`);
    // another token is not affected
    expect((await apiCall(app, 'GET', '/api/v1/tickets', { token })).status).toBe(200);
  });
});
