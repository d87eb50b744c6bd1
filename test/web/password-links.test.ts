/**
 * Invitation and password-reset links (issue 10), by OWASP's forgot-password rules: the token is
 * stored only as its SHA-256, works once, expires, opens only its own account; a reset request
 * is answered the same, in about the same time, whether or not the account exists, and is rate
 * limited; a new password ends the user's other sessions; the manual's sign-in failure message
 * stays as it is.
 */
import { createHash } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cs } from '../../src/i18n/cs.js';
import { inviteUserInTx, queueInvitation, resendInvitation } from '../../src/services/admin/invitations.js';
import { cleanUpExpired } from '../../src/services/cleanup.js';
import { DEFAULT_PASSWORD_LINKS, requestPasswordReset } from '../../src/services/password-links.js';
import { createTransport, sendDueMail } from '../../src/mail/outbox.js';
import { createApp } from '../../src/web/app.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { startSmtpSink } from '../support/smtp-sink.js';
import { buildApp, csrfFrom, login, testConfig, visibleText } from '../support/web.js';
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

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const NEW_PASSWORD = 'NoveHeslo2026';

/** The token of the link in an outbox mail's text. */
function tokenIn(text: string): string {
  const m = /\/password\/set\/([A-Za-z0-9_-]+)/.exec(text);
  if (!m?.[1]) throw new Error(`no link in: ${text}`);
  return m[1];
}

async function mailsTo(address: string, purpose: string) {
  return tdb.db('outbound_mail').where({ to_address: address, purpose }).orderBy('id').select('id', 'subject', 'text_body', 'html_body', 'ticket_number');
}

/** A new user, as the users engineer's form creates one (an unknown password), and their invitation token. */
async function invitedUser(login: string): Promise<{ id: number; token: string }> {
  const [row] = await tdb.db('users')
    .insert({ login, login_key: login, name: `Nový ${login}`, email: `${login}@example.cz`, role: 'customer', password_hash: 'x' })
    .returning('id');
  await tdb.db.transaction((trx) => inviteUserInTx(trx, tdb.ctx, { actorId: world.users.admin.id, source: 'web' }, row.id));
  const [mail] = await mailsTo(`${login}@example.cz`, 'invitation');
  return { id: row.id, token: tokenIn(mail.text_body) };
}

/** A reset link for an existing user, asked for as a visitor would (the service, from its own client address). */
async function resetToken(login: string, client = `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`): Promise<string> {
  const { queued } = await requestPasswordReset(tdb.ctx, login, client);
  expect(queued).toHaveLength(1);
  return tokenIn(queued[0]!.text);
}

/** Opens the link's form and sends the new password twice (plus any `extra` fields). */
async function setPassword(token: string, password: string, extra: Record<string, string> = {}, agent = request.agent(web.app)) {
  const form = await agent.get(`/password/set/${token}`);
  // an invalid link's page has no form: a token from another page of the site, as a form opened earlier would have
  const csrf = csrfFrom(form.status === 200 ? form.text : (await agent.get('/password/forgot')).text);
  return agent.post(`/password/set/${token}`).type('form').send({ _csrf: csrf, next: password, confirm: password, ...extra });
}

async function canSignIn(loginName: string, password: string): Promise<boolean> {
  const agent = request.agent(web.app);
  const page = await agent.get('/login');
  const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), login: loginName, password, next: '/' });
  return res.status === 302;
}

