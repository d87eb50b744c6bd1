/**
 * A process remembers the sessions it read, and a GET starts from that reading unchecked: the
 * customer overview checks it in its own statement, every other page before it answers
 * (web/sessions.ts). These tests warm a second process (another node) with a session, change or
 * end the session elsewhere, and expect that process to answer exactly as one that never saw it.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SessionCheck } from '../../src/db/session-rows.js';
import { en } from '../../src/i18n/en.js';
import { overviewPage } from '../../src/services/reads/lists.js';
import { onePool } from '../../src/services/reads/pools.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, login, type Session, visibleText } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';

let tdb: TestDatabase;
let world: World;
let nodeA: ReturnType<typeof buildApp>;
let nodeB: ReturnType<typeof buildApp>;

beforeAll(async () => {
  tdb = await freshDatabase();
  world = await seedWorld(tdb.db);
  nodeA = buildApp(tdb);
  nodeB = buildApp(tdb);
});
afterAll(async () => {
  await nodeA.close();
  await nodeB.close();
  await tdb.drop();
});

function cookieOf(s: Session): string {
  return String(s.agent.jar.getCookie('hd.sid', { path: '/', domain: '127.0.0.1', secure: false, script: false })?.toValueString() ?? '');
}

/** A GET on node B with the session's cookie. */
const onB = (cookie: string, path: string) => request(nodeB.app).get(path).set('Cookie', cookie);

/** Node B reads the session and remembers it (the second request starts from memory). */
async function warmB(cookie: string): Promise<void> {
  for (let i = 0; i < 2; i++) expect((await onB(cookie, '/tickets')).status).toBe(200);
}

const sessionRow = async (cookie: string) => {
  const sid = decodeURIComponent(cookie.replace(/^hd\.sid=/, '')).replace(/^s:/, '').replace(/\.[^.]*$/, '');
  return tdb.db('sessions').where({ sid }).first('sid', 'sess');
};

describe('a session a process remembers', () => {
  it.each(['/tickets', '/tickets?list=closed', '/account/password', '/tickets/new'])(
    'signed out on node A is refused by node B at once on %s: sent to sign-in, nothing of the user shown, no row written back',
    async (path) => {
      const alice = await login(nodeA.app, 'alice');
      const cookie = cookieOf(alice);
      await warmB(cookie);
      expect((await alice.agent.post('/logout').type('form').send({ _csrf: alice.csrf })).status).toBe(302);

      const page = await onB(cookie, path);
      expect(page.status).toBe(302);
      expect(page.headers.location).toBe(`/login?next=${encodeURIComponent(path)}`);
      expect(page.text).not.toContain('Alice');
      expect(await sessionRow(cookie)).toBeUndefined();
    },
  );

  it('of a user deactivated elsewhere is refused by node B on the overview and on a ticket', async () => {
    const carol = await login(nodeA.app, 'carol');
    const cookie = cookieOf(carol);
    await warmB(cookie);
    await tdb.db('users').where({ id: world.users.carol.id }).update({ active: false });
    try {
      expect((await onB(cookie, '/tickets')).status).toBe(302);
      expect((await onB(cookie, '/tickets/new')).status).toBe(302);
    } finally {
      await tdb.db('users').where({ id: world.users.carol.id }).update({ active: true });
    }
  });

  it('changed elsewhere (the language chosen on another device) is read again: node B shows the overview in English at once', async () => {
    const bob = await login(nodeA.app, 'bob');
    const cookie = cookieOf(bob);
    await warmB(cookie);
    await tdb.db('users').where({ id: world.users.bob.id }).update({ language: 'en' });
    try {
      const page = await onB(cookie, '/tickets');
      expect(page.status).toBe(200);
      expect(page.text).toContain('<html lang="en"');
      expect(visibleText(page.text)).toContain(en.overview.title);
      // and once more from memory, now remembered in English
      expect((await onB(cookie, '/tickets')).text).toContain('<html lang="en"');
    } finally {
      await tdb.db('users').where({ id: world.users.bob.id }).update({ language: null });
    }
  });

  it('demoted elsewhere loses the staff queue on node B, whose memory still says agent', async () => {
    const solver = await login(nodeA.app, 'solver');
    const cookie = cookieOf(solver);
    expect((await onB(cookie, '/staff/queue')).status).toBe(200);
    expect((await onB(cookie, '/staff/queue')).status).toBe(200);
    await tdb.db('users').where({ id: world.users.solver.id }).update({ role: 'customer' });
    try {
      expect((await onB(cookie, '/staff/queue')).status).not.toBe(200);
      expect((await onB(cookie, '/tickets')).status).toBe(302);
    } finally {
      await tdb.db('users').where({ id: world.users.solver.id }).update({ role: 'agent' });
    }
  });
});

describe('a remembered reading past its cookie’s expiry', () => {
  it('is read again: node A refreshed the session meanwhile, so node B goes on with it instead of signing the user out', async () => {
    const alice = await login(nodeA.app, 'alice');
    const cookie = cookieOf(alice);
    await warmB(cookie);
    const { sid } = await sessionRow(cookie);
    // three hours on (past the 120 idle minutes of B's reading, within the 12-hour limit);
    // meanwhile node A refreshed the session, as a request there does
    const later = Date.now() + 3 * 3600_000;
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(later);
      const expires = new Date(later + 120 * 60_000).toISOString();
      await tdb.db.raw(`update sessions set sess = jsonb_set(sess::jsonb, '{cookie,expires}', to_jsonb(?::text))::json where sid = ?`, [expires, sid]);
      const page = await onB(cookie, '/tickets');
      expect(page.status).toBe(200);
      expect(visibleText(page.text)).toContain('Alice');
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('the overview’s statement checks the session it is given', () => {
  it('answers unchanged for the row as read, and not for another text, another language, an ended session or a deactivated user', async () => {
    const alice = await login(nodeA.app, 'alice');
    const row = await sessionRow(cookieOf(alice));
    const { rows } = await tdb.db.raw('select sess::text as sess from sessions where sid = ?', [row.sid]);
    const asRead: SessionCheck = { sid: row.sid as string, sess: rows[0].sess as string, language: null };
    const check = (session: SessionCheck) => overviewPage(onePool(tdb.db), world.users.alice, 'current', 1, undefined, session);

    const unchanged = await check(asRead);
    expect(unchanged.sessionUnchanged).toBe(true);
    expect(unchanged.result.total).toBe((await overviewPage(onePool(tdb.db), world.users.alice, 'current')).result.total);
    expect((await check({ ...asRead, sess: `${asRead.sess} ` })).sessionUnchanged).toBe(false);
    expect((await check({ ...asRead, language: 'en' })).sessionUnchanged).toBe(false);
    expect((await check({ ...asRead, sid: 'no-such-session' })).sessionUnchanged).toBe(false);
    await tdb.db('users').where({ id: world.users.alice.id }).update({ active: false });
    try {
      expect((await check(asRead)).sessionUnchanged).toBe(false);
    } finally {
      await tdb.db('users').where({ id: world.users.alice.id }).update({ active: true });
    }
  });
});
