import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeHash } from '../../src/domain/hotline-code.js';
import { hotlineCodeKey } from '../../src/services/hotline/code-key.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, csrfFrom, login, type Session, visibleText } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';
import { type RecordingServer, sha256, startRecordingServer } from './support.js';

const TOKEN = 'staff-pages-auth-token';
const ACCOUNT = 'ACstaffpages';
let tdb: TestDatabase;
let w: World;
let web: ReturnType<typeof buildApp>;
let app: ReturnType<typeof buildApp>['app'];
let rec: RecordingServer;
let agent: Session;

beforeAll(async () => {
  rec = await startRecordingServer(ACCOUNT, TOKEN);
  const env = { HOTLINE_AUTH_TOKEN: TOKEN, HOTLINE_ACCOUNT_SID: ACCOUNT, HOTLINE_RECORDING_HOSTS: rec.host, PUBLIC_URL: 'http://127.0.0.1:3000' };
  tdb = await freshDatabase(env);
  w = await seedWorld(tdb.db);
  await tdb.db('contracts').where({ id: w.contractA }).update({ hotline: true });
  await tdb.db('contract_paragraphs').where({ id: w.paragraphs.A.incident }).update({ is_hotline_default: true });
  web = buildApp(tdb, env);
  app = web.app;
  agent = await login(app, 'agent');
});
afterAll(async () => {
  await rec.close();
  await tdb.drop();
});

let sid = 0;
/** A finished call in the log, `minutesAgo` before now. */
async function call(minutesAgo: number, fields: Record<string, unknown>): Promise<number> {
  sid += 1;
  const [row] = await tdb.db('hotline_calls')
    .insert({ call_sid: `CA${String(sid).padStart(32, '0')}`, caller: '+420602123456', called: '+420533442988', step: 'ended', started_at: tdb.db.raw(`now() - interval '${minutesAgo} minutes'`), ...fields })
    .returning('id');
  return Number(row.id);
}