describe('invitation', () => {
  it('queues a Czech invitation e-mail saying who invites, with the link and its validity', async () => {
    const [row] = await tdb.db('users')
      .insert({ login: 'eva', login_key: 'eva', name: 'Eva Nová', email: 'eva@example.cz', role: 'customer', password_hash: 'x' })
      .returning('id');
    const mail = await tdb.db.transaction((trx) => queueInvitation(trx, tdb.ctx, { actorId: world.users.admin.id, source: 'web' }, row.id));
    const token = tokenIn(mail.text);
    expect(mail.to).toBe('eva@example.cz');
    expect(mail.subject).toBe('Pozvánka do portálu helpdesk.tech');
    expect(mail.text).toContain('Dobrý den, Eva Nová,');
    expect(mail.text).toContain('Admin Správce Vás zve do portálu helpdesk.tech. Vaše přihlašovací jméno je eva.');
    expect(mail.text).toContain(`${tdb.ctx.mail.publicUrl}/password/set/${token}`);
    expect(mail.text).toMatch(/Odkaz platí 7 dní \(do \d{1,2}\.\d{1,2}\.\d{4} \d{2}:\d{2}\) a lze jej použít jen jednou\./);
    const [stored] = await tdb.db('outbound_mail').where({ id: mail.id }).select('purpose', 'ticket_number', 'html_body', 'message_id');
    expect(stored).toMatchObject({ purpose: 'invitation', ticket_number: null });
    expect(stored.html_body).toContain(`<a href="${tdb.ctx.mail.publicUrl}/password/set/${token}">`);
    expect(stored.message_id).toMatch(/^<hd-notif\.0\..+@helpdesk\.seyfor\.com>$/);
  });

  it('stores only the SHA-256 of a 32-byte token, valid for 7 days', async () => {
    const { id, token } = await invitedUser('filip');
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    const rows = await tdb.db('user_tokens').where({ user_id: id }).select('*', tdb.db.raw('extract(epoch from expires_at - created_at) as seconds'));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ purpose: 'invitation', token_hash: sha256(token), used_at: null, created_by: world.users.admin.id });
    expect(Number(rows[0].seconds)).toBe(7 * 86_400);
    // the token in clear is nowhere in the table
    const dump = JSON.stringify(await tdb.db('user_tokens').select('*'));
    expect(dump).not.toContain(token);
  });

  it('lets the invited user set a password with the link and then sign in with it', async () => {
    const { token } = await invitedUser('gita');
    const form = await request(web.app).get(`/password/set/${token}`);
    expect(form.status).toBe(200);
    expect(form.headers['referrer-policy']).toBe('no-referrer');
    expect(form.headers['cache-control']).toBe('no-store');
    expect(visibleText(form.text)).toContain('Nastavte si heslo k účtu gita.');
    const res = await setPassword(token, NEW_PASSWORD);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?password=set');
    const notice = await request(web.app).get('/login?password=set');
    expect(visibleText(notice.text)).toContain(cs.passwordLinks.done);
    expect(await canSignIn('gita', NEW_PASSWORD)).toBe(true);
  });

  it('sending the invitation again makes the earlier link stop working', async () => {
    const { id, token: first } = await invitedUser('hana');
    await resendInvitation(tdb.ctx, world.users.admin, id);
    const mails = await mailsTo('hana@example.cz', 'invitation');
    expect(mails).toHaveLength(2);
    const second = tokenIn(mails[1]!.text_body);
    expect((await setPassword(first, NEW_PASSWORD)).status).toBe(410);
    expect((await setPassword(second, NEW_PASSWORD)).status).toBe(303);
  });

  it('the outbox sends the link and then keeps the mail without the token', async () => {
    const sink = await startSmtpSink();
    const transport = createTransport({ host: sink.host, port: sink.port, secure: false });
    try {
      const { id, token } = await invitedUser('olga');
      await sendDueMail(tdb.db, transport, tdb.ctx.mail);
      const sent = await sink.waitFor((m) => m.envelope.to.includes('olga@example.cz'));
      expect(sent.parsed.text).toContain(`/password/set/${token}`);
      const [row] = await mailsTo('olga@example.cz', 'invitation');
      expect(row.text_body).not.toContain(token);
      expect(row.html_body).not.toContain(token);
      expect(row.text_body).toContain(`${tdb.ctx.mail.publicUrl}/password/set/…`);
      // the link itself still works: only the outbox copy lost the token
      expect((await request(web.app).get(`/password/set/${token}`)).status).toBe(200);
      expect(await tdb.db('user_tokens').where({ user_id: id })).toHaveLength(1);
    } finally {
      transport.close();
      await sink.close();
    }
  });

  it('refuses to invite an inactive user', async () => {
    const [row] = await tdb.db('users')
      .insert({ login: 'ivo', login_key: 'ivo', name: 'Ivo', email: 'ivo@example.cz', role: 'customer', password_hash: 'x', active: false })
      .returning('id');
    await expect(resendInvitation(tdb.ctx, world.users.admin, row.id)).rejects.toThrow(cs.passwordLinks.inactive);
    expect(await mailsTo('ivo@example.cz', 'invitation')).toHaveLength(0);
  });
});

