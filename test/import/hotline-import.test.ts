import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeHash } from '../../src/domain/hotline-code.js';
import { hotlineCodeKey } from '../../src/services/hotline/code-key.js';
import { ImportError, importDocument } from '../../src/services/import/index.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, login } from '../support/web.js';
import { seedWorld } from '../support/world.js';

const SAMPLE_TEXT = readFileSync(new URL('../fixtures/import/sample.json', import.meta.url), 'utf8');
const ZERO = { companies: 0, contracts: 0, users: 0, tickets: 0, messages: 0 };
const PETR_CODE = '0012345678';

/** The sample with the hotline fields: contract 7's hours by the office calendar, Petr's old code. */
function hotlineSample(): any {
  const doc = JSON.parse(SAMPLE_TEXT);
  doc.contracts[1].hotline_calendar = 'Po–Pá 8–16';
  doc.users[1].hotline_codes = [{ company: 'Město Horní Lhota', number: '7', code: PETR_CODE }];
  return doc;
}

let tdb: TestDatabase;
const options = () => ({ codeKey: tdb.ctx.hotline.codeKey });
beforeAll(async () => {
  tdb = await freshDatabase();
});
afterAll(async () => {
  await tdb.drop();
});

async function problemsOf(doc: unknown): Promise<string[]> {
  try {
    await importDocument(tdb.db, doc, options());
  } catch (e) {
    if (e instanceof ImportError) return e.lines();
    throw e;
  }
  throw new Error('the document was accepted');
}

const hotlineRows = async () => ({
  contracts: await tdb.db('contracts').orderBy('id').select('number', 'hotline', 'hotline_calendar_id'),
  paragraphs: await tdb.db('contract_paragraphs').orderBy('id').select('code', 'is_hotline_default'),
  codes: await tdb.db('hotline_codes').orderBy('id').select('*'),
  audit: Number((await tdb.db('audit_log').count('* as n').first())!.n),
});

