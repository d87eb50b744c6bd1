import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, csrfFrom, login, type Session, visibleText } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';

const SAMPLE_TEXT = readFileSync(new URL('../fixtures/import/sample.json', import.meta.url), 'utf8');
const sample = (): any => JSON.parse(SAMPLE_TEXT);

let tdb: TestDatabase;
let world: World;
let web: ReturnType<typeof buildApp>;
let admin: Session;

beforeAll(async () => {
  tdb = await freshDatabase();
  world = await seedWorld(tdb.db);
  web = buildApp(tdb);
  admin = await login(web.app, 'admin');
});
afterAll(async () => {
  await web?.close();
  await tdb?.drop();
});

const count = async (table: string) => Number((await tdb.db(table).count('* as n').first())?.n);
/** The row counts an upload may change. */
const counts = async () => ({
  calendars: await count('service_calendars'),
  companies: await count('companies'),
  contracts: await count('contracts'),
  users: await count('users'),
  tickets: await count('tickets'),
  audit: await count('audit_log'),
});

function upload(session: Session, mode: string | null, content: string | Buffer | null, filename = 'data.json') {
  const req = session.agent.post('/admin/migration').field('_csrf', session.csrf);
  if (mode !== null) req.field('mode', mode);
  if (content !== null) req.attach('files', Buffer.from(content), { filename, contentType: 'application/json' });
  return req;
}