describe('a link works once, expires and opens only its own account', () => {
  it('works once: the second use gets the invalid-link page and the password stays', async () => {
    const token = await resetToken('carol');
    expect((await setPassword(token, NEW_PASSWORD)).status).toBe(303);
    const again = await request(web.app).get(`/password/set/${token}`);
    expect(again.status).toBe(410);
    expect(visibleText(again.text)).toContain('Odkaz již není platný');
    expect(again.text).toContain('href="/password/forgot"');
    // a POST with the used token (its form opened before) changes nothing either
    const agent = request.agent(web.app);
    const csrf = csrfFrom((await agent.get('/password/forgot')).text);
    const post = await agent.post(`/password/set/${token}`).type('form').send({ _csrf: csrf, next: 'JineHeslo2027', confirm: 'JineHeslo2027' });
    expect(post.status).toBe(410);
    expect(await canSignIn('carol', 'JineHeslo2027')).toBe(false);
    expect(await canSignIn('carol', NEW_PASSWORD)).toBe(true);
  });

  it('expires: a link past its time is invalid and the password stays', async () => {
    const token = await resetToken('bob');
    await tdb.db('user_tokens').where({ token_hash: sha256(token) }).update({ expires_at: tdb.db.raw("now() - interval '1 second'") });
    const page = await request(web.app).get(`/password/set/${token}`);
    expect(page.status).toBe(410);
    expect(visibleText(page.text)).toContain('Odkaz již není platný');
    const agent = request.agent(web.app);
    const csrf = csrfFrom((await agent.get('/password/forgot')).text);
    expect((await agent.post(`/password/set/${token}`).type('form').send({ _csrf: csrf, next: NEW_PASSWORD, confirm: NEW_PASSWORD })).status).toBe(410);
    expect(await canSignIn('bob', PASSWORD)).toBe(true);
  });

  it('a reset link is valid for one hour', async () => {
    const token = await resetToken('solver');
    const [row] = await tdb.db('user_tokens').where({ token_hash: sha256(token) }).select('purpose', tdb.db.raw('extract(epoch from expires_at - created_at) as seconds'));
    expect(row.purpose).toBe('reset');
    expect(Number(row.seconds)).toBe(3_600);
  });

  it('unknown and malformed tokens get the invalid-link page, never a 500', async () => {
    for (const t of ['x', 'A'.repeat(43), '%00', 'a'.repeat(5000), encodeURIComponent("' or 1=1 --")]) {
      const res = await request(web.app).get(`/password/set/${t}`);
      expect(res.status, t).toBe(410);
      expect(visibleText(res.text)).toContain('Odkaz již není platný');
    }
  });

  it("a token of user A cannot change user B's password, whatever else is posted", async () => {
    const [alice, bob] = [world.users.alice, world.users.bob];
    const token = await resetToken('alice');
    const before = await tdb.db('users').where({ id: bob.id }).first('password_hash');
    // signed in as bob, posting bob's login and id next to alice's token
    const bobSession = await login(web.app, 'bob');
    const res = await setPassword(token, 'UtocnikuvPass1', { login: 'bob', username: 'bob', user_id: String(bob.id), id: String(bob.id), email: 'bob@example.cz' }, bobSession.agent);
    expect(res.status).toBe(303);
    expect((await tdb.db('users').where({ id: bob.id }).first('password_hash')).password_hash).toBe(before.password_hash);
    expect(await canSignIn('bob', PASSWORD)).toBe(true);
    expect(await canSignIn('alice', 'UtocnikuvPass1')).toBe(true);
    expect(await canSignIn('alice', PASSWORD)).toBe(false);
    // bob's own session was not touched
    expect((await bobSession.agent.get('/tickets')).status).toBe(200);
    await tdb.db('users').where({ id: alice.id }).update({ password_hash: before.password_hash });
  });

  it('a weak or mistyped password is refused at its field, and the link keeps working', async () => {
    const token = await resetToken('agent');
    const weak = await setPassword(token, 'kratke1');
    expect(weak.status).toBe(400);
    expect(visibleText(weak.text)).toContain(cs.password.too_short);
    const agent = request.agent(web.app);
    const csrf = csrfFrom((await agent.get(`/password/set/${token}`)).text);
    const mismatch = await agent.post(`/password/set/${token}`).type('form').send({ _csrf: csrf, next: NEW_PASSWORD, confirm: 'JineHeslo2026' });
    expect(mismatch.status).toBe(400);
    expect(visibleText(mismatch.text)).toContain(cs.password.mismatch);
    const withLogin = await setPassword(token, 'agent12345Heslo');
    expect(visibleText(withLogin.text)).toContain(cs.password.same_as_login);
    expect(await canSignIn('agent', PASSWORD)).toBe(true);
    expect((await setPassword(token, NEW_PASSWORD)).status).toBe(303);
    expect(await canSignIn('agent', NEW_PASSWORD)).toBe(true);
  });

  it('a new password ends every other session of the user, and the audit log says so without secrets', async () => {
    const { agent } = await login(web.app, 'admin');
    expect((await agent.get('/tickets')).status).toBe(200);
    const token = await resetToken('admin');
    expect((await setPassword(token, NEW_PASSWORD)).status).toBe(303);
    const after = await agent.get('/tickets');
    expect(after.status).toBe(302);
    expect(after.headers.location).toMatch(/^\/login/);
    expect(Number((await tdb.db('sessions').where({ user_id: world.users.admin.id }).count('* as n').first())!.n)).toBe(0);
    const [entry] = await tdb.db('audit_log').where({ object_type: 'user', object_id: String(world.users.admin.id) }).orderBy('id', 'desc').limit(1).select('*');
    expect(entry).toMatchObject({ actor_id: world.users.admin.id, source: 'web', action: 'update', after: { password: 'set_by_reset' } });
    expect(JSON.stringify(entry)).not.toMatch(/argon2|[0-9a-f]{64}/);
    expect(JSON.stringify(entry)).not.toContain(token);
  });

  it('a used link makes the user’s other open links stop working too', async () => {
    const [row] = await tdb.db('users')
      .insert({ login: 'jana', login_key: 'jana', name: 'Jana', email: 'jana@example.cz', role: 'customer', password_hash: 'x' })
      .returning('id');
    await resendInvitation(tdb.ctx, world.users.admin, row.id);
    const invitation = tokenIn((await mailsTo('jana@example.cz', 'invitation'))[0]!.text_body);
    const reset = await resetToken('jana');
    expect((await setPassword(reset, NEW_PASSWORD)).status).toBe(303);
    expect((await request(web.app).get(`/password/set/${invitation}`)).status).toBe(410);
  });
});

