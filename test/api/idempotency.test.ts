import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanUpExpired } from '../../src/services/cleanup.js';
import { apiCall, apiWorld, createTestToken } from '../support/api.js';
import type { TestDatabase } from '../support/db.js';
import type { World } from '../support/world.js';

let tdb: TestDatabase;
let app: Express;
let world: World;
let token: string;
let close: () => Promise<void>;
let tokenId: number;

beforeAll(async () => {
  ({ tdb, app, world, token, close } = await apiWorld({ tokenName: 'idem' }));
  tokenId = Number((await tdb.db('api_tokens').where({ name: 'idem' }).first('id')).id);
});
afterAll(() => close());

const post = (key: string, body: Record<string, unknown>) => apiCall(app, 'POST', '/api/v1/tickets', { token, body, headers: { 'Idempotency-Key': key } });
const ticketsWith = async (subject: string) => Number((await tdb.db('tickets').where({ subject }).count('* as n').first())?.n);

describe('Idempotency-Key', () => {
  it('20 concurrent creates with one key make exactly one ticket; every answer is that ticket or 409 in flight', async () => {
    const body = { subject: 'Souběžně', description: 'dvacetkrát' };
    const answers = await Promise.all(Array.from({ length: 20 }, () => post('burst-1', body)));
    expect(await ticketsWith('Souběžně')).toBe(1);
    const number = Number((await tdb.db('tickets').where({ subject: 'Souběžně' }).first('number')).number);
    for (const res of answers) {
      expect([201, 409]).toContain(res.status);
      if (res.status === 201) {
        expect(res.body.number).toBe(number);
        expect(res.headers.location).toBe(`/api/v1/tickets/${number}`);
      } else expect(res.body.type).toBe('https://helpdesk.tech/problems/idempotency-in-flight');
    }
    expect(answers.filter((r) => r.status === 201).length).toBeGreaterThanOrEqual(1);
    // once finished, a retry replays the stored answer: same status, body and Location
    const replay = await post('burst-1', body);
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.headers.location).toBe(`/api/v1/tickets/${number}`);
    expect(replay.body).toEqual(answers.find((r) => r.status === 201)!.body);
    expect(await ticketsWith('Souběžně')).toBe(1);
  });

  it('the same key with another body: 422 idempotency-key-reused, nothing created', async () => {
    expect((await post('reuse-1', { subject: 'První', description: 'x' })).status).toBe(201);
    const res = await post('reuse-1', { subject: 'Druhý', description: 'x' });
    expect(res.status).toBe(422);
    expect(res.body.type).toBe('https://helpdesk.tech/problems/idempotency-key-reused');
    expect(await ticketsWith('Druhý')).toBe(0);
  });

  it('a retry while the first request is in flight: 409', async () => {
    const body = { subject: 'Letí', description: 'x' };
    const { requestHash } = await import('../../src/services/api/idempotency.js');
    await tdb.db('api_idempotency').insert({ token_id: tokenId, key: 'flight-1', request_hash: requestHash('POST', '/api/v1/tickets', body) });
    const res = await post('flight-1', body);
    expect(res.status).toBe(409);
    expect(res.body.type).toBe('https://helpdesk.tech/problems/idempotency-in-flight');
    expect(res.headers['retry-after']).toBe('1');
    expect(await ticketsWith('Letí')).toBe(0);
  });

  it('a claim left without an answer for five minutes (its process died) no longer blocks the retry', async () => {
    const body = { subject: 'Opuštěný', description: 'x' };
    const { requestHash } = await import('../../src/services/api/idempotency.js');
    await tdb.db('api_idempotency').insert({ token_id: tokenId, key: 'dead-1', request_hash: requestHash('POST', '/api/v1/tickets', body), created_at: tdb.db.raw(`now() - interval '6 minutes'`) });
    const res = await post('dead-1', body);
    expect(res.status).toBe(201);
    expect(await ticketsWith('Opuštěný')).toBe(1);
    expect((await tdb.db('api_idempotency').where({ token_id: tokenId, key: 'dead-1' }).first()).status).toBe(201);
  });

  it('a failed request gives its key up: the corrected retry with the same key runs', async () => {
    const bad = await post('fix-1', { subject: 'Opraveno', description: 'x', paragraph: 'NOPE' });
    expect(bad.status).toBe(422);
    expect(await tdb.db('api_idempotency').where({ token_id: tokenId, key: 'fix-1' })).toEqual([]);
  });

  it('keys are per token, stored with the response in the use case’s transaction, and pruned after 24 hours', async () => {
    const other = await createTestToken(tdb.db, { contractId: world.contractA, paragraphId: world.paragraphs.A.incident, userId: world.users.alice.id });
    const body = { subject: 'Dva tokeny', description: 'x' };
    expect((await post('shared-key', body)).status).toBe(201);
    expect((await apiCall(app, 'POST', '/api/v1/tickets', { token: other, body, headers: { 'Idempotency-Key': 'shared-key' } })).status).toBe(201);
    expect(await ticketsWith('Dva tokeny')).toBe(2);
    const row = await tdb.db('api_idempotency').where({ token_id: tokenId, key: 'shared-key' }).first();
    expect(row.status).toBe(201);
    expect(row.response.subject).toBe('Dva tokeny');
    await tdb.db('api_idempotency').where({ token_id: tokenId, key: 'shared-key' }).update({ created_at: tdb.db.raw(`now() - interval '25 hours'`) });
    expect((await cleanUpExpired(tdb.db)).idempotencyKeys).toBe(1);
    expect(await tdb.db('api_idempotency').where({ token_id: tokenId, key: 'shared-key' })).toEqual([]);
  });

  it('a key over 255 characters: 422 at Idempotency-Key', async () => {
    const res = await post('k'.repeat(256), { subject: 'Dlouhý klíč', description: 'x' });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].path).toBe('Idempotency-Key');
  });

  it('works for messages too: a retried message is added once', async () => {
    const created = await post('msg-ticket', { subject: 'Zprávy', description: 'x' });
    const n = created.body.number as number;
    const send = () => apiCall(app, 'POST', `/api/v1/tickets/${n}/messages`, { token, body: { body: 'Jednou' }, headers: { 'Idempotency-Key': 'msg-1' } });
    const [a, b] = [await send(), await send()];
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body).toEqual(a.body);
    expect(await tdb.db('ticket_messages').where({ ticket_number: n, body: 'Jednou' })).toHaveLength(1);
  });
});
