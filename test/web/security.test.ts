/**
 * Issue 8's findings on sign-in, sessions and redirects, each reproduced as the attacker did it.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cs } from '../../src/i18n/cs.js';
import { localPath } from '../../src/web/routes/auth.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, csrfFrom, login, visibleText } from '../support/web.js';
import { PASSWORD, seedWorld, type World } from '../support/world.js';

let tdb: TestDatabase;
let world: World;
let web: ReturnType<typeof buildApp>;

beforeAll(async () => {
  tdb = await freshDatabase();
  world = await seedWorld(tdb.db);
  web = buildApp(tdb);
});
afterAll(async () => {
  await web.close();
  await tdb.drop();
});

async function attempt(app: ReturnType<typeof buildApp>['app'], loginName: string, password: string, ip = '198.51.100.1') {
  const agent = request.agent(app);
  const page = await agent.get('/login').set('X-Forwarded-For', ip);
  return agent.post('/login').set('X-Forwarded-For', ip).type('form').send({ _csrf: csrfFrom(page.text), login: loginName, password });
}

describe('sign-in limits', () => {
  const PADDED = ['carol ', ' carol', '\tcarol', 'carol\u00a0', '\u3000carol', 'CAROL', 'ｃａｒｏｌ', 'car\u200bol', '\ufeffcarol', 'Carol\n'];

  it('locks the account for every spelling of its login, the right password included', async () => {
    const app = buildApp(tdb, { LOGIN_RATE_LIMIT: '3', TRUST_PROXY: '1' });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await attempt(app.app, 'carol', 'wrong')).status);
      expect(statuses).toEqual([401, 401, 401]);
      for (const variant of PADDED) {
        const res = await attempt(app.app, variant, PASSWORD);
        expect({ variant, status: res.status }).toEqual({ variant, status: 429 });
      }
      const locked = await attempt(app.app, 'carol', PASSWORD);
      expect(locked.status).toBe(429);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(800);
      expect(visibleText(locked.text)).toContain(cs.login.locked(15));
      expect(locked.text).not.toContain('hd.sid');
    } finally {
      await app.close();
      await tdb.db('rate_counters').delete();
    }
  });

  it('signs in with any spelling of the login while not locked', async () => {
    for (const variant of PADDED) {
      const res = await attempt(web.app, variant, PASSWORD);
      expect({ variant, status: res.status }).toEqual({ variant, status: 302 });
    }
  });

  it('shares the counters between processes: two apps on one database allow the limit once', async () => {
    const a = buildApp(tdb, { LOGIN_RATE_LIMIT: '4', TRUST_PROXY: '1' });
    const b = buildApp(tdb, { LOGIN_RATE_LIMIT: '4', TRUST_PROXY: '1' });
    try {
      const statuses = [];
      for (let i = 0; i < 6; i++) statuses.push((await attempt(i % 2 ? b.app : a.app, 'alice', 'wrong', `203.0.113.${i}`)).status);
      expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    } finally {
      await a.close();
      await b.close();
      await tdb.db('rate_counters').delete();
    }
  });

  it('counts concurrent guesses before checking them: 20 at once, exactly the limit get an answer', async () => {
    const app = buildApp(tdb, { LOGIN_RATE_LIMIT: '5', TRUST_PROXY: '1' });
    try {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => attempt(app.app, 'bob', 'wrong', `203.0.113.${100 + i}`)));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 401)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    } finally {
      await app.close();
      await tdb.db('rate_counters').delete();
    }
  });

  it('limits one address across many logins', async () => {
    const app = buildApp(tdb, { LOGIN_RATE_LIMIT: '1000', LOGIN_ADDRESS_LIMIT: '30', TRUST_PROXY: '1' });
    try {
      const statuses = [];
      for (let i = 0; i < 40; i++) statuses.push((await attempt(app.app, `user${i}`, 'wrong', '192.0.2.50')).status);
      expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(30).every((s) => s === 429)).toBe(true);
      // another address is not affected
      expect((await attempt(app.app, 'alice', PASSWORD, '192.0.2.51')).status).toBe(302);
    } finally {
      await app.close();
      await tdb.db('rate_counters').delete();
    }
  });

  it('clears the account’s failures after a successful sign-in', async () => {
    const app = buildApp(tdb, { LOGIN_RATE_LIMIT: '3', TRUST_PROXY: '1' });
    try {
      expect((await attempt(app.app, 'alice', 'wrong')).status).toBe(401);
      expect((await attempt(app.app, 'alice', 'wrong')).status).toBe(401);
      expect((await attempt(app.app, 'alice', PASSWORD)).status).toBe(302);
      const after = [];
      for (let i = 0; i < 3; i++) after.push((await attempt(app.app, 'alice', 'wrong')).status);
      expect(after).toEqual([401, 401, 401]);
    } finally {
      await app.close();
      await tdb.db('rate_counters').delete();
    }
  });
});

describe('sessions end when access changes', () => {
  async function sessionRows(userId: number): Promise<number> {
    return Number((await tdb.db('sessions').where('user_id', userId).count({ n: '*' }))[0]!.n);
  }

  it('a deactivated user is signed out at once, in every process', async () => {
    const other = buildApp(tdb);
    try {
      const s = await login(web.app, 'carol');
      const cookie = String(s.agent.jar.getCookie('hd.sid', { path: '/', domain: '127.0.0.1', secure: false, script: false })?.toValueString() ?? '');
      expect((await s.agent.get('/tickets')).status).toBe(200);
      expect(await sessionRows(world.users.carol.id)).toBeGreaterThan(0);
      await tdb.db('users').where({ id: world.users.carol.id }).update({ active: false });
      expect(await sessionRows(world.users.carol.id)).toBe(0);
      expect((await s.agent.get('/tickets')).status).toBe(302);
      expect((await request(other.app).get('/tickets').set('Cookie', cookie)).status).toBe(302);
    } finally {
      await tdb.db('users').where({ id: world.users.carol.id }).update({ active: true });
      await other.close();
    }
  });

  it('an agent demoted to customer loses the staff queue and other tenants’ tickets', async () => {
    const s = await login(web.app, 'solver');
    expect((await s.agent.get('/staff/queue')).status).toBe(200);
    await tdb.db('users').where({ id: world.users.solver.id }).update({ role: 'customer' });
    try {
      const queue = await s.agent.get('/staff/queue');
      expect(queue.status).not.toBe(200);
      expect((await s.agent.get('/tickets')).status).toBe(302);
    } finally {
      await tdb.db('users').where({ id: world.users.solver.id }).update({ role: 'agent' });
    }
  });

  it('a membership change (added, see-all changed, removed) signs the user out', async () => {
    const changes = [
      () => tdb.db('user_contracts').insert({ user_id: world.users.bob.id, contract_id: world.contractA2, sees_all_tickets: false }),
      () => tdb.db('user_contracts').where({ user_id: world.users.bob.id, contract_id: world.contractA2 }).update({ sees_all_tickets: true }),
      () => tdb.db('user_contracts').where({ user_id: world.users.bob.id, contract_id: world.contractA2 }).delete(),
    ];
    for (const change of changes) {
      const s = await login(web.app, 'bob');
      expect((await s.agent.get('/tickets')).status).toBe(200);
      await change();
      expect((await s.agent.get('/tickets')).status).toBe(302);
    }
  });

  it('a session written back after the change (a request in flight) is still refused', async () => {
    const s = await login(web.app, 'alice');
    const [row] = await tdb.db('sessions').where('user_id', world.users.alice.id).select('sid', 'sess', 'expire');
    await tdb.db('users').where({ id: world.users.alice.id }).update({ role: 'agent' });
    await tdb.db('users').where({ id: world.users.alice.id }).update({ role: 'customer' });
    await tdb.db('sessions').insert({ sid: row.sid, sess: JSON.stringify(row.sess), expire: row.expire });
    expect((await s.agent.get('/tickets')).status).toBe(302);
  });

  it('a change that leaves access as it was keeps the session', async () => {
    const s = await login(web.app, 'alice');
    await tdb.db('users').where({ id: world.users.alice.id }).update({ name: 'Alice Zákaznice' });
    expect((await s.agent.get('/tickets')).status).toBe(200);
  });
});

describe('session rows', () => {
  it('1,000 anonymous requests add no session row', async () => {
    const before = Number((await tdb.db('sessions').count({ n: '*' }))[0]!.n);
    const paths = ['/login', '/tickets', '/', '/staff/queue', '/login?next=/tickets'];
    for (let i = 0; i < 1000; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, j) => request(web.app).get(paths[(i + j) % paths.length]!)));
    }
    // a failed sign-in writes none either
    expect((await attempt(web.app, 'alice', 'wrong')).status).toBe(401);
    expect(Number((await tdb.db('sessions').count({ n: '*' }))[0]!.n)).toBe(before);
  });

  it('the login form works without a session: token in a signed cookie', async () => {
    const res = await attempt(web.app, 'alice', PASSWORD);
    expect(res.status).toBe(302);
    const forged = await request(web.app).post('/login').set('Cookie', 'hd.csrf=abc.def').type('form').send({ _csrf: 'abc.def', login: 'alice', password: PASSWORD });
    expect(forged.status).toBe(403);
  });

  it('an idle session past its expiry and one past the absolute limit are refused', async () => {
    const idle = await login(web.app, 'alice');
    await tdb.db('sessions').where('user_id', world.users.alice.id).update({ expire: tdb.db.raw("now() - interval '1 minute'") });
    expect((await idle.agent.get('/tickets')).status).toBe(302);

    const old = await login(web.app, 'alice');
    const thirteenHoursAgo = Date.now() - 13 * 3600_000;
    await tdb.db.raw(`update sessions set sess = jsonb_set(sess::jsonb, '{signedInAt}', to_jsonb(?::bigint))::json where user_id = ?`, [thirteenHoursAgo, world.users.alice.id]);
    expect((await old.agent.get('/tickets')).status).toBe(302);
  });

  it('refreshes the idle expiry of a session in use', async () => {
    const s = await login(web.app, 'carol');
    await tdb.db.raw(`update sessions set sess = jsonb_set(sess::jsonb, '{seenAt}', to_jsonb(?::bigint))::json, expire = now() + interval '1 minute' where user_id = ?`, [Date.now() - 10 * 60_000, world.users.carol.id]);
    expect((await s.agent.get('/tickets')).status).toBe(200);
    const { rows } = await tdb.db.raw(`select extract(epoch from expire - now()) as left from sessions where user_id = ?`, [world.users.carol.id]);
    expect(Number(rows[0].left)).toBeGreaterThan(110 * 60);
  });
});

describe('redirect after sign-in', () => {
  const FOREIGN = [
    '//evil.example', '/\\evil.example', '\\\\evil.example', '/\\/evil.example', '/\t/evil.example', '/\n/evil.example',
    '/\r\n/evil.example', ' //evil.example', 'https://evil.example', 'http:evil.example', 'javascript:alert(1)', '///evil.example',
    '/%09/evil.example'.replace('%09', '\t'), '\u0000//evil.example', '/\u0000/evil.example', 'evil.example', '', '.', '@evil.example',
    '/\u3000/evil.example', '/\u00a0/evil.example', 'data:text/html,x',
  ];
  it.each(FOREIGN)('%j goes home', (next) => {
    expect(localPath(next)).toBe('/');
  });
  it.each(['/tickets', '/tickets/98001/komunikace', '/staff/queue?state=open&page=2', '/tickets?q=%2F%2Fevil', '/a/b#c'])('%j is followed', (next) => {
    expect(localPath(next)).toBe(next);
  });
  it('follows only local paths from the login form', async () => {
    for (const next of ['/\\evil.example', '//evil.example', '/\t/evil.example']) {
      const agent = request.agent(web.app);
      const page = await agent.get('/login');
      const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), login: 'alice', password: PASSWORD, next });
      expect(res.headers.location).toBe('/');
    }
    const page = await request(web.app).get('/login?next=%2F%5Cevil.example');
    expect(page.text).toContain('name="next" value="/"');
  });
});

describe('headers', () => {
  it('pages are never stored by a browser or proxy', async () => {
    const s = await login(web.app, 'alice');
    for (const path of ['/tickets', '/account/password', '/tickets/new']) {
      expect((await s.agent.get(path)).headers['cache-control']).toBe('no-store');
    }
    expect((await request(web.app).get('/login')).headers['cache-control']).toBe('no-store');
  });
});

describe('malformed sign-in forms', () => {
  it.each([
    ['a repeated login', 'login=alice&login=bob&password=x'],
    ['a repeated password', 'login=alice&password=a&password=b'],
    ['a NUL in the login', 'login=al%00ice&password=x'],
    ['an empty login', 'login=&password=x'],
    ['no fields', ''],
    ['a 100 kB login', `login=${'a'.repeat(100_000)}&password=x`],
  ])('%s is a plain refusal, not an error', async (_name, body) => {
    const agent = request.agent(web.app);
    const page = await agent.get('/login');
    const res = await agent.post('/login').type('form').send(`_csrf=${encodeURIComponent(csrfFrom(page.text))}&${body}`);
    expect([400, 401]).toContain(res.status);
  });
});

describe('forms with files without a token', () => {
  it.each([
    ['30 fields', Array.from({ length: 30 }, (_, i) => `--XB\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nx\r\n`).join('') + '--XB--\r\n'],
    ['a truncated body', '--XB\r\nContent-Disposition: form-data; name="subject"\r\n\r\nx'],
    ['a field over the text limit', `--XB\r\nContent-Disposition: form-data; name="description"\r\n\r\n${'x'.repeat(300_000)}\r\n--XB--\r\n`],
  ])('with %s are refused as forged (403) and write nothing', async (_name, body) => {
    const s = await login(web.app, 'alice');
    const before = Number((await tdb.db('tickets').count({ n: '*' }))[0]!.n);
    for (const path of ['/tickets/new', '/TICKETS/NEW']) {
      const res = await s.agent.post(path).set('Content-Type', 'multipart/form-data; boundary=XB').send(Buffer.from(body));
      expect(res.status).toBe(403);
    }
    expect(Number((await tdb.db('tickets').count({ n: '*' }))[0]!.n)).toBe(before);
  });
});
