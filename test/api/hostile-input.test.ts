import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cs } from '../../src/i18n/cs.js';
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

const NUL = '\u0000';

describe('hostile input never makes a 500', () => {
  it('NUL and other control characters in every field of a creation', async () => {
    const base = { subject: 'Řídicí znaky', description: 'x' };
    const variants: Record<string, unknown>[] = [
      { ...base, subject: `a${NUL}b` },
      { ...base, description: `a${NUL}b\u0007` },
      { ...base, external_id: `ext${NUL}` },
      { ...base, paragraph: `I1${NUL}` },
      { ...base, contact_email: `a${NUL}@example.cz` },
      { ...base, contact_phone: `+420${NUL}777` },
      { ...base, attachments: [{ name: `a${NUL}.txt`, content_type: 'text/plain', content_base64: 'eA==' }] },
    ];
    for (const body of variants) {
      const res = await apiCall(app, 'POST', '/api/v1/tickets', { token, body });
      expect([201, 422], JSON.stringify(body)).toContain(res.status);
    }
  });

  it('NUL and odd values in query parameters and messages', async () => {
    for (const q of [`?external_id=a%00b`, '?state=%00', '?updated_since=%00', '?cursor=%00', '?limit=%00', '?limit=1e2', '?limit[]=1', '?state=new&state=closed']) {
      const res = await apiCall(app, 'GET', `/api/v1/tickets${q}`, { token });
      expect([200, 422], q).toContain(res.status);
    }
    const created = await apiCall(app, 'POST', '/api/v1/tickets', { token, body: { subject: 's', description: 'd' } });
    const msg = await apiCall(app, 'POST', `/api/v1/tickets/${created.body.number}/messages`, { token, body: { body: `a${NUL}b` } });
    expect([201, 422]).toContain(msg.status);
  });

  it('a NUL anywhere in a body, also of a route with its own schema (Alertmanager) or in a key, is 422 at its path', async () => {
    const am = await apiCall(app, 'POST', '/api/v1/alertmanager', { token, body: { version: '4', groupKey: `g${NUL}`, status: 'firing', alerts: [] } });
    expect(am.status).toBe(422);
    expect(am.body.errors).toEqual([{ path: '/groupKey', message: cs.api.validation.controlCharacters }]);
    const key = await apiCall(app, 'POST', '/api/v1/tickets', { token, body: { subject: 's', description: 'd', attachments: [{ [`n${NUL}`]: 1 }] } });
    expect(key.status).toBe(422);
    expect(key.body.errors[0].path).toBe(`/attachments/0/n${NUL}`);
    const query = await apiCall(app, 'GET', '/api/v1/tickets?external_id=a%00b', { token });
    expect(query.body.errors).toEqual([{ path: 'external_id', message: cs.api.validation.controlCharacters }]);
  });

  it('wrong JSON types everywhere: 422, not 500', async () => {
    for (const body of [{ subject: ['x'], description: {} }, { subject: 'x', description: 'y', attachments: 'nope' }, { subject: 'x', description: 'y', attachments: [null] }, { subject: 'x', description: 'y', paragraph: 7 }]) {
      const res = await apiCall(app, 'POST', '/api/v1/tickets', { token, body });
      expect(res.status, JSON.stringify(body)).toBe(422);
    }
  });
});
