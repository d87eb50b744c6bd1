import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, login, type Session, visibleText } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';

let tdb: TestDatabase;
let world: World;
let web: ReturnType<typeof buildApp>;
let admin: Session;

/** Rows of the log as records.ts writes them (the table only takes inserts). */
async function logged(rows: { at: string; actor_id: number | null; source: string; object_type: string; object_id: string; action?: string; before?: object | null; after?: object | null }[]) {
  await tdb.db('audit_log').insert(
    rows.map((r) => ({
      action: 'update',
      ...r,
      before: r.before ? JSON.stringify(r.before) : null,
      after: r.after ? JSON.stringify(r.after) : null,
    })),
  );
}

/** The object cells of the list, in order. */
const objects = (html: string) => [...html.matchAll(/<tr>\s*<td[^>]*>[^<]*<\/td>\s*<td[^>]*>[^<]*<\/td>\s*<td[^>]*>(.*?)<\/td>/g)].map((m) => visibleText(m[1]!));

beforeAll(async () => {
  tdb = await freshDatabase();
  world = await seedWorld(tdb.db);
  web = buildApp(tdb);
  admin = await login(web.app, 'admin');
  const a = world.users.admin.id;
  await logged([
    { at: '2026-11-02T10:00:00Z', actor_id: a, source: 'web', object_type: 'company', object_id: String(world.companyA), action: 'create', after: { name: 'Alfa s.r.o.' } },
    { at: '2026-11-03T10:00:00Z', actor_id: a, source: 'web', object_type: 'contract', object_id: String(world.contractA), before: { name: 'Stará' }, after: { name: 'Smlouva Alfa' } },
    { at: '2026-11-04T10:00:00Z', actor_id: null, source: 'import', object_type: 'calendar', object_id: '1', action: 'create', after: { name: 'Office' } },
    { at: '2026-11-05T10:00:00Z', actor_id: a, source: 'csv', object_type: 'user', object_id: String(world.users.alice.id), before: { phone: null }, after: { phone: '+420603111222' } },
    { at: '2026-11-05T23:30:00Z', actor_id: a, source: 'web', object_type: 'membership', object_id: '7', action: 'create', after: { user_id: world.users.carol.id, contract_id: world.contractA } },
    { at: '2026-11-06T10:00:00Z', actor_id: a, source: 'web', object_type: 'paragraph', object_id: String(world.paragraphs.A.incident), before: { reaction_amount: 4 }, after: { reaction_amount: 2 } },
  ]);
});
afterAll(async () => {
  await web?.close();
  await tdb?.drop();
});

