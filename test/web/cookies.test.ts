import { createHmac } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, csrfFrom, login } from '../support/web.js';
import { PASSWORD, seedWorld } from '../support/world.js';

let tdb: TestDatabase;
let web: ReturnType<typeof buildApp>;
const SECRET = 'test-session-secret-0123456789'; // test/support/web.ts buildApp

beforeAll(async () => {
  tdb = await freshDatabase();
  await seedWorld(tdb.db);
  web = buildApp(tdb);
});
afterAll(async () => {
  await web.close();
  await tdb.drop();
});

const setCookies = (res: { headers: Record<string, unknown> }) => ([] as string[]).concat((res.headers['set-cookie'] as string[] | undefined) ?? []);
const named = (res: { headers: Record<string, unknown> }, name: string) => setCookies(res).filter((c) => c.startsWith(`${name}=`));
const valueOf = (cookie: string) => /^[^=]+=([^;]*)/.exec(cookie)![1]!;

describe('cookies are set only when they change', () => {
  it('pages of a signed-in user reuse the CSRF token and set no cookie', async () => {
    const { agent, csrf } = await login(web.app, 'alice');
    for (const path of ['/tickets', '/tickets?list=closed', '/account/password']) {
      const res = await agent.get(path);
      expect(res.status).toBe(200);
      expect(csrfFrom(res.text)).toBe(csrf);
      expect(setCookies(res)).toEqual([]);
    }
    // and the token still works
    const form = await agent.post('/account/notifications').type('form').send({ _csrf: csrf });
    expect(form.status).toBe(200);
  });

  it('a new token (and cookie) at the first visit, bound anew after sign-in and after sign-out', async () => {
    const agent = request.agent(web.app);
    const first = await agent.get('/login');
    expect(named(first, 'hd.csrf')).toHaveLength(1);
    const anonymous = csrfFrom(first.text);
    expect(valueOf(named(first, 'hd.csrf')[0]!)).toBe(anonymous);
    const again = await agent.get('/login');
    expect(csrfFrom(again.text)).toBe(anonymous);
    expect(named(again, 'hd.csrf')).toEqual([]);

    const signIn = await agent.post('/login').type('form').send({ _csrf: anonymous, login: 'alice', password: PASSWORD, next: '/tickets' });
    expect(signIn.status).toBe(302);
    expect(named(signIn, 'hd.sid')).toHaveLength(1);
    const page = await agent.get('/tickets');
    const bound = csrfFrom(page.text);
    expect(bound).not.toBe(anonymous);
    expect(named(page, 'hd.csrf').map(valueOf)).toEqual([bound]);
    // the anonymous token no longer passes for the signed-in session
    const stale = await agent.post('/account/notifications').set('Cookie', `hd.csrf=${anonymous}`).type('form').send({ _csrf: anonymous });
    expect(stale.status).toBe(403);

    const out = await agent.post('/logout').type('form').send({ _csrf: bound });
    expect(out.status).toBe(302);
    const after = await agent.get('/login');
    expect(csrfFrom(after.text)).not.toBe(bound);
    expect(named(after, 'hd.csrf')).toHaveLength(1);
  });

  it('refuses a token of another session and a cookie whose HMAC does not match', async () => {
    const a = await login(web.app, 'alice');
    const b = await login(web.app, 'bob');
    // b's session cookie with a's token pair
    const sid = String(b.agent.jar.getCookie('hd.sid', { path: '/', domain: '127.0.0.1', secure: false, script: false })?.toValueString());
    const crossed = await request(web.app).post('/account/notifications').set('Cookie', `${sid}; hd.csrf=${a.csrf}`).type('form').send({ _csrf: a.csrf });
    expect(crossed.status).toBe(403);
    const [, random] = a.csrf.split('.');
    const forged = `${'0'.repeat(64)}.${random}`;
    const res = await a.agent.post('/account/notifications').set('Cookie', `hd.csrf=${forged}`).type('form').send({ _csrf: forged });
    expect(res.status).toBe(403);
  });

  it('the session cookie keeps the express-session format (s:<id>.<HMAC>), so sessions survive an update', async () => {
    const { agent } = await login(web.app, 'alice');
    const raw = decodeURIComponent(String(agent.jar.getCookie('hd.sid', { path: '/', domain: '127.0.0.1', secure: false, script: false })?.value));
    const m = /^s:([^.]+)\.(.+)$/.exec(raw);
    expect(m).not.toBeNull();
    expect(m![2]).toBe(createHmac('sha256', SECRET).update(m![1]!).digest('base64').replace(/=+$/, ''));
    const row = await tdb.db('sessions').where({ sid: m![1] }).first('sess', 'user_id');
    expect(row.user_id).toBeGreaterThan(0);
    expect(row.sess.cookie).toMatchObject({ httpOnly: true, path: '/', sameSite: 'lax' });
    // a tampered signature is no session
    const tampered = await request(web.app).get('/tickets').set('Cookie', `hd.sid=${encodeURIComponent(`s:${m![1]}.${'A'.repeat(43)}`)}`);
    expect(tampered.status).toBe(302);
  });
});