describe('the staff hotline log', () => {
  it('is not there for customers (404), nor for anyone signed out', async () => {
    const alice = await login(app, 'alice');
    expect((await alice.agent.get('/staff/hotline')).status).toBe(404);
    expect((await alice.agent.get('/staff/hotline/codes')).status).toBe(404);
    const post = await alice.agent.post('/staff/hotline/codes').type('form').send({ _csrf: alice.csrf, user_id: w.users.alice.id, contract_id: w.contractA });
    expect(post.status).toBe(404);
    expect(await tdb.db('hotline_codes').first()).toBeUndefined();
    // signed out: as every staff page answers
    expect((await request(app).get('/staff/hotline')).status).toBe((await request(app).get('/staff/queue')).status);
  });

  it('lists calls newest first with time, caller, user, the outcome in Czech, the ticket link and the duration; filters by outcome', async () => {
    await tdb.db('hotline_calls').delete();
    const ticket = Number((await tdb.db('tickets').insert({
      contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, reporter_id: w.users.alice.id, subject: 'HotLine', description: 'x', channel: 'hotline', state: 'new',
    }).returning('number'))[0].number);
    await call(50, { outcome: 'no_code' });
    await call(40, { outcome: 'wrong_code', caller: '+420777000111' });
    await call(30, { outcome: 'outside_hours', user_id: w.users.carol.id, contract_id: w.contractA });
    await call(20, { outcome: 'ticket', user_id: w.users.alice.id, contract_id: w.contractA, ticket_number: ticket, recording_seconds: 42 });
    await call(10, { outcome: 'download_failed', user_id: w.users.alice.id, contract_id: w.contractA, recording_url: rec.urlOf('REfailed'), recording_seconds: 7, failure: 'HTTP 503' });
    const page = await agent.agent.get('/staff/hotline');
    expect(page.status).toBe(200);
    const all = visibleText(page.text);
    // the rows, after the table's header (the filter's options name every outcome too)
    const text = all.slice(all.indexOf('Délka'));
    const order = ['stažení nahrávky selhalo', `tiket ${ticket}`, 'mimo provozní dobu', 'chybný kód', 'bez kódu'].map((s) => text.indexOf(s));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(page.text).toContain(`<a href="/tickets/${ticket}">tiket ${ticket}</a>`);
    expect(text).toContain('42 s');
    expect(text).toContain('+420777000111');
    expect(text).toContain('Carol Vlastní');
    expect(text).toContain('neidentifikován');
    expect(page.text).toMatch(/<button type="submit"[^>]*>Znovu stáhnout<\/button>/);
    expect(page.text.match(/Znovu stáhnout<\/button>/g)).toHaveLength(1);

    const filtered = visibleText((await agent.agent.get('/staff/hotline?outcome=wrong_code')).text);
    const failed = filtered.slice(filtered.indexOf('Délka'));
    expect(failed).toContain('+420777000111');
    expect(failed).not.toContain('mimo provozní dobu');
    // an unknown outcome is no filter
    expect(visibleText((await agent.agent.get('/staff/hotline?outcome=bogus')).text)).toContain('bez kódu');
  });

  it('pages by 50', async () => {
    await tdb.db('hotline_calls').delete();
    for (let i = 0; i < 51; i += 1) await call(100 + i, { outcome: 'hung_up', caller: `+4206000000${String(i).padStart(2, '0')}` });
    const first = await agent.agent.get('/staff/hotline');
    expect(first.text).toContain('+420600000000');
    expect(first.text).not.toContain('+420600000050');
    expect(first.text).toContain('href="/staff/hotline?page=2"');
    const second = await agent.agent.get('/staff/hotline?page=2');
    expect(second.text).toContain('+420600000050');
    expect(second.text).not.toContain('+420600000049');
    expect((await agent.agent.get('/staff/hotline?page=x')).status).toBe(400);
    // a page past the end is an empty page, whatever its number
    for (const url of ['/staff/hotline?page=9007199254740991', '/staff/hotline/codes?page=9007199254740991']) {
      const far = await agent.agent.get(url);
      expect(far.status, url).toBe(200);
      expect(far.text).toContain('href="' + url.replace('9007199254740991', '9007199254740990') + '"');
    }
  });

  it('"Znovu stáhnout" downloads the recording again and creates the ticket with the WAV', async () => {
    await tdb.db('hotline_calls').delete();
    const id = await call(5, { outcome: 'download_failed', user_id: w.users.alice.id, contract_id: w.contractA, recording_url: rec.urlOf('REretry'), recording_seconds: 2, failure: 'HTTP 503' });
    const res = await agent.agent.post(`/staff/hotline/${id}/retry`).type('form').send({ _csrf: agent.csrf });
    expect(res.status).toBe(303);
    const row = await tdb.db('hotline_calls').where({ id }).first();
    expect(row.outcome).toBe('ticket');
    expect(res.headers.location).toBe(`/staff/hotline?retried=${row.ticket_number}`);
    const ticket = await tdb.db('tickets').where({ number: row.ticket_number }).first();
    expect(ticket.channel).toBe('hotline');
    const page = await agent.agent.get(res.headers.location!);
    expect(visibleText(page.text)).toContain(`Nahrávka stažena, vznikl tiket ${row.ticket_number}.`);
    const attachment = await tdb.db('attachments').where({ ticket_number: row.ticket_number }).first();
    expect(attachment.content_type).toBe('audio/wav');
    const download = await agent.agent.get(`/tickets/${row.ticket_number}/attachments/${attachment.id}`).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(sha256(download.body as Buffer)).toBe(sha256(rec.wav));
    // a second retry of the same call: it is no longer failed
    expect((await agent.agent.post(`/staff/hotline/${id}/retry`).type('form').send({ _csrf: agent.csrf })).status).toBe(409);
    expect((await agent.agent.post('/staff/hotline/99999/retry').type('form').send({ _csrf: agent.csrf })).status).toBe(404);
  });
});

