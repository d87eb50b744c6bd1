import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cs } from '../../src/i18n/cs.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, csrfFrom, login, visibleText } from '../support/web.js';
import { PASSWORD, seedWorld } from '../support/world.js';

let tdb: TestDatabase;
let web: ReturnType<typeof buildApp>;

beforeAll(async () => {
  tdb = await freshDatabase();
  await seedWorld(tdb.db);
  web = buildApp(tdb);
});
afterAll(async () => {
  await web.close();
  await tdb.drop();
});

describe('sign-in', () => {
  it('shows the manual’s exact failure message for a wrong password', async () => {
    const agent = request.agent(web.app);
    const page = await agent.get('/login');
    const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), login: 'alice', password: 'spatne-heslo' });
    expect(res.status).toBe(401);
    expect(visibleText(res.text)).toContain('Bohužel Vaše přihlášení do systému se nezdařilo. Zkuste akci zopakovat znovu');
  });

  it('gives an unknown login the same message as a wrong password', async () => {
    const agent = request.agent(web.app);
    const page = await agent.get('/login');
    const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), login: 'nikdo', password: PASSWORD });
    expect(res.status).toBe(401);
    expect(visibleText(res.text)).toContain(cs.login.failed);
  });

  it('signs a customer in and shows their overview with their name', async () => {
    const { agent } = await login(web.app, 'alice');
    const res = await agent.get('/tickets');
    expect(res.status).toBe(200);
    expect(visibleText(res.text)).toContain('Přihlášený uživatel: Alice Zákaznice');
  });

  it('sends an anonymous visitor to the login form', async () => {
    const res = await request(web.app).get('/tickets');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/login?next=%2Ftickets');
  });

  it('refuses a form without the CSRF token', async () => {
    const { agent } = await login(web.app, 'alice');
    const res = await agent.post('/account/password').type('form').send({ current: PASSWORD, next: 'NoveHeslo123', confirm: 'NoveHeslo123' });
    expect(res.status).toBe(403);
    expect(visibleText(res.text)).toContain(cs.errors.csrf);
  });

  it('logs out and forgets the session', async () => {
    const { agent, csrf } = await login(web.app, 'alice');
    const out = await agent.post('/logout').type('form').send({ _csrf: csrf });
    expect(out.headers.location).toBe('/login');
    expect((await agent.get('/tickets')).status).toBe(302);
  });

  it('sets the session cookie HttpOnly and SameSite=Lax at sign-in', async () => {
    const agent = request.agent(web.app);
    const page = await agent.get('/login');
    const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), login: 'alice', password: PASSWORD });
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/hd\.sid=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
  });
});

describe('login rate limit', () => {
  it('answers 429 with a Czech message after too many failed attempts', async () => {
    const limited = buildApp(tdb, { LOGIN_RATE_LIMIT: '3' });
    try {
      const agent = request.agent(limited.app);
      const token = csrfFrom((await agent.get('/login')).text);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push((await agent.post('/login').type('form').send({ _csrf: token, login: 'carol', password: 'x' })).status);
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
      const last = await agent.post('/login').type('form').send({ _csrf: token, login: 'carol', password: PASSWORD });
      expect(last.status).toBe(429);
      expect(visibleText(last.text)).toContain(cs.login.locked(15));
    } finally {
      await limited.close();
    }
  });
});

describe('password change', () => {
  it('requires the current password', async () => {
    const { agent, csrf } = await login(web.app, 'carol');
    const res = await agent.post('/account/password').type('form').send({ _csrf: csrf, current: 'wrong', next: 'NoveHeslo123', confirm: 'NoveHeslo123' });
    expect(res.status).toBe(400);
    expect(visibleText(res.text)).toContain(cs.password.wrongCurrent);
  });

  it('refuses a weak password with the strength rule', async () => {
    const { agent, csrf } = await login(web.app, 'carol');
    const short = await agent.post('/account/password').type('form').send({ _csrf: csrf, current: PASSWORD, next: 'abc1', confirm: 'abc1' });
    expect(visibleText(short.text)).toContain(cs.password.too_short);
    const letters = await agent.post('/account/password').type('form').send({ _csrf: csrf, current: PASSWORD, next: 'jenompismena', confirm: 'jenompismena' });
    expect(visibleText(letters.text)).toContain(cs.password.needs_mix);
  });

  it('changes the password and ends the user’s sessions on other devices', async () => {
    const laptop = await login(web.app, 'bob');
    const phone = await login(web.app, 'bob');
    const res = await laptop.agent.post('/account/password').type('form').send({ _csrf: laptop.csrf, current: PASSWORD, next: 'NoveHeslo2026', confirm: 'NoveHeslo2026' });
    expect(res.status).toBe(200);
    expect(visibleText(res.text)).toContain(cs.password.done);
    expect((await laptop.agent.get('/tickets')).status).toBe(200);
    expect((await phone.agent.get('/tickets')).status).toBe(302);
    await expect(login(web.app, 'bob')).rejects.toThrow(/login of bob failed/);
    const again = await login(web.app, 'bob', 'NoveHeslo2026');
    expect((await again.agent.get('/tickets')).status).toBe(200);
  });
});
