import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cs } from '../../src/i18n/cs.js';
import { addMessage } from '../../src/services/conversation.js';
import { acceptTicket, resolveTicket } from '../../src/services/transitions.js';
import { apiCall, apiWorld } from '../support/api.js';
import type { TestDatabase } from '../support/db.js';
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

const create = (subject: string, extra: Record<string, unknown> = {}) => apiCall(app, 'POST', '/api/v1/tickets', { token, body: { subject, description: 'x', ...extra } });
const list = (query: string) => apiCall(app, 'GET', `/api/v1/tickets${query}`, { token });

describe('GET /api/v1/tickets', () => {
  it('pages newest first with no duplicate and no gap while tickets are created between pages', async () => {
    const before: number[] = [];
    // several in one transaction-time instant would tie on created_at: the number breaks the tie
    for (let i = 0; i < 23; i++) before.push((await create(`před ${i}`)).body.number);
    await tdb.db('tickets').whereIn('number', before.slice(0, 6)).update({ created_at: tdb.db.raw(`'2026-11-01T10:00:00.123456Z'::timestamptz`) });
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await list(`?limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(5);
      seen.push(...res.body.items.map((t: { number: number }) => t.number));
      cursor = res.body.next_cursor;
      pages++;
      // others keep reporting while we page
      await create(`během ${pages}`);
      await create(`během ${pages}b`);
    } while (cursor);
    expect(pages).toBe(5);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort((a, b) => a - b)).toEqual([...before].sort((a, b) => a - b));
    // newest first: the six back-dated ones come last, by number descending among equals
    expect(seen.slice(-6)).toEqual(before.slice(0, 6).reverse());
  });

  it('filters by state, external_id and updated_since; limit defaults to 50 and is 1–100', async () => {
    const a = await create('filtr A', { external_id: 'EXT-A' });
    await create('filtr B', { external_id: 'EXT-B' });
    await acceptTicket(tdb.ctx, world.users.agent, a.body.number, {});
    await resolveTicket(tdb.ctx, world.users.agent, a.body.number, { resolution: 'Hotovo' });
    expect((await list('?external_id=EXT-A')).body.items.map((t: { subject: string }) => t.subject)).toEqual(['filtr A']);
    const resolved = await list('?state=resolved');
    expect(resolved.body.items.map((t: { number: number }) => t.number)).toEqual([a.body.number]);
    expect(resolved.body.items[0].state).toEqual({ code: 'resolved', label: cs.states.resolved });
    // a customer-visible message counts as a change; an internal note does not
    const b = (await list('?external_id=EXT-B')).body.items[0];
    const mark = (await tdb.db.raw('select now() as now')).rows[0].now as Date;
    await addMessage(tdb.ctx, world.users.agent, b.number, { body: 'Interní', internal: true });
    expect((await list(`?updated_since=${encodeURIComponent(mark.toISOString())}`)).body.items).toEqual([]);
    await addMessage(tdb.ctx, world.users.agent, b.number, { body: 'Odpověď' });
    expect((await list(`?updated_since=${encodeURIComponent(mark.toISOString())}`)).body.items.map((t: { number: number }) => t.number)).toEqual([b.number]);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await list(`?updated_since=${encodeURIComponent(future)}`)).body.items).toEqual([]);
    for (let i = 0; i < 20; i++) await create(`další ${i}`);
    // an empty parameter is an absent one (?cursor= as clients write null)
    expect((await list('?cursor=&state=&limit=')).body.items).toHaveLength(50);
    const all = await list('');
    expect(all.body.items).toHaveLength(50);
    expect(all.body.next_cursor).not.toBeNull();
    expect((await list('?limit=100')).body.items.length).toBeGreaterThan(50);
  });

  it('refuses a bad limit, state, instant or cursor with 422 at the parameter', async () => {
    for (const [query, path] of [['?limit=0', 'limit'], ['?limit=101', 'limit'], ['?limit=abc', 'limit'], ['?state=open', 'state'], ['?updated_since=včera', 'updated_since'], ['?cursor=bm9wZQ', 'cursor'], ['?cursor=%%%', 'cursor']] as const) {
      const res = await list(query);
      expect(res.status, query).toBe(422);
      expect(res.body.errors.map((e: { path: string }) => e.path), query).toEqual([path]);
    }
  });
});
