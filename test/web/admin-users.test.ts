import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, csrfFrom, login, type Session, visibleText } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';

let tdb: TestDatabase;
let w: World;
let web: ReturnType<typeof buildApp>;
let admin: Session;

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  web = buildApp(tdb);
  admin = await login(web.app, 'admin');
  // bob (company B) may open tickets by mail from this address
  await tdb.db('authorized_addresses').insert({ address: 'podpora@beta.cz', user_id: w.users.bob.id, contract_id: w.contractB });
});
afterAll(async () => {
  await web?.close();
  await tdb?.drop();
});

const count = async (table: string, where: Record<string, unknown> = {}) => Number((await tdb.db(table).where(where).count('* as n').first())?.n);
const idFrom = (location: string | undefined) => Number(/\/admin\/users\/(\d+)/.exec(location ?? '')?.[1]);
/** The input of a field by its name, from the page (the field partial's markup). */
const inputOf = (html: string, name: string) => new RegExp(`<input id="f-${name}" name="${name}"[^>]*>`).exec(html)?.[0] ?? '';

describe('admin: creating and editing users', () => {
  it('creates a customer through the form with their contract and authorised address, audits it and queues the invitation', async () => {
    const res = await admin.agent.post('/admin/users/new').type('form').send({
      _csrf: admin.csrf,
      name: 'Věra Nováková',
      email: 'Vera.Novakova@Alfa.cz',
      login: '',
      phone: '602 111 222',
      role: 'customer',
      active: '1',
      contract_id: String(w.contractA),
      sees_all: '1',
      authorized_email: 'hlaseni@alfa.cz',
    });
    expect(res.status).toBe(303);
    const id = idFrom(res.headers.location);
    expect(res.headers.location).toBe(`/admin/users/${id}?done=createdInvited`);

    const user = await tdb.db('users').where({ id }).first();
    // the login defaults to the e-mail; e-mails are kept lower-case, phones in E.164
    expect(user).toMatchObject({ name: 'Věra Nováková', login: 'vera.novakova@alfa.cz', login_key: 'vera.novakova@alfa.cz', email: 'vera.novakova@alfa.cz', phone: '+420602111222', role: 'customer', active: true });
    expect(await tdb.db('user_contracts').where({ user_id: id }).select('contract_id', 'sees_all_tickets')).toEqual([{ contract_id: w.contractA, sees_all_tickets: true }]);
    expect(await tdb.db('authorized_addresses').where({ user_id: id }).select('address', 'contract_id')).toEqual([{ address: 'hlaseni@alfa.cz', contract_id: w.contractA }]);

    const audit = await tdb.db('audit_log').where({ actor_id: w.users.admin.id, source: 'web' }).whereIn('object_type', ['user', 'membership', 'authorized_address']).orderBy('id').select('object_type', 'object_id', 'action', 'after');
    expect(audit.map((a) => [a.object_type, a.object_id, a.action])).toEqual([
      ['user', String(id), 'create'],
      ['membership', `${id}:${w.contractA}`, 'create'],
      ['authorized_address', 'hlaseni@alfa.cz', 'create'],
    ]);
    // the audit log never shows the password hash
    expect(audit[0].after).toMatchObject({ name: 'Věra Nováková', email: 'vera.novakova@alfa.cz' });
    expect(audit[0].after).not.toHaveProperty('password_hash');

    const mail = await tdb.db('outbound_mail').where({ to_address: 'vera.novakova@alfa.cz' }).select('purpose', 'subject', 'text_body');
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({ purpose: 'invitation', subject: 'Pozvánka do portálu helpdesk.tech' });
    expect(mail[0].text_body).toContain('vera.novakova@alfa.cz');
    expect(await count('user_tokens', { user_id: id, purpose: 'invitation' })).toBe(1);

    const page = await admin.agent.get(res.headers.location!);
    expect(page.status).toBe(200);
    const text = visibleText(page.text);
    expect(text).toContain('Uživatel byl vytvořen a byla mu odeslána pozvánka e-mailem.');
    expect(text).toContain('hlaseni@alfa.cz – Alfa s.r.o., smlouva A-1');
    expect(text).toContain('Historie změn');
  });

  it('refuses an authorised address another user holds: 400, the typed values kept, the error at its field, nothing written', async () => {
    const before = { users: await count('users'), audit: await count('audit_log'), mail: await count('outbound_mail') };
    const res = await admin.agent.post('/admin/users/new').type('form').send({
      _csrf: admin.csrf,
      name: 'Karel Dvojník',
      email: 'karel@alfa.cz',
      phone: '603 222 333',
      role: 'customer',
      active: '1',
      contract_id: String(w.contractA),
      authorized_email: 'Podpora@Beta.cz',
    });
    expect(res.status).toBe(400);
    expect(inputOf(res.text, 'name')).toContain('value="Karel Dvojník"');
    expect(inputOf(res.text, 'phone')).toContain('value="603 222 333"');
    const field = inputOf(res.text, 'authorized_email');
    expect(field).toContain('value="Podpora@Beta.cz"');
    expect(field).toContain('aria-invalid="true"');
    expect(field).toContain('aria-describedby="err-f-authorized_email');
    const error = /<p class="error" id="err-f-authorized_email">([^<]*)<\/p>/.exec(res.text)?.[1] ?? '';
    // admins see who holds it (they administer every company)
    expect(error).toContain('podpora@beta.cz je již autorizována pro uživatele Bob Beta (bob)');
    expect(error).toContain('Beta a.s., smlouva B-1');
    expect(res.text).toContain('role="alert"');
    expect({ users: await count('users'), audit: await count('audit_log'), mail: await count('outbound_mail') }).toEqual(before);
    expect(await count('users', { email: 'karel@alfa.cz' })).toBe(0);
  });

  it('refuses a login another user has, and a bad e-mail and phone, each at its field', async () => {
    const res = await admin.agent.post('/admin/users/new').type('form').send({ _csrf: admin.csrf, name: '', email: 'neni-email', phone: '12', role: 'customer' });
    expect(res.status).toBe(400);
    for (const field of ['name', 'email', 'phone']) expect(inputOf(res.text, field)).toContain('aria-invalid="true"');
    const taken = await admin.agent.post('/admin/users/new').type('form').send({ _csrf: admin.csrf, name: 'Jiná Alice', email: 'jina@alfa.cz', login: ' ALICE ', role: 'customer' });
    expect(taken.status).toBe(400);
    expect(visibleText(taken.text)).toContain('Toto přihlašovací jméno již má jiný uživatel.');
  });

  it('edits a user, their contracts, authorised address and notification settings, each change in the audit trail', async () => {
    const created = await admin.agent.post('/admin/users/new').type('form').send({ _csrf: admin.csrf, name: 'Ota Upravený', email: 'ota@alfa.cz', role: 'customer', active: '1' });
    const id = idFrom(created.headers.location);
    const post = (path: string, body: Record<string, string>) => admin.agent.post(`/admin/users/${id}${path}`).type('form').send({ _csrf: admin.csrf, ...body });

    expect((await post('', { name: 'Ota Upravený', login: 'ota', email: 'ota@alfa.cz', phone: '+421 903 123 456', role: 'customer' })).status).toBe(303);
    expect(await tdb.db('users').where({ id }).first('login', 'login_key', 'phone')).toEqual({ login: 'ota', login_key: 'ota', phone: '+421903123456' });

    expect((await post('/memberships', { contract_id: String(w.contractA2) })).headers.location).toBe(`/admin/users/${id}?done=membership`);
    // the address must name one of the user's contracts
    const notMember = await post('/authorized', { authorized_email: 'ota.mail@alfa.cz', authorized_contract_id: String(w.contractA) });
    expect(notMember.status).toBe(400);
    expect(visibleText(notMember.text)).toContain('Vyberte jednu ze smluv, ke kterým má uživatel přístup.');
    expect(inputOf(notMember.text, 'authorized_email')).toContain('value="ota.mail@alfa.cz"');
    expect((await post('/authorized', { authorized_email: 'ota.mail@alfa.cz', authorized_contract_id: String(w.contractA2) })).status).toBe(303);
    // one address per user: a new one replaces it
    expect((await post('/authorized', { authorized_email: 'ota.novy@alfa.cz', authorized_contract_id: String(w.contractA2) })).status).toBe(303);
    expect(await tdb.db('authorized_addresses').where({ user_id: id }).pluck('address')).toEqual(['ota.novy@alfa.cz']);

    // the admin's notification settings are the user's own choices
    expect((await post('/notifications', { created: 'on', staff_message: 'on' })).status).toBe(303);
    expect((await tdb.db('users').where({ id }).first('notify_prefs')).notify_prefs).toEqual({ created: true, state_changed: false, staff_message: true, complaint_decided: false });
    const page = await admin.agent.get(`/admin/users/${id}`);
    expect(page.text).toMatch(/name="created" value="on" checked/);
    expect(page.text).not.toMatch(/name="state_changed" value="on" checked/);

    // taking the contract takes the address bound to it
    expect((await post('/memberships/remove', { contract_id: String(w.contractA2) })).status).toBe(303);
    expect(await count('user_contracts', { user_id: id })).toBe(0);
    expect(await count('authorized_addresses', { user_id: id })).toBe(0);

    const actions = await tdb.db('audit_log').whereIn('object_type', ['user', 'membership', 'authorized_address']).where((q) => q.where('object_id', String(id)).orWhere('object_id', 'like', `${id}:%`).orWhere('object_id', 'like', 'ota%'))
      .orderBy('id').select('object_type', 'action');
    expect(actions.map((a) => `${a.object_type} ${a.action}`)).toEqual([
      'user create', 'user update', 'membership create', 'authorized_address create', 'authorized_address delete', 'authorized_address create',
      'user update', 'authorized_address delete', 'membership delete',
    ]);
    expect(visibleText((await admin.agent.get(`/admin/users/${id}`)).text)).toContain('odstraněno');
  });

  it('refuses a contract for staff and lets no admin demote or deactivate themselves', async () => {
    const staff = await admin.agent.post(`/admin/users/${w.users.solver.id}/memberships`).type('form').send({ _csrf: admin.csrf, contract_id: String(w.contractA) });
    expect(staff.status).toBe(400);
    expect(visibleText(staff.text)).toContain('přístup ke smlouvě se zadává jen zákazníkům');
    const self = w.users.admin;
    const demote = await admin.agent.post(`/admin/users/${self.id}`).type('form').send({ _csrf: admin.csrf, name: self.name, login: 'admin', email: self.email, role: 'agent' });
    expect(demote.status).toBe(400);
    expect((await admin.agent.post(`/admin/users/${self.id}/deactivate`).type('form').send({ _csrf: admin.csrf })).status).toBe(409);
    expect(await tdb.db('users').where({ id: self.id }).first('role', 'active')).toEqual({ role: 'admin', active: true });
  });

  it('deactivating a signed-in user ends their session at once; reactivating lets them sign in again', async () => {
    const carol = await login(web.app, 'carol');
    expect((await carol.agent.get('/tickets')).status).toBe(200);
    const res = await admin.agent.post(`/admin/users/${w.users.carol.id}/deactivate`).type('form').send({ _csrf: admin.csrf });
    expect(res.headers.location).toBe(`/admin/users/${w.users.carol.id}?done=deactivated`);
    // the very next request is signed out
    const next = await carol.agent.get('/tickets');
    expect(next.status).toBe(302);
    expect(next.headers.location).toMatch(/^\/login/);
    expect(await count('sessions', { user_id: w.users.carol.id })).toBe(0);
    await expect(login(web.app, 'carol')).rejects.toThrow();
    const audit = await tdb.db('audit_log').where({ object_type: 'user', object_id: String(w.users.carol.id) }).orderBy('id', 'desc').first('before', 'after');
    expect(audit).toEqual({ before: { active: true }, after: { active: false } });

    expect((await admin.agent.post(`/admin/users/${w.users.carol.id}/reactivate`).type('form').send({ _csrf: admin.csrf })).status).toBe(303);
    expect((await (await login(web.app, 'carol')).agent.get('/tickets')).status).toBe(200);
  });

  it('sends the invitation again on request, to active users only', async () => {
    const before = await count('outbound_mail', { to_address: 'alice@example.cz', purpose: 'invitation' });
    const res = await admin.agent.post(`/admin/users/${w.users.alice.id}/invite`).type('form').send({ _csrf: admin.csrf });
    expect(res.headers.location).toBe(`/admin/users/${w.users.alice.id}?done=invited`);
    expect(await count('outbound_mail', { to_address: 'alice@example.cz', purpose: 'invitation' })).toBe(before + 1);
    expect(visibleText((await admin.agent.get(res.headers.location!)).text)).toMatch(/Poslední pozvánka odeslána .*, platí do/);
  });

  it('lists users filtered by text, role, state and company', async () => {
    const names = async (query: string) => {
      const page = await admin.agent.get(`/admin/users?${query}`);
      expect(page.status).toBe(200);
      return [...page.text.matchAll(/<td[^>]*><a href="\/admin\/users\/\d+">([^<]*)<\/a><\/td>/g)].map((m) => m[1]);
    };
    expect(await names('q=beta')).toEqual(['Bob Beta']);
    expect(await names('role=agent')).toEqual(['Dana Pokorná', 'Pavel Jedlička']);
    expect(await names(`company=${w.companyB}`)).toEqual(['Bob Beta']);
    expect(await names('q=%25')).toEqual([]);
    expect(await names('active=0&role=admin')).toEqual([]);
    expect((await admin.agent.get('/admin/users?company=abc')).status).toBe(400);
  });

  it('never shows a password field on any admin user page', async () => {
    for (const path of ['/admin/users', '/admin/users/new', `/admin/users/${w.users.alice.id}`, `/admin/users/${w.users.agent.id}`, '/admin/users/import']) {
      const page = await admin.agent.get(path);
      expect(page.status, path).toBe(200);
      expect(page.text, path).not.toMatch(/type="?password/i);
      expect(page.text, path).not.toMatch(/name="(password|next|confirm)"/);
    }
  });

  it('answers 404 for a user that does not exist and 403 to a customer or an agent', async () => {
    expect((await admin.agent.get('/admin/users/999999')).status).toBe(404);
    expect((await admin.agent.post('/admin/users/999999').type('form').send({ _csrf: admin.csrf, name: 'X', login: 'x', email: 'x@x.cz', role: 'customer' })).status).toBe(404);
    for (const who of ['alice', 'agent']) {
      const s = await login(web.app, who);
      expect((await s.agent.get('/admin/users')).status).toBe(403);
      expect((await s.agent.post('/admin/users/new').type('form').send({ _csrf: s.csrf, name: 'X', email: 'x@x.cz', role: 'admin', active: '1' })).status).toBe(403);
    }
    expect(await count('users', { email: 'x@x.cz' })).toBe(0);
  });
});

describe('admin: CSV user import', () => {
  const HEADER = 'jmeno;email;telefon;spolecnost;smlouva;vidi_vse;autorizovany_email';
  const upload = (content: string | Buffer, filename = 'uzivatele.csv') =>
    admin.agent.post('/admin/users/import').field('_csrf', admin.csrf).attach('files', Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'), { filename, contentType: 'text/csv' });
  const confirm = (csv: string) => admin.agent.post('/admin/users/import/confirm').type('form').send({ _csrf: admin.csrf, csv });
  /** The CSV text the preview carries to the confirmation. */
  const carried = (html: string) => {
    const m = /<input type="hidden" name="csv" value="([^"]*)">/.exec(html);
    return m ? m[1]!.replace(/&#13;/g, '\r').replace(/&#10;/g, '\n').replace(/&#34;|&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&') : null;
  };
  const rowsOf = (html: string) =>
    [...html.matchAll(/<tr class="csv-(\w+)">\s*<th scope="row"[^>]*>(\d+)<\/th>([\s\S]*?)<\/tr>/g)].map((m) => ({ status: m[1], line: Number(m[2]), text: visibleText(m[3]!) }));

  it('reads a file with a BOM, semicolons, Windows line endings and Czech diacritics, then imports it with memberships and invitations', async () => {
    const csv = `\uFEFF${HEADER}\r\nŽofie Čermáková;zofie.cermakova@alfa.cz;602 333 444;Alfa s.r.o.;A-1;ano;zofie.hlaseni@alfa.cz\r\nŘehoř Šťastný;rehor@alfa.cz;;Alfa s.r.o.;A-2;ne;\r\nŘehoř Šťastný;rehor@alfa.cz;;Alfa s.r.o.;A-1;1;\r\nAlice Zákaznice;alice@example.cz;;Alfa s.r.o.;A-2;ano;\r\n;;;;;;\r\n`;
    const preview = await upload(csv);
    expect(preview.status).toBe(200);
    expect(rowsOf(preview.text)).toEqual([
      { status: 'new', line: 2, text: expect.stringContaining('Žofie Čermáková') },
      { status: 'new', line: 3, text: expect.stringContaining('Řehoř Šťastný') },
      { status: 'new', line: 4, text: expect.stringContaining('Řehoř Šťastný') },
      { status: 'existing', line: 5, text: expect.stringContaining('existující uživatel') },
    ]);
    expect(visibleText(preview.text)).toContain('Řádků: 4; nových uživatelů: 2; existujících uživatelů: 1.');
    expect(await count('users', { email: 'rehor@alfa.cz' })).toBe(0);

    const text = carried(preview.text);
    expect(text).not.toBeNull();
    const done = await confirm(text!);
    expect(done.status).toBe(200);
    expect(visibleText(done.text)).toContain('Import proběhl: nových uživatelů 2, upravených existujících 1, odeslaných pozvánek 2.');

    const zofie = await tdb.db('users').where({ login_key: 'zofie.cermakova@alfa.cz' }).first();
    expect(zofie).toMatchObject({ name: 'Žofie Čermáková', login: 'zofie.cermakova@alfa.cz', phone: '+420602333444', role: 'customer', active: true });
    expect(await tdb.db('authorized_addresses').where({ user_id: zofie.id }).select('address', 'contract_id')).toEqual([{ address: 'zofie.hlaseni@alfa.cz', contract_id: w.contractA }]);
    const rehor = await tdb.db('users').where({ login_key: 'rehor@alfa.cz' }).first('id', 'name');
    expect(rehor.name).toBe('Řehoř Šťastný');
    expect(await tdb.db('user_contracts').where({ user_id: rehor.id }).orderBy('contract_id').select('contract_id', 'sees_all_tickets')).toEqual(
      [{ contract_id: w.contractA, sees_all_tickets: true }, { contract_id: w.contractA2, sees_all_tickets: false }].sort((a, b) => a.contract_id - b.contract_id),
    );
    // the existing user gets the contract's access changed, no new invitation
    expect(await tdb.db('user_contracts').where({ user_id: w.users.alice.id, contract_id: w.contractA2 }).first('sees_all_tickets')).toEqual({ sees_all_tickets: true });
    expect(await tdb.db('outbound_mail').where({ purpose: 'invitation' }).whereIn('to_address', ['zofie.cermakova@alfa.cz', 'rehor@alfa.cz', 'alice@example.cz']).orderBy('to_address').pluck('to_address')).toEqual(
      expect.arrayContaining(['rehor@alfa.cz', 'zofie.cermakova@alfa.cz']),
    );
    expect(await count('outbound_mail', { purpose: 'invitation', to_address: 'rehor@alfa.cz' })).toBe(1);
    expect(await tdb.db('audit_log').where({ object_type: 'user', object_id: String(rehor.id) }).first('source', 'actor_id')).toEqual({ source: 'csv', actor_id: w.users.admin.id });

    // the same file again: everyone exists now, nobody is invited again
    const again = await confirm(text!);
    expect(visibleText(again.text)).toContain('nových uživatelů 0');
    expect(await count('outbound_mail', { purpose: 'invitation', to_address: 'rehor@alfa.cz' })).toBe(1);
  });

  it('reads a comma-separated file without a BOM, with quoted cells', async () => {
    const csv = 'jmeno,email,telefon,spolecnost,smlouva,vidi_vse,autorizovany_email\n"Novák, Jan",jan.novak@beta.cz,+420 777 888 999,Beta a.s.,B-1,false,\n';
    const preview = await upload(csv);
    expect(preview.status).toBe(200);
    expect(rowsOf(preview.text)).toEqual([{ status: 'new', line: 2, text: expect.stringContaining('Novák, Jan') }]);
    expect((await confirm(carried(preview.text)!)).status).toBe(200);
    expect(await tdb.db('users').where({ email: 'jan.novak@beta.cz' }).first('name', 'phone')).toEqual({ name: 'Novák, Jan', phone: '+420777888999' });
  });

  it('imports nothing while one row is bad, showing each bad row with its errors', async () => {
    const before = { users: await count('users'), audit: await count('audit_log'), mail: await count('outbound_mail') };
    const csv = [
      HEADER,
      'Dobrý Řádek;dobry@alfa.cz;;Alfa s.r.o.;A-1;ano;',
      'Špatný Řádek;neni-email;12;Alfa s.r.o.;B-1;možná;podpora@beta.cz',
      'Cizí Firma;cizi@alfa.cz;;Gama s.r.o.;X-9;ne;',
      'Dana Pokorná;agent@example.cz;;Alfa s.r.o.;A-1;ne;',
      'Dobrý Řádek;dobry@alfa.cz;;Alfa s.r.o.;A-1;ano;',
      'krátký;řádek',
    ].join('\n');
    const preview = await upload(csv);
    expect(preview.status).toBe(400);
    const rows = rowsOf(preview.text);
    expect(rows.map((r) => [r.line, r.status])).toEqual([[2, 'new'], [3, 'error'], [4, 'error'], [5, 'error'], [6, 'error'], [7, 'error']]);
    expect(rows[1]!.text).toContain('email: Zadejte platnou e-mailovou adresu.');
    expect(rows[1]!.text).toContain('telefon: Zadejte platné telefonní číslo');
    expect(rows[1]!.text).toContain('smlouva: smlouva „B-1“ patří společnosti „Beta a.s.“.');
    expect(rows[1]!.text).toContain('vidi_vse: zadejte ano, ne, 1, 0, true nebo false.');
    expect(rows[2]!.text).toContain('spolecnost: společnost „Gama s.r.o.“ v portálu není.');
    expect(rows[2]!.text).toContain('smlouva: smlouva „X-9“ v portálu není.');
    expect(rows[3]!.text).toContain('patří pracovníku podpory');
    expect(rows[4]!.text).toContain('Stejný uživatel se stejnou smlouvou je už na řádku 2.');
    expect(rows[5]!.text).toContain('Řádek má 2 sloupců, očekává se 7.');
    expect(visibleText(preview.text)).toContain('5 řádků obsahuje chyby. Nic nebylo importováno');
    // no import button, no text carried
    expect(preview.text).not.toContain('/admin/users/import/confirm');
    // a confirmation sent anyway is checked again and refused
    const forced = await confirm(csv);
    expect(forced.status).toBe(400);
    expect(rowsOf(forced.text).filter((r) => r.status === 'error')).toHaveLength(5);
    expect({ users: await count('users'), audit: await count('audit_log'), mail: await count('outbound_mail') }).toEqual(before);
  });

  it('refuses an authorised address another user holds or that the file repeats', async () => {
    const csv = [HEADER, 'Adam A;adam@alfa.cz;;Alfa s.r.o.;A-1;ne;podpora@beta.cz', 'Bára B;bara@alfa.cz;;Alfa s.r.o.;A-1;ne;spolecna@alfa.cz', 'Cyril C;cyril@alfa.cz;;Alfa s.r.o.;A-1;ne;SPOLECNA@alfa.cz'].join('\r\n');
    const rows = rowsOf((await upload(csv)).text);
    expect(rows.map((r) => r.status)).toEqual(['error', 'new', 'error']);
    expect(rows[0]!.text).toContain('podpora@beta.cz je již autorizována pro uživatele Bob Beta');
    expect(rows[2]!.text).toContain('stejná adresa je už na řádku 3');
  });

  it('explains a file it cannot read: wrong header, another encoding, no file, broken quotes', async () => {
    const header = await upload('jmeno;e-mail;telefon\nJan;jan@x.cz;\n');
    expect(header.status).toBe(400);
    expect(visibleText(header.text)).toContain('První řádek musí obsahovat přesně sloupce jmeno;email;telefon;spolecnost;smlouva;vidi_vse;autorizovany_email (v tomto pořadí). Nalezeno: jmeno;e-mail;telefon.');
    // "Nováková" in Windows-1250
    const cp1250 = Buffer.concat([Buffer.from(`${HEADER}\r\nNov`), Buffer.from([0xe1, 0x6b, 0x6f, 0x76, 0xe1]), Buffer.from(';n@alfa.cz;;Alfa s.r.o.;A-1;ne;\r\n')]);
    expect(visibleText((await upload(cp1250)).text)).toContain('Soubor není v kódování UTF-8.');
    const none = await admin.agent.post('/admin/users/import').field('_csrf', admin.csrf);
    expect(none.status).toBe(400);
    expect(visibleText(none.text)).toContain('Vyberte soubor CSV.');
    expect(visibleText((await upload(`${HEADER}\n"Neuzavřeno;a@b.cz;;Alfa s.r.o.;A-1;ne;\n`)).text)).toContain('uvozovky nejsou správně uzavřeny');
    expect(visibleText((await upload(`${HEADER}\n`)).text)).toContain('Soubor neobsahuje žádný řádek s uživatelem.');
  });

  it('refuses the upload without a CSRF token', async () => {
    const res = await admin.agent.post('/admin/users/import').attach('files', Buffer.from(HEADER), { filename: 'a.csv', contentType: 'text/csv' });
    expect(res.status).toBe(403);
    expect((await admin.agent.post('/admin/users/import/confirm').type('form').send({ csv: HEADER })).status).toBe(403);
  });

  it('offers the upload form as a multipart form with its token', async () => {
    const page = await admin.agent.get('/admin/users/import');
    expect(page.status).toBe(200);
    expect(page.text).toContain('enctype="multipart/form-data"');
    expect(csrfFrom(page.text)).toBeTruthy();
    expect(page.text).toContain('accept=".csv,text/csv"');
  });
});