describe('migration import upload (/admin/migration)', () => {
  it('shows the upload form: one labelled file field with its hint, the CSRF token, a dry run and an import button', async () => {
    const res = await admin.agent.get('/admin/migration');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/<form method="post" action="\/admin\/migration" enctype="multipart\/form-data"/);
    expect(csrfFrom(res.text)).toBeTruthy();
    expect(res.text).toMatch(/<label for="f-files">Dokument JSON/);
    expect(res.text).toMatch(/<input id="f-files" name="files" type="file"[^>]* required aria-describedby="hint-f-files" accept=".json,application\/json">/);
    expect(res.text).toContain('<button type="submit" name="mode" value="dry-run">Zkontrolovat nanečisto</button>');
    expect(res.text).toContain('name="mode" value="import"');
  });

  it('a dry run of a valid document shows what the import would change and writes nothing', async () => {
    const before = await counts();
    const res = await upload(admin, 'dry-run', SAMPLE_TEXT, 'export.json');
    expect(res.status).toBe(200);
    const text = visibleText(res.text);
    expect(text).toContain('Kontrola nanečisto dokumentu export.json proběhla bez problémů; nic nebylo zapsáno.');
    expect(text).toContain('společnosti: 2');
    expect(text).toContain('smlouvy (s paragrafy): 2');
    expect(text).toContain('uživatelé (s přístupy a e-maily): 4');
    expect(text).toContain('požadavky: 3');
    expect(text).toContain('zprávy: 4');
    expect(text).toContain('vyberte stejný soubor znovu');
    expect(await counts()).toEqual(before);
  });

  it('a dry run of a document with problems lists every problem with its JSON path, with status 400 and nothing written', async () => {
    const doc = sample();
    doc.contracts[1].paragraphs[0].sla.reaction.method = 'Hodd';
    doc.users[1].role = 'boss';
    doc.tickets[0].state = 'open';
    const before = await counts();
    const res = await upload(admin, 'dry-run', JSON.stringify(doc));
    expect(res.status).toBe(400);
    expect(res.text).toContain('role="alert"');
    expect(visibleText(res.text)).toContain('Dokument data.json obsahuje 3 problémy; nic nebylo zapsáno.');
    expect(res.text).toContain('<tr><td data-label="Místo v dokumentu"><code>contracts[1].paragraphs[0].sla.reaction.method</code></td><td data-label="Problém">unknown method &#34;Hodd&#34;</td></tr>');
    expect(res.text).toContain('<tr><td data-label="Místo v dokumentu"><code>users[1].role</code></td><td data-label="Problém">unknown role &#34;boss&#34;</td></tr>');
    expect(res.text).toContain('<code>tickets[0].state</code>');
    expect(await counts()).toEqual(before);
  });

  it('a file that is not JSON, an empty file and a file that is not UTF-8 get a Czech message at the file field (400), never a 500', async () => {
    const before = await counts();
    const broken = await upload(admin, 'dry-run', '{"companies": [');
    expect(broken.status).toBe(400);
    expect(visibleText(broken.text)).toMatch(/Soubor není platný dokument JSON \(is not valid JSON \(.+\)\)\. Nic nebylo zapsáno\./);
    expect(broken.text).toMatch(/<input id="f-files"[^>]* aria-invalid="true" aria-describedby="err-f-files hint-f-files"/);
    expect(broken.text).toContain('<div class="alert" role="alert">');

    const empty = await upload(admin, 'import', '');
    expect(empty.status).toBe(400);
    expect(visibleText(empty.text)).toContain('Soubor není platný dokument JSON');

    const latin2 = await upload(admin, 'import', Buffer.from([0x7b, 0x22, 0xe8, 0x22, 0x3a, 0x31, 0x7d]));
    expect(latin2.status).toBe(400);
    expect(visibleText(latin2.text)).toContain('Soubor není text v kódování UTF-8.');
    expect(await counts()).toEqual(before);
  });

  it('refuses a form without a file or without a mode with a message (400)', async () => {
    const noFile = await upload(admin, 'dry-run', null);
    expect(noFile.status).toBe(400);
    expect(visibleText(noFile.text)).toContain('Vyberte soubor s dokumentem JSON.');
    const noMode = await upload(admin, null, SAMPLE_TEXT);
    expect(noMode.status).toBe(400);
    expect(visibleText(noMode.text)).toContain('Vyberte jednu z nabízených možností.');
    const otherMode = await upload(admin, 'everything', SAMPLE_TEXT);
    expect(otherMode.status).toBe(400);
  });

  it('a document with a byte-order mark is read like one without', async () => {
    const res = await upload(admin, 'dry-run', `\uFEFF${SAMPLE_TEXT}`);
    expect(res.status).toBe(200);
    expect(visibleText(res.text)).toContain('proběhla bez problémů');
  });

  it('imports for real, naming the admin and the import in the audit log; the same document again changes nothing', async () => {
    const before = await counts();
    const res = await upload(admin, 'import', SAMPLE_TEXT, 'export.json');
    expect(res.status).toBe(200);
    expect(visibleText(res.text)).toContain('Dokument export.json byl importován. Změněno:');
    expect(visibleText(res.text)).toContain('společnosti: 2');
    const after = await counts();
    expect(after.companies).toBe(before.companies + 2);
    expect(after.tickets).toBe(before.tickets + 3);
    expect(await tdb.db('companies').where({ name: 'Město Horní Lhota' }).first()).toBeTruthy();

    const audit = await tdb.db('audit_log').where('id', '>', 0).select('actor_id', 'source', 'object_type');
    expect(audit.length).toBe(after.audit - before.audit);
    expect(new Set(audit.map((a) => `${a.actor_id} ${a.source}`))).toEqual(new Set([`${world.users.admin.id} import`]));
    expect(new Set(audit.map((a) => a.object_type))).toEqual(new Set(['calendar', 'company', 'contract', 'paragraph', 'user', 'membership', 'authorized_address']));

    const again = await upload(admin, 'import', SAMPLE_TEXT);
    expect(again.status).toBe(200);
    expect(visibleText(again.text)).toContain('společnosti: 0');
    expect(visibleText(again.text)).toContain('požadavky: 0');
    expect(await counts()).toEqual(after);
  });

  it('refuses an upload without a valid CSRF token (403) and a customer or an agent (403), writing nothing', async () => {
    const before = await counts();
    const forged = await admin.agent.post('/admin/migration').field('_csrf', 'forged').field('mode', 'import')
      .attach('files', Buffer.from(SAMPLE_TEXT), { filename: 'x.json', contentType: 'application/json' });
    expect(forged.status).toBe(403);
    for (const who of ['alice', 'agent']) {
      const s = await login(web.app, who);
      expect((await s.agent.get('/admin/migration')).status).toBe(403);
      expect((await upload(s, 'import', SAMPLE_TEXT)).status).toBe(403);
    }
    expect(await counts()).toEqual(before);
  });
});