describe('the migration import of the hotline fields', () => {
  it('refuses bad hotline fields, each at its JSON path, and writes nothing', async () => {
    const doc = hotlineSample();
    doc.contracts[1].paragraphs[1].hotline_default = true; // a second default
    doc.contracts[0].hotline = true; // without a default
    doc.contracts[0].hotline_calendar = 'Žádný';
    doc.users[1].hotline_codes.push({ company: 'Město Horní Lhota', number: '7', code: '123' });
    doc.users[0].hotline_codes = [
      { company: 'Úřední desky - Kiosky', number: '1', code: PETR_CODE },
      { company: 'Město Horní Lhota', number: '7', code: '5555555555' },
    ];
    doc.users[2].hotline_codes = [{ company: 'Město Horní Lhota', number: '7', code: 1234567890 }];
    const lines = await problemsOf(doc);
    expect(lines).toEqual(
      expect.arrayContaining([
        'contracts[0].hotline: a contract with the hotline needs one paragraph with "hotline_default": true (the paragraph of hotline tickets)',
        'contracts[0].hotline_calendar: unknown calendar "Žádný" (neither in the document nor in the database)',
        'contracts[1].paragraphs[1].hotline_default: only one paragraph of a contract can be the hotline default (also paragraphs[0])',
        'users[1].hotline_codes[1]: a second code for contract "7" of company "Město Horní Lhota" (also hotline_codes[0]); one code per contract',
        'users[1].hotline_codes[1].code: must be exactly 10 digits',
        'users[2].hotline_codes[0].code: must be a string of 10 digits',
      ]),
    );
    expect(Number((await tdb.db('hotline_codes').count('* as n').first())!.n)).toBe(0);
    expect(Number((await tdb.db('contracts').count('* as n').first())!.n)).toBe(0);
  });

  it('refuses a code for a contract without the hotline, for a contract of someone else, for staff, and the same code twice', async () => {
    const doc = hotlineSample();
    doc.users[0].hotline_codes = [
      { company: 'Úřední desky - Kiosky', number: '1', code: '1111111111' },
      { company: 'Město Horní Lhota', number: '7', code: PETR_CODE },
    ];
    doc.users[2].hotline_codes = [{ company: 'Město Horní Lhota', number: '7', code: '2222222222' }];
    const lines = await problemsOf(doc);
    expect(lines).toEqual(
      expect.arrayContaining([
        'users[0].hotline_codes[0]: contract "1" has no hotline service ("hotline": true)',
        'users[0].hotline_codes[1]: must be for one of the user\'s contracts; "7" of "Město Horní Lhota" is not in users[0].contracts',
        'users[1].hotline_codes[0].code: the same code as users[0].hotline_codes[1].code; every code is unique',
        'users[2].hotline_codes[0]: hotline codes are for customers only',
      ]),
    );
    expect(Number((await tdb.db('hotline_codes').count('* as n').first())!.n)).toBe(0);
  });

  it('stores the contract\'s hotline and its calendar, the hotline paragraph, and the user\'s code only as its keyed hash', async () => {
    const summary = await importDocument(tdb.db, hotlineSample(), options());
    expect(summary.contracts).toBe(2);
    const seven = await tdb.db('contracts').where({ number: '7' }).first();
    const office = await tdb.db('service_calendars').where({ name: 'Po–Pá 8–16' }).first();
    expect(seven.hotline).toBe(true);
    expect(seven.hotline_calendar_id).toBe(office.id);
    const one = await tdb.db('contracts').where({ number: '1' }).first();
    expect([one.hotline, one.hotline_calendar_id]).toEqual([false, null]);
    const paragraphs = await tdb.db('contract_paragraphs').where({ contract_id: seven.id }).orderBy('code').select('code', 'is_hotline_default');
    expect(paragraphs).toEqual([{ code: 'A1', is_hotline_default: true }, { code: 'H', is_hotline_default: false }]);

    const petr = await tdb.db('users').where({ login: 'petr.dvorak' }).first();
    const codes = await tdb.db('hotline_codes').select('*');
    expect(codes).toHaveLength(1);
    expect(codes[0]).toMatchObject({ user_id: petr.id, contract_id: seven.id, source: 'import', issued_by: null });
    expect(codes[0].code_hash).toBe(codeHash(await hotlineCodeKey(tdb.ctx), PETR_CODE));
    expect(JSON.stringify(codes)).not.toContain(PETR_CODE);
    const audit = await tdb.db('audit_log').where({ object_type: 'hotline_code' }).select('*');
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain(codes[0].code_hash);
  });

  it('imports the same document again without writing anything', async () => {
    const before = await hotlineRows();
    expect(await importDocument(tdb.db, hotlineSample(), options())).toEqual(ZERO);
    expect(await hotlineRows()).toEqual(before);
  });

  it('refuses a code another user already holds in the database, at its path', async () => {
    const doc = hotlineSample();
    doc.users.push({
      login: 'eva.mala', name: 'Eva Malá', email: 'eva.mala@hornilhota.cz', role: 'customer',
      contracts: [{ company: 'Město Horní Lhota', number: '7', see_all: false }],
      hotline_codes: [{ company: 'Město Horní Lhota', number: '7', code: PETR_CODE }],
    });
    const lines = await problemsOf(doc);
    expect(lines).toContain(`users[${doc.users.length - 1}].hotline_codes[0].code: is already held by user "petr.dvorak" in the database`);
    expect(await tdb.db('users').where({ login: 'eva.mala' }).first()).toBeUndefined();
  });

  it('a changed code replaces the old one; a document without the hotline fields keeps them', async () => {
    const doc = hotlineSample();
    doc.users[1].hotline_codes[0].code = '9876543210';
    expect((await importDocument(tdb.db, doc, options())).users).toBe(1);
    const key = await hotlineCodeKey(tdb.ctx);
    expect((await tdb.db('hotline_codes').select('code_hash')).map((r) => r.code_hash)).toEqual([codeHash(key, '9876543210')]);

    const bare = JSON.parse(SAMPLE_TEXT);
    delete bare.contracts[1].hotline;
    for (const p of bare.contracts[1].paragraphs) delete p.hotline_default;
    const before = await hotlineRows();
    expect(await importDocument(tdb.db, bare, options())).toEqual(ZERO);
    expect(await hotlineRows()).toEqual(before);
  });
});

describe('the hotline codes of the admin upload under a configured HOTLINE_CODE_KEY', () => {
  const KEY = 'configured-code-key-0123456789';
  let configured: TestDatabase;
  let web: ReturnType<typeof buildApp>;
  beforeAll(async () => {
    configured = await freshDatabase({ HOTLINE_CODE_KEY: KEY });
    web = buildApp(configured, { HOTLINE_CODE_KEY: KEY });
    await seedWorld(configured.db);
  });
  afterAll(async () => {
    await web?.close();
    await configured?.drop();
  });

  it('hashes the imported codes with the configured key, not a generated one', async () => {
    expect(configured.ctx.hotline.codeKey).toBe(KEY);
    const admin = await login(web.app, 'admin');
    const res = await admin.agent
      .post('/admin/migration')
      .field('_csrf', admin.csrf)
      .field('mode', 'import')
      .attach('files', Buffer.from(JSON.stringify(hotlineSample())), { filename: 'data.json', contentType: 'application/json' });
    expect(res.status).toBe(200);
    const stored = await configured.db('hotline_codes').first('code_hash', 'source');
    expect(stored).toEqual({ code_hash: codeHash(KEY, PETR_CODE), source: 'import' });
    expect(await configured.db('app_secrets').where({ name: 'hotline_code_key' }).first()).toBeUndefined();
  });
});