describe('issuing codes on the staff page and the admin user page', () => {
  it('lists the customers of hotline contracts, issues a code shown once (no-store) and marks it issued', async () => {
    const list = await agent.agent.get('/staff/hotline/codes');
    expect(list.status).toBe(200);
    const text = visibleText(list.text);
    expect(text).toContain('Alice Zákaznice (alice)');
    expect(text).toContain('Carol Vlastní (carol)');
    expect(text).not.toContain('Bob Beta');
    expect(text).toContain('nevydán');
    const res = await agent.agent.post('/staff/hotline/codes').type('form').send({ _csrf: csrfFrom(list.text), user_id: w.users.carol.id, contract_id: w.contractA, from: 'staff' });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const code = /<strong>(\d{10})<\/strong>/.exec(res.text)?.[1];
    expect(code).toMatch(/^\d{10}$/);
    expect(visibleText(res.text)).toContain('Kód HotLine pro uživatele Carol Vlastní, smlouva A-1:');
    expect(res.text).toContain('href="/staff/hotline/codes"');
    const stored = await tdb.db('hotline_codes').where({ user_id: w.users.carol.id, contract_id: w.contractA }).first();
    expect(stored.code_hash).toBe(codeHash(await hotlineCodeKey(tdb.ctx), code!));
    // not in the session rows either, nor on the next page
    const sessions = await tdb.db('sessions').select(tdb.db.raw('sess::text as s'));
    expect(sessions.some((s: { s: string }) => s.s.includes(code!))).toBe(false);
    const after = await agent.agent.get('/staff/hotline/codes?q=carol');
    expect(visibleText(after.text)).toMatch(/Carol Vlastní \(carol\) .*kód vydán \d/);
    expect(after.text).not.toContain(code!);
    expect(after.text).toContain('>Vydat nový kód</button>');
    expect(visibleText(after.text)).not.toContain('Alice');
  });

  it('refuses a user who is not on the contract, in Czech, with nothing issued', async () => {
    const res = await agent.agent.post('/staff/hotline/codes').type('form').send({ _csrf: agent.csrf, user_id: w.users.bob.id, contract_id: w.contractA });
    expect(res.status).toBe(400);
    expect(visibleText(res.text)).toContain('Uživatel nemá přístup k této smlouvě.');
    expect(await tdb.db('hotline_codes').where({ user_id: w.users.bob.id }).first()).toBeUndefined();
    expect((await agent.agent.post('/staff/hotline/codes').type('form').send({ _csrf: agent.csrf, user_id: 'x', contract_id: w.contractA })).status).toBe(404);
  });

  it("the admin's user page has a HotLine section with the button, and the issue leads back to it", async () => {
    const admin = await login(app, 'admin');
    const page = await admin.agent.get(`/admin/users/${w.users.alice.id}`);
    const text = visibleText(page.text);
    expect(text).toContain('HotLine');
    expect(text).toMatch(/Alfa s\.r\.o\. – A-1 Smlouva Alfa nevydán Vydat kód/);
    expect(text).not.toContain('A-2 Smlouva Alfa 2 nevydán');
    const res = await admin.agent.post('/staff/hotline/codes').type('form').send({ _csrf: csrfFrom(page.text), user_id: w.users.alice.id, contract_id: w.contractA, from: 'admin' });
    expect(res.status).toBe(200);
    expect(res.text).toContain(`href="/admin/users/${w.users.alice.id}"`);
    const after = visibleText((await admin.agent.get(`/admin/users/${w.users.alice.id}`)).text);
    expect(after).toMatch(/A-1 Smlouva Alfa kód vydán \d/);
    // the issue is in the user's history of changes, without the code or its hash
    const trail = after.slice(after.indexOf('Historie změn'));
    expect(trail).toContain('kód HotLine');
    expect(trail).not.toMatch(/\d{10}|[0-9a-f]{64}/);
    // staff pages have no HotLine section for staff users
    expect(visibleText((await admin.agent.get(`/admin/users/${w.users.agent.id}`)).text)).not.toContain('Autorizační kódy uživatele');
  });
});
