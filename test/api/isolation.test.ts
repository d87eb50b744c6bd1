import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileFromBuffer } from '../../src/services/attachments.js';
import { createTicket } from '../../src/services/create-ticket.js';
import { apiCall, createTestToken } from '../support/api.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';

let tdb: TestDatabase;
let app: Express;
let world: World;
let tokenB: string;
let tokenA: string;
let ticketA: number;
let missing: number;
let fileA: number;

beforeAll(async () => {
  tdb = await freshDatabase();
  world = await seedWorld(tdb.db);
  app = buildApp(tdb).app;
  tokenA = await createTestToken(tdb.db, { contractId: world.contractA, paragraphId: world.paragraphs.A.incident, userId: world.users.alice.id });
  tokenB = await createTestToken(tdb.db, { contractId: world.contractB, paragraphId: world.paragraphs.B.incident, userId: world.users.bob.id });
  let files: { id: number }[];
  ({ number: ticketA, attachments: files } = await createTicket(
    tdb.ctx,
    world.users.alice,
    { contract_id: world.contractA, paragraph_id: world.paragraphs.A.incident, contact_phone: '+420777111222', subject: 'Tajné A', description: 'Jen pro A' },
    [fileFromBuffer('tajne.txt', 'text/plain', Buffer.from('tajné'))],
  ));
  fileA = files[0]!.id;
  missing = ticketA + 1000;
});
afterAll(() => tdb.drop());

/** Every endpoint that names a ticket, with the request it needs. */
const ENDPOINTS = (n: number) =>
  [
    ['GET', `/api/v1/tickets/${n}`, undefined],
    ['GET', `/api/v1/tickets/${n}/messages`, undefined],
    ['GET', `/api/v1/tickets/${n}/attachments/${fileA}`, undefined],
    ['POST', `/api/v1/tickets/${n}/messages`, { body: 'Zpráva odjinud' }],
  ] as const;

describe('tenant isolation on the API', () => {
  it('a token of contract B gets for every ticket of contract A exactly what it gets for a number that does not exist', async () => {
    for (const [i, [method, path, body]] of ENDPOINTS(ticketA).entries()) {
      const foreign = await apiCall(app, method, path, { token: tokenB, ...(body ? { body } : {}) });
      const [, missingPath] = ENDPOINTS(missing)[i]!;
      const absent = await apiCall(app, method, missingPath, { token: tokenB, ...(body ? { body } : {}) });
      expect(foreign.status, `${method} ${path}`).toBe(404);
      expect(absent.status).toBe(404);
      expect(foreign.text, `${method} ${path}`).toBe(absent.text);
      expect(foreign.headers['content-type']).toBe(absent.headers['content-type']);
      expect(foreign.headers['content-length']).toBe(absent.headers['content-length']);
    }
    // nothing was written to A's ticket
    expect(await tdb.db('ticket_messages').where({ ticket_number: ticketA })).toEqual([]);
  });

  it('the list of contract B never shows a ticket of contract A, whatever the filter', async () => {
    await apiCall(app, 'POST', '/api/v1/tickets', { token: tokenA, body: { subject: 'A s ext', description: 'x', external_id: 'SHARED-1' } });
    for (const query of ['', '?external_id=SHARED-1', '?state=new', '?limit=100']) {
      const res = await apiCall(app, 'GET', `/api/v1/tickets${query}`, { token: tokenB });
      expect(res.status).toBe(200);
      expect(res.body.items, query).toEqual([]);
    }
    const own = await apiCall(app, 'GET', '/api/v1/tickets?external_id=SHARED-1', { token: tokenA });
    expect(own.body.items.map((t: { external_id: string }) => t.external_id)).toEqual(['SHARED-1']);
  });

  it('a token of the same company but another contract does not reach the first contract’s tickets', async () => {
    const tokenA2 = await createTestToken(tdb.db, { contractId: world.contractA2, paragraphId: world.paragraphs.A2.incident, userId: world.users.alice.id });
    const res = await apiCall(app, 'GET', `/api/v1/tickets/${ticketA}`, { token: tokenA2 });
    expect(res.status).toBe(404);
    expect((await apiCall(app, 'GET', `/api/v1/tickets/${ticketA}`, { token: tokenA })).status).toBe(200);
  });

  it('revoked and unknown tokens get 401 on every endpoint', async () => {
    const revoked = await createTestToken(tdb.db, { contractId: world.contractA, paragraphId: world.paragraphs.A.incident, userId: world.users.alice.id, revoked: true });
    for (const t of [revoked, 'hdt_not-a-token']) {
      for (const [method, path, body] of [...ENDPOINTS(ticketA), ['GET', '/api/v1/tickets', undefined], ['POST', '/api/v1/tickets', { subject: 'x', description: 'y' }]] as const) {
        const res = await apiCall(app, method, path, { token: t, ...(body ? { body } : {}) });
        expect(res.status, `${method} ${path}`).toBe(401);
      }
    }
  });
});
