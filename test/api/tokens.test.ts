/**
 * Issue 14, API tokens: the use cases (the token's shape and stored hash, every refusal at its
 * field, the audit log without the token), the admin page (list, create shown once with
 * Cache-Control: no-store and nowhere in the session, revoke with confirmation), and the
 * `token` command run as `npm run --silent token` runs it, against this file's database.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken, revokeApiToken, tokenHash } from '../../src/services/api/tokens.js';
import { ForbiddenError, ValidationError } from '../../src/services/errors.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, login, type Session, visibleText } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let tdb: TestDatabase;
let w: World;
let web: ReturnType<typeof buildApp>;
let admin: Session;

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  web = buildApp(tdb);
  admin = await login(web.app, 'admin');
});
afterAll(async () => {
  await web.close();
  await tdb.drop();
});

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const fieldsOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    if (e instanceof ValidationError) return e.fields;
    throw e;
  }
  throw new Error('expected a ValidationError');
};
const valid = () => ({ contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, user_id: w.users.alice.id, name: `Zabbix ${Math.random()}` });

describe('createApiToken and revokeApiToken', () => {
  it('creates a prefixed 256-bit base64url token, stores only its SHA-256 and audits the row without it', async () => {
    const { id, token } = await createApiToken(tdb.ctx, w.users.admin, { ...valid(), name: 'Zabbix produkce' });
    expect(token).toMatch(/^hdt_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token.slice(4), 'base64url')).toHaveLength(32);
    const row = await tdb.db('api_tokens').where({ id }).first();
    expect(row).toMatchObject({ contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, user_id: w.users.alice.id, name: 'Zabbix produkce', created_by: w.users.admin.id, revoked_at: null });
    expect(row.token_hash).toBe(sha256(token));
    expect(tokenHash(token)).toBe(sha256(token));
    const audit = await tdb.db('audit_log').where({ object_type: 'api_token', object_id: String(id) }).select('*');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'create', actor_id: w.users.admin.id, source: 'web' });
    expect(JSON.stringify(audit[0])).not.toContain(token);
    expect(JSON.stringify(audit[0])).not.toContain(row.token_hash);
    expect(audit[0].after.name).toBe('Zabbix produkce');
  });

  it('refuses a paragraph of another contract, a user who is no member, staff as the user, and a blank or too long name, each at its field', async () => {
    expect(await fieldsOf(createApiToken(tdb.ctx, w.users.admin, { ...valid(), paragraph_id: w.paragraphs.B.incident }))).toEqual({ paragraph_id: 'Vyberte aktivní paragraf zvolené smlouvy.' });
    expect(await fieldsOf(createApiToken(tdb.ctx, w.users.admin, { ...valid(), user_id: w.users.bob.id }))).toEqual({ user_id: 'Vyberte aktivního zákazníka s přístupem ke zvolené smlouvě.' });
    expect(Object.keys(await fieldsOf(createApiToken(tdb.ctx, w.users.admin, { ...valid(), user_id: w.users.agent.id })))).toEqual(['user_id']);
    expect(await fieldsOf(createApiToken(tdb.ctx, w.users.admin, { ...valid(), name: '   ' }))).toEqual({ name: 'Toto pole je povinné.' });
    expect(await fieldsOf(createApiToken(tdb.ctx, w.users.admin, { ...valid(), name: 'x'.repeat(101) }))).toEqual({ name: 'Text je příliš dlouhý (nejvýše 100 znaků).' });
  });

  it('refuses an inactive paragraph and a deactivated user', async () => {
    const [p] = await tdb.db('contract_paragraphs').insert({ contract_id: w.contractA, code: 'OLD', name: 'Staré', kind: 'question', sla_applies: false, active: false }).returning('id');
    expect(Object.keys(await fieldsOf(createApiToken(tdb.ctx, w.users.admin, { ...valid(), paragraph_id: p.id })))).toEqual(['paragraph_id']);
    await tdb.db('users').where({ id: w.users.carol.id }).update({ active: false });
    try {
      expect(Object.keys(await fieldsOf(createApiToken(tdb.ctx, w.users.admin, { ...valid(), user_id: w.users.carol.id })))).toEqual(['user_id']);
    } finally {
      await tdb.db('users').where({ id: w.users.carol.id }).update({ active: true });
    }
  });

  it('keeps a name unique among the live tokens of a contract, and frees it once revoked', async () => {
    const first = await createApiToken(tdb.ctx, w.users.admin, { ...valid(), name: 'Grafana' });
    expect(await fieldsOf(createApiToken(tdb.ctx, w.users.admin, { ...valid(), name: 'Grafana' }))).toEqual({ name: 'Smlouva už má platný token s tímto názvem.' });
    // another contract may use the same name
    await createApiToken(tdb.ctx, w.users.admin, { contract_id: w.contractB, paragraph_id: w.paragraphs.B.incident, user_id: w.users.bob.id, name: 'Grafana' });
    expect(await revokeApiToken(tdb.ctx, w.users.admin, first.id)).toEqual({ revoked: true });
    expect(await revokeApiToken(tdb.ctx, w.users.admin, first.id)).toEqual({ revoked: false });
    const again = await createApiToken(tdb.ctx, w.users.admin, { ...valid(), name: 'Grafana' });
    expect(again.id).not.toBe(first.id);
    const audit = await tdb.db('audit_log').where({ object_type: 'api_token', object_id: String(first.id) }).orderBy('id').select('action', 'after');
    expect(audit.map((a) => a.action)).toEqual(['create', 'update']);
    expect(Object.keys(audit[1].after)).toEqual(['revoked_at']);
  });

  it('is for admins only', async () => {
    await expect(createApiToken(tdb.ctx, w.users.agent, valid())).rejects.toBeInstanceOf(ForbiddenError);
    const { id } = await createApiToken(tdb.ctx, w.users.admin, valid());
    await expect(revokeApiToken(tdb.ctx, w.users.alice, id)).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe('the admin page /admin/api-tokens', () => {
  const post = (url: string, fields: Record<string, string>) => admin.agent.post(url).type('form').send({ _csrf: admin.csrf, ...fields });

  it('shows the create form with the paragraphs and customers grouped by contract, and is linked from the admin home', async () => {
    const home = await admin.agent.get('/admin');
    expect(home.text).toContain('href="/admin/api-tokens"');
    const page = await admin.agent.get('/admin/api-tokens');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<optgroup label="Alfa s.r.o. – A-1 Smlouva Alfa">');
    expect(page.text).toContain(`<option value="${w.paragraphs.B.incident}">I1 – Incident</option>`);
    expect(page.text).toContain(`<option value="${w.users.bob.id}">Bob Beta (bob)</option>`);
    expect(page.text).not.toContain('Dana Pokorná (agent)');
  });

  it('shows a new token once, on the POST answer with Cache-Control: no-store, and never in the session row or the list', async () => {
    const res = await post('/admin/api-tokens', { name: 'Alertmanager', contract_id: String(w.contractB), paragraph_id: String(w.paragraphs.B.question), user_id: String(w.users.bob.id) });
    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const token = /value="(hdt_[A-Za-z0-9_-]{43})"/.exec(res.text)?.[1];
    expect(token).toBeDefined();
    const row = await tdb.db('api_tokens').where({ token_hash: sha256(token!) }).first();
    expect(row).toMatchObject({ name: 'Alertmanager', contract_id: w.contractB, paragraph_id: w.paragraphs.B.question, user_id: w.users.bob.id });
    const sessions = await tdb.db('sessions').select('*');
    expect(JSON.stringify(sessions)).not.toContain(token);
    const list = await admin.agent.get('/admin/api-tokens');
    expect(list.text).not.toContain(token);
    expect(visibleText(list.text)).toContain('Alertmanager Beta a.s. B-1 Smlouva Beta Q – Dotaz Bob Beta (bob)');
  });

  it('shows refused input again with each error at its field and the typed values', async () => {
    const res = await post('/admin/api-tokens', { name: 'Špatně', contract_id: String(w.contractA), paragraph_id: String(w.paragraphs.B.incident), user_id: String(w.users.bob.id) });
    expect(res.status).toBe(400);
    expect(res.text).toContain('<p class="error" id="err-f-paragraph_id">Vyberte aktivní paragraf zvolené smlouvy.</p>');
    expect(res.text).toContain('<p class="error" id="err-f-user_id">Vyberte aktivního zákazníka s přístupem ke zvolené smlouvě.</p>');
    expect(res.text).toContain('value="Špatně"');
    expect(res.text).toContain(`<option value="${w.paragraphs.B.incident}" selected>`);
    expect(await tdb.db('api_tokens').where({ name: 'Špatně' }).first()).toBeUndefined();
  });

  it('revokes a token only after the confirmation box is ticked', async () => {
    const { id } = await createApiToken(tdb.ctx, w.users.admin, { ...valid(), name: 'K zrušení' });
    const confirm = await admin.agent.get(`/admin/api-tokens/${id}/revoke`);
    expect(confirm.status).toBe(200);
    expect(visibleText(confirm.text)).toContain('Zrušit token „K zrušení“');
    const unticked = await post(`/admin/api-tokens/${id}/revoke`, {});
    expect(unticked.status).toBe(400);
    expect(unticked.text).toContain('Zrušení je nutné potvrdit zaškrtnutím.');
    expect((await tdb.db('api_tokens').where({ id }).first()).revoked_at).toBeNull();
    const done = await post(`/admin/api-tokens/${id}/revoke`, { confirm: '1' });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/admin/api-tokens?revoked=1');
    expect((await tdb.db('api_tokens').where({ id }).first()).revoked_at).not.toBeNull();
    const list = await admin.agent.get('/admin/api-tokens?revoked=1');
    expect(visibleText(list.text)).toContain('Token byl zrušen.');
    const twice = await post(`/admin/api-tokens/${id}/revoke`, { confirm: '1' });
    expect(twice.headers.location).toBe('/admin/api-tokens?revoked=before');
    expect(visibleText((await admin.agent.get(twice.headers.location!)).text)).toContain('Token už byl zrušen dříve.');
    expect((await admin.agent.get('/admin/api-tokens/999999/revoke')).status).toBe(404);
  });

  it('refuses customers and agents', async () => {
    for (const who of ['alice', 'agent']) {
      const s = await login(web.app, who);
      expect((await s.agent.get('/admin/api-tokens')).status).toBe(403);
    }
  });
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The token command as `npm run --silent token` runs it, against this file's database. */
function runToken(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: tdb.url, NODE_ENV: 'test' };
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/token.ts', ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const lastLine = (s: string) => s.trimEnd().split('\n').at(-1)!;