describe('audit log list (/admin/audit)', () => {
  it('lists every change newest first: when, who and by what, the object linked to its admin page, the action, before and after as JSON', async () => {
    const res = await admin.agent.get('/admin/audit');
    expect(res.status).toBe(200);
    expect(objects(res.text)).toEqual([
      `paragraf smlouvy ${world.paragraphs.A.incident}`,
      'přístup ke smlouvě 7',
      `uživatel ${world.users.alice.id}`,
      'servisní kalendář 1',
      `smlouva ${world.contractA}`,
      `společnost ${world.companyA}`,
    ]);
    expect(res.text).toContain(`<a href="/admin/paragraphs/${world.paragraphs.A.incident}">`);
    expect(res.text).toContain(`<a href="/admin/users/${world.users.carol.id}">přístup ke smlouvě 7</a>`);
    expect(res.text).toContain(`<a href="/admin/users/${world.users.alice.id}">`);
    expect(res.text).toContain('<a href="/admin/calendars/1">');
    expect(res.text).toContain(`<a href="/admin/contracts/${world.contractA}">`);
    expect(res.text).toContain(`<a href="/admin/companies/${world.companyA}">`);
    const text = visibleText(res.text);
    expect(text).toContain('Admin Správce (CSV import)');
    expect(text).toContain('import z příkazové řádky (import)');
    expect(res.text).toContain('<td data-label="Před"><code class="json">{&#34;name&#34;:&#34;Stará&#34;}</code></td>\n      <td data-label="Po"><code class="json">{&#34;name&#34;:&#34;Smlouva Alfa&#34;}</code></td>');
    expect(text).toContain('6.11.2026 00:30');
  });

  it('filters by object type, object id, who changed it and local dates (inclusive, in Prague time)', async () => {
    const get = async (query: string) => {
      const res = await admin.agent.get(`/admin/audit?${query}`);
      expect(res.status, query).toBe(200);
      return objects(res.text);
    };
    expect(await get('type=contract')).toEqual([`smlouva ${world.contractA}`]);
    expect(await get(`type=user&id=${world.users.alice.id}`)).toEqual([`uživatel ${world.users.alice.id}`]);
    expect(await get('id=7')).toEqual(['přístup ke smlouvě 7']);
    expect((await get(`actor=${world.users.admin.id}`)).length).toBe(5);
    expect(await get('from=2026-11-04&to=2026-11-05')).toEqual([`uživatel ${world.users.alice.id}`, 'servisní kalendář 1']);
    // 23:30 UTC on the 5th is 00:30 on the 6th in Prague
    expect(await get('from=2026-11-06')).toEqual([`paragraf smlouvy ${world.paragraphs.A.incident}`, 'přístup ke smlouvě 7']);
    expect(await get('type=&id=&actor=&from=&to=')).toHaveLength(6);
    const page = await admin.agent.get('/admin/audit?type=user&actor=' + world.users.admin.id);
    expect(page.text).toMatch(/<option value="user" selected>/);
    expect(page.text).toContain(`<option value="${world.users.admin.id}" selected>Admin Správce (admin)</option>`);
  });

  it('offers the administrators in the actor filter, not customers or agents', async () => {
    const res = await admin.agent.get('/admin/audit');
    const select = /<select id="audit-actor"[\s\S]*?<\/select>/.exec(res.text)![0];
    expect(select).toContain('Admin Správce');
    expect(select).not.toContain('Alice');
    expect(select).not.toContain('Dana Pokorná');
  });

  it('pages by 50 keeping the filter in the links', async () => {
    await logged(Array.from({ length: 55 }, (_, i) => ({ at: '2026-10-01T10:00:00Z', actor_id: null, source: 'import', object_type: 'company', object_id: String(1000 + i), action: 'create', after: { name: `Firma ${i}` } })));
    const first = await admin.agent.get('/admin/audit?type=company');
    expect(objects(first.text)).toHaveLength(50);
    expect(first.text).toContain('<a href="/admin/audit?type=company&amp;page=2">Starší</a>');
    const second = await admin.agent.get('/admin/audit?type=company&page=2');
    expect(objects(second.text)).toEqual(['společnost 1004', 'společnost 1003', 'společnost 1002', 'společnost 1001', 'společnost 1000', `společnost ${world.companyA}`]);
    expect(second.text).toContain('<a href="/admin/audit?type=company&amp;page=1">Novější</a>');
    expect(second.text).not.toContain('Starší</a>');
  });

  it('answers a filter value that cannot be one with 400 and a message, never 500', async () => {
    const cases: [string, string][] = [
      ['type=ticket', 'Vyberte jednu z nabízených možností.'],
      ['id=abc', 'ID objektu musí být celé kladné číslo.'],
      ['id=-1', 'ID objektu musí být celé kladné číslo.'],
      ['id=99999999999999999999999', 'ID objektu musí být celé kladné číslo.'],
      ['actor=x', 'neplatné číslo'],
      ['actor=99999999999', 'neplatné číslo'],
      ['from=2026-13-01', 'Zadejte platné datum.'],
      ['to=2026-02-30', 'Zadejte platné datum.'],
      ['from=yesterday', 'Zadejte platné datum.'],
      ['from=2026-11-06&to=2026-11-01', 'Datum „od“ nesmí být pozdější než datum „do“.'],
      ['page=0', 'neplatné číslo'],
      ['page=1.5', 'neplatné číslo'],
    ];
    for (const [query, message] of cases) {
      const res = await admin.agent.get(`/admin/audit?${query}`);
      expect(res.status, query).toBe(400);
      expect(visibleText(res.text), query).toContain(message);
    }
  });

  it('refuses customers and agents (403)', async () => {
    for (const who of ['alice', 'agent']) {
      const s = await login(web.app, who);
      expect((await s.agent.get('/admin/audit')).status).toBe(403);
    }
  });
});