describe('asking for a reset link', () => {
  /** The answer page with its CSRF token blanked (the token is new for every visitor). */
  async function ask(account: string, agent = request.agent(web.app)) {
    const csrf = csrfFrom((await agent.get('/password/forgot')).text);
    const res = await agent.post('/password/forgot').type('form').send({ _csrf: csrf, account });
    return { status: res.status, body: res.text.replaceAll(csrf, 'CSRF') };
  }

  it('the login page links to it and keeps the manual’s failure message', async () => {
    const page = await request(web.app).get('/login');
    expect(page.text).toContain('<a href="/password/forgot">Zapomenuté heslo?</a>');
    const agent = request.agent(web.app);
    const csrf = csrfFrom((await agent.get('/login')).text);
    const failed = await agent.post('/login').type('form').send({ _csrf: csrf, login: 'alice', password: 'spatne-heslo' });
    expect(failed.status).toBe(401);
    expect(visibleText(failed.text)).toContain('Bohužel Vaše přihlášení do systému se nezdařilo. Zkuste akci zopakovat znovu');
    expect(cs.login.failed).toBe('Bohužel Vaše přihlášení do systému se nezdařilo. Zkuste akci zopakovat znovu');
  });

  it('answers an unknown and a known address with the same status and the same page', async () => {
    const before = (await mailsTo('alice@example.cz', 'password_reset')).length;
    const unknown = await ask('nikdo@example.cz');
    const known = await ask('alice@example.cz');
    const byLogin = await ask('ALICE');
    expect(unknown.status).toBe(200);
    expect(known.status).toBe(200);
    expect(known.body).toBe(unknown.body);
    expect(byLogin.body).toBe(unknown.body);
    expect(visibleText(known.body)).toContain('Pokud účet existuje, poslali jsme na jeho e-mail odkaz');
    // only the known account got mail: by address and by login
    expect((await mailsTo('alice@example.cz', 'password_reset')).length - before).toBe(2);
    expect(await tdb.db('outbound_mail').where({ to_address: 'nikdo@example.cz' })).toHaveLength(0);
  });

  it('an inactive account gets no mail and the same answer', async () => {
    await tdb.db('users').insert({ login: 'karel', login_key: 'karel', name: 'Karel', email: 'karel@example.cz', role: 'customer', password_hash: 'x', active: false });
    const inactive = await ask('karel');
    const unknown = await ask('nikdo-jiny');
    expect(inactive).toEqual(unknown);
    expect(await mailsTo('karel@example.cz', 'password_reset')).toHaveLength(0);
  });

  it('takes about as long for an unknown address as for a known one (medians of 20 each)', async () => {
    // limits out of the way, so every known request really issues a token and queues a mail
    const ctx = { ...tdb.ctx, passwordLinks: { ...DEFAULT_PASSWORD_LINKS, resetPerAccount: 1000, resetPerAddress: 1000 } };
    const timed = createApp(ctx, testConfig(), 'test-session-secret-0123456789', tdb.url);
    try {
      const agent = request.agent(timed.app);
      const csrf = csrfFrom((await agent.get('/password/forgot')).text);
      const times: Record<'known' | 'unknown', number[]> = { known: [], unknown: [] };
      const mailsBefore = (await mailsTo('carol@example.cz', 'password_reset')).length;
      for (let i = 0; i < 20; i += 1) {
        // alternate, so a slower moment of the machine hits both
        for (const kind of i % 2 === 0 ? (['known', 'unknown'] as const) : (['unknown', 'known'] as const)) {
          const started = performance.now();
          const res = await agent.post('/password/forgot').type('form').send({ _csrf: csrf, account: kind === 'known' ? 'carol@example.cz' : `nikdo${i}@example.cz` });
          times[kind].push(performance.now() - started);
          expect(res.status).toBe(200);
        }
      }
      expect((await mailsTo('carol@example.cz', 'password_reset')).length - mailsBefore).toBe(20);
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const [known, unknown] = [median(times.known), median(times.unknown)];
      expect(unknown).toBeGreaterThanOrEqual(DEFAULT_PASSWORD_LINKS.resetMinMillis);
      expect(Math.abs(known - unknown)).toBeLessThan(Math.max(25, 0.2 * Math.min(known, unknown)));
    } finally {
      await timed.close();
    }
  }, 60_000);

  it('over the per-account limit: no more mail, the same answer, however the account is typed', async () => {
    await tdb.db('rate_counters').where('key', 'like', 'reset:%').delete();
    const answers: string[] = [];
    const mailsBefore = (await mailsTo('bob@example.cz', 'password_reset')).length;
    for (let i = 0; i < DEFAULT_PASSWORD_LINKS.resetPerAccount + 2; i += 1) {
      const { body } = await ask(i % 2 === 0 ? 'bob@example.cz' : ' BOB ');
      answers.push(body);
    }
    expect(new Set(answers).size).toBe(1);
    const mails = (await mailsTo('bob@example.cz', 'password_reset')).length - mailsBefore;
    expect(mails).toBe(DEFAULT_PASSWORD_LINKS.resetPerAccount);
    // from another address too
    expect((await requestPasswordReset(tdb.ctx, 'bob', '10.1.2.3')).queued).toHaveLength(0);
  });

  it('over the per-address limit: no more mail for any account, the same answer', async () => {
    await tdb.db('rate_counters').where('key', 'like', 'reset:%').delete();
    const client = '10.200.0.1';
    const quick = { ...tdb.ctx, passwordLinks: { ...DEFAULT_PASSWORD_LINKS, resetMinMillis: 0 } };
    for (let i = 0; i < DEFAULT_PASSWORD_LINKS.resetPerAddress; i += 1) await requestPasswordReset(quick, `nikdo${i}@example.cz`, client);
    expect((await requestPasswordReset(quick, 'solver', client)).queued).toHaveLength(0);
    expect((await requestPasswordReset(quick, 'solver', '10.200.0.2')).queued).toHaveLength(1);
  });
});

describe('clean-up', () => {
  it('deletes expired and used link tokens, keeps live ones', async () => {
    const { id, token } = await invitedUser('lucie');
    await tdb.db('user_tokens').insert({ user_id: id, purpose: 'reset', token_hash: sha256('old'), expires_at: tdb.db.raw("now() - interval '1 minute'") });
    await cleanUpExpired(tdb.db);
    const left = await tdb.db('user_tokens').select('token_hash');
    expect(left.map((r) => r.token_hash)).toContain(sha256(token));
    expect(left.map((r) => r.token_hash)).not.toContain(sha256('old'));
    expect(await tdb.db('user_tokens').whereNotNull('used_at').orWhere('expires_at', '<=', tdb.db.fn.now())).toHaveLength(0);
  });
});