describe('npm run token', () => {
  it('creates a token with the contract’s e-mail default paragraph, says so, and prints the token as the last line', async () => {
    const run = await runToken(['create', '--company', 'Alfa s.r.o.', '--contract', 'A-1', '--name', 'Nagios', '--user', 'Carol']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('paragraf: I1 (Incident), výchozí paragraf e-mailu smlouvy');
    const token = lastLine(run.stdout);
    expect(token).toMatch(/^hdt_[A-Za-z0-9_-]{43}$/);
    const row = await tdb.db('api_tokens').where({ token_hash: sha256(token) }).first();
    expect(row).toMatchObject({ name: 'Nagios', contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, user_id: w.users.carol.id, created_by: null });
    const audit = await tdb.db('audit_log').where({ object_type: 'api_token', object_id: String(row.id) }).first();
    expect(audit).toMatchObject({ source: 'cli', actor_id: null, action: 'create' });
  });

  it('takes --paragraph by code, and without an e-mail default the first active paragraph', async () => {
    const given = await runToken(['create', '--company', 'Beta a.s.', '--contract', 'B-1', '--name', 'Skript', '--user', 'bob', '--paragraph', 'Q']);
    expect(given.status).toBe(0);
    expect((await tdb.db('api_tokens').where({ token_hash: sha256(lastLine(given.stdout)) }).first()).paragraph_id).toBe(w.paragraphs.B.question);

    await tdb.db('contract_paragraphs').where({ id: w.paragraphs.A2.incident }).update({ is_email_default: false });
    await tdb.db('user_contracts').insert({ user_id: w.users.bob.id, contract_id: w.contractA2, sees_all_tickets: false });
    const first = await runToken(['create', '--company', 'Alfa s.r.o.', '--contract', 'A-2', '--name', 'Skript', '--user', 'bob']);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain('paragraf: I1 (Incident), první aktivní paragraf smlouvy (smlouva nemá výchozí paragraf e-mailu)');
    expect((await tdb.db('api_tokens').where({ token_hash: sha256(lastLine(first.stdout)) }).first()).paragraph_id).toBe(w.paragraphs.A2.incident);
  });

  it('revokes a token by company, contract and name', async () => {
    const created = await runToken(['create', '--company', 'Beta a.s.', '--contract', 'B-1', '--name', 'Na zrušení', '--user', 'bob']);
    expect(created.status).toBe(0);
    const run = await runToken(['revoke', '--company', 'Beta a.s.', '--contract', 'B-1', '--name', 'Na zrušení']);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe('token „Na zrušení“ smlouvy B-1 zrušen\n');
    expect((await tdb.db('api_tokens').where({ token_hash: sha256(lastLine(created.stdout)) }).first()).revoked_at).not.toBeNull();
    const again = await runToken(['revoke', '--company', 'Beta a.s.', '--contract', 'B-1', '--name', 'Na zrušení']);
    expect(again.status).toBe(1);
    expect(again.stdout).toBe('error: name: platný token s tímto názvem u smlouvy neexistuje\n');
  });

  it('prints error: <what> and exits 1 for an unknown company, contract, login, paragraph, a taken name or a missing option', async () => {
    const cases: [string[], string][] = [
      [['create', '--company', 'Nikdo', '--contract', 'A-1', '--name', 'x', '--user', 'alice'], 'error: company: společnost neexistuje'],
      [['create', '--company', 'Alfa s.r.o.', '--contract', 'B-1', '--name', 'x', '--user', 'alice'], 'error: contract: smlouva s tímto číslem u společnosti neexistuje'],
      [['create', '--company', 'Alfa s.r.o.', '--contract', 'A-1', '--name', 'x', '--user', 'nikdo'], 'error: user: uživatel s tímto přihlašovacím jménem neexistuje'],
      [['create', '--company', 'Alfa s.r.o.', '--contract', 'A-1', '--name', 'x', '--user', 'alice', '--paragraph', 'ZZ'], 'error: paragraph: paragraf s tímto kódem u smlouvy neexistuje'],
      [['create', '--company', 'Alfa s.r.o.', '--contract', 'A-1', '--name', 'x', '--user', 'bob'], 'error: user_id: Vyberte aktivního zákazníka s přístupem ke zvolené smlouvě.'],
      [['create', '--company', 'Alfa s.r.o.', '--contract', 'A-1', '--name', 'Nagios', '--user', 'alice'], 'error: name: Smlouva už má platný token s tímto názvem.'],
      [['create', '--company', 'Alfa s.r.o.', '--contract', 'A-1', '--user', 'alice'], 'error: missing --name'],
      [['rotate'], 'error: unknown command rotate (create or revoke)'],
    ];
    for (const [args, line] of cases) {
      const run = await runToken(args);
      expect(run.status, args.join(' ')).toBe(1);
      expect(run.stdout, args.join(' ')).toBe(`${line}\n`);
    }
  });
});
