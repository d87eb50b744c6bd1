/**
 * Issue 10, companies, contracts and paragraphs in the admin area: the forms (CSRF, 303 with a
 * notice, refused input shown again with every typed value and the error at its field, nothing
 * written), the audit log's before and after, the e-mail default moving between paragraphs,
 * deactivation (no new tickets by the web form, createTicket or e-mail; existing tickets stay
 * visible) and the stored SLA of open tickets following a paragraph's targets or a contract's
 * calendar while closed tickets keep their verdicts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTicket } from '../../src/services/create-ticket.js';
import { ValidationError } from '../../src/services/errors.js';
import { ingestMail } from '../../src/services/mail/ingest.js';
import { ticketClocks } from '../../src/services/sla.js';
import { acceptTicket, closeTicket, resolveTicket } from '../../src/services/transitions.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, csrfFrom, login, type Session, visibleText } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';

const H = 3_600_000;
const ALWAYS = { mon: [['00:00', '24:00']], tue: [['00:00', '24:00']], wed: [['00:00', '24:00']], thu: [['00:00', '24:00']], fri: [['00:00', '24:00']], sat: [['00:00', '24:00']], sun: [['00:00', '24:00']] };

let tdb: TestDatabase;
let w: World;
let web: ReturnType<typeof buildApp>;
let admin: Session;
let always: number;
let office: number;

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  web = buildApp(tdb);
  admin = await login(web.app, 'admin');
  always = (await tdb.db('service_calendars').insert({ name: '24x7 bez svátků', windows: JSON.stringify(ALWAYS), holiday_country: null }).returning('id'))[0].id;
  office = (await tdb.db('service_calendars').where({ name: 'Office' }).first('id')).id;
});
afterAll(async () => {
  await web.close();
  await tdb.drop();
});

/** Posts a form as the admin, with the session's CSRF token. */
const post = (url: string, fields: Record<string, string>) => admin.agent.post(url).type('form').send({ _csrf: admin.csrf, ...fields });
const count = async (table: string) => Number((await tdb.db(table).count('* as n').first())?.n);
const idFrom = (location: string) => Number(/\/(\d+)\?saved=1/.exec(location)?.[1]);

/** The error paragraph tied to a field by the field partial (aria-describedby → err-f-<name>). */
function fieldError(html: string, name: string): string | null {
  const m = new RegExp(`<p class="error" id="err-f-${name}">([^<]*)</p>`).exec(html);
  return m ? m[1]! : null;
}

async function auditOf(type: string, id: number) {
  return tdb.db('audit_log').where({ object_type: type, object_id: String(id) }).orderBy('id').select('actor_id', 'source', 'action', 'before', 'after');
}

async function newCompany(name: string, address = 'Brno'): Promise<number> {
  const res = await post('/admin/companies/new', { name, address, active: '1' });
  expect(res.status).toBe(303);
  return idFrom(res.headers.location!);
}

async function newContract(company: number, number: string, calendar = always, extra: Record<string, string> = {}): Promise<number> {
  const res = await post(`/admin/companies/${company}/contracts/new`, { number, name: `Smlouva ${number}`, calendar_id: String(calendar), active: '1', ...extra });
  expect(res.status).toBe(303);
  return idFrom(res.headers.location!);
}

async function newParagraph(contract: number, fields: Record<string, string>): Promise<number> {
  const res = await post(`/admin/contracts/${contract}/paragraphs/new`, { kind: 'incident', active: '1', ...fields });
  expect(res.status).toBe(303);
  return (await tdb.db('contract_paragraphs').where({ contract_id: contract, code: fields.code }).first('id')).id;
}

describe('creating a company, a contract and its paragraphs through the forms', () => {
  it('writes the rows and the audit log (who, before, after) and redirects with a notice', async () => {
    const page = await admin.agent.get('/admin/companies/new');
    expect(page.status).toBe(200);
    expect(csrfFrom(page.text)).toBeTruthy();

    const created = await post('/admin/companies/new', { name: 'Gama s.r.o.', address: 'Ostrava', active: '1' });
    expect(created.status).toBe(303);
    expect(created.headers.location).toMatch(/^\/admin\/companies\/\d+\?saved=1$/);
    const companyId = idFrom(created.headers.location!);
    expect(await tdb.db('companies').where({ id: companyId }).first('name', 'address', 'active')).toEqual({ name: 'Gama s.r.o.', address: 'Ostrava', active: true });
    const shown = await admin.agent.get(created.headers.location!);
    expect(visibleText(shown.text)).toContain('Změny byly uloženy.');

    const contractRes = await post(`/admin/companies/${companyId}/contracts/new`, {
      number: 'G-1', name: 'Servis Gama', calendar_id: String(always), active: '1', hotline: '1', hotline_calendar_id: '',
    });
    expect(contractRes.status).toBe(303);
    const contractId = idFrom(contractRes.headers.location!);
    expect(await tdb.db('contracts').where({ id: contractId }).first('company_id', 'number', 'name', 'calendar_id', 'timezone', 'active', 'hotline', 'hotline_calendar_id')).toEqual({
      company_id: companyId, number: 'G-1', name: 'Servis Gama', calendar_id: always, timezone: 'Europe/Prague', active: true, hotline: true, hotline_calendar_id: null,
    });

    const inc = await post(`/admin/contracts/${contractId}/paragraphs/new`, {
      code: 'INC', name: 'Incident', kind: 'incident', reaction_method: 'NBD-Hod', reaction_amount: '4', resolution_method: 'Hod', resolution_amount: '16',
      is_email_default: '1', is_hotline_default: '1', active: '1',
    });
    expect(inc.status).toBe(303);
    expect(inc.headers.location).toBe(`/admin/contracts/${contractId}?saved=1`);
    const question = await post(`/admin/contracts/${contractId}/paragraphs/new`, { code: 'Q', name: 'Dotaz', kind: 'question', active: '1' });
    expect(question.status).toBe(303);
    const rows = await tdb.db('contract_paragraphs').where({ contract_id: contractId }).orderBy('code')
      .select('code', 'name', 'kind', 'sla_applies', 'reaction_method', 'reaction_amount', 'resolution_method', 'resolution_amount', 'is_email_default', 'is_hotline_default', 'active');
    expect(rows).toEqual([
      { code: 'INC', name: 'Incident', kind: 'incident', sla_applies: true, reaction_method: 'NBD-Hod', reaction_amount: 4, resolution_method: 'Hod', resolution_amount: 16, is_email_default: true, is_hotline_default: true, active: true },
      { code: 'Q', name: 'Dotaz', kind: 'question', sla_applies: false, reaction_method: null, reaction_amount: null, resolution_method: null, resolution_amount: null, is_email_default: false, is_hotline_default: false, active: true },
    ]);

    const who = { actor_id: w.users.admin.id, source: 'web' };
    expect(await auditOf('company', companyId)).toEqual([{ ...who, action: 'create', before: null, after: { id: companyId, name: 'Gama s.r.o.', address: 'Ostrava', active: true } }]);
    expect(await auditOf('contract', contractId)).toEqual([
      {
        ...who, action: 'create', before: null,
        after: { id: contractId, company_id: companyId, number: 'G-1', name: 'Servis Gama', calendar_id: always, active: true, hotline: true, hotline_calendar_id: null },
      },
    ]);
    const incId = (await tdb.db('contract_paragraphs').where({ contract_id: contractId, code: 'INC' }).first('id')).id;
    expect((await auditOf('paragraph', incId))[0]).toMatchObject({ ...who, action: 'create', before: null, after: { code: 'INC', reaction_method: 'NBD-Hod', reaction_amount: 4, is_email_default: true } });

    // an edit records only what changed, before and after
    const edited = await post(`/admin/companies/${companyId}`, { name: 'Gama a.s.', address: 'Ostrava', active: '1' });
    expect(edited.status).toBe(303);
    expect((await auditOf('company', companyId))[1]).toEqual({ ...who, action: 'update', before: { name: 'Gama s.r.o.' }, after: { name: 'Gama a.s.' } });

    // the pages show the rows and the trails
    const companyPage = visibleText((await admin.agent.get(`/admin/companies/${companyId}`)).text).replace(/&#34;/g, '"');
    expect(companyPage).toContain('G-1 Servis Gama 24x7 bez svátků ano 2 0 Aktivní');
    expect(companyPage).toContain('společnost 3 změněno {"name":"Gama s.r.o."} {"name":"Gama a.s."}'.replace('3', String(companyId)));
    const contractPage = visibleText((await admin.agent.get(`/admin/contracts/${contractId}`)).text);
    expect(contractPage).toContain('INC Incident Incident NBD-Hod 4 / Hod 16 Výchozí pro požadavky z e-mailu, Výchozí pro požadavky z HotLine Aktivní');
    expect(contractPage).toContain('paragraf smlouvy');
    const list = visibleText((await admin.agent.get('/admin/companies?q=gama&active=active')).text);
    expect(list).toContain('Gama a.s. Ostrava 1 Aktivní');
    expect(list).not.toContain('Alfa s.r.o.');
    expect(visibleText((await admin.agent.get('/admin/companies?active=inactive')).text)).not.toContain('Gama a.s.');
  });

  it('refuses a form without its CSRF token and writes nothing', async () => {
    const before = await count('companies');
    const res = await admin.agent.post('/admin/companies/new').type('form').send({ name: 'Bez tokenu', active: '1' });
    expect(res.status).toBe(403);
    expect(await count('companies')).toBe(before);
  });

  it('is not open to an agent or a customer', async () => {
    for (const who of ['agent', 'alice']) {
      const s = await login(web.app, who);
      expect((await s.agent.get('/admin/companies')).status).toBe(403);
      expect((await s.agent.post('/admin/companies/new').type('form').send({ _csrf: s.csrf, name: `Od ${who}`, active: '1' })).status).toBe(403);
    }
    expect(await tdb.db('companies').whereIn('name', ['Od agent', 'Od alice']).first()).toBeUndefined();
  });
});

describe('refused input', () => {
  it('a company name in use: 400, the typed values kept, the error at the name, nothing written', async () => {
    const before = { companies: await count('companies'), audit: await count('audit_log') };
    const res = await post('/admin/companies/new', { name: 'Alfa s.r.o.', address: 'Nová adresa 5', active: '1' });
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'name')).toBe('Společnost s tímto názvem již existuje.');
    expect(res.text).toContain('aria-invalid="true" aria-describedby="err-f-name"');
    expect(res.text).toContain('value="Alfa s.r.o."');
    expect(res.text).toContain('>Nová adresa 5</textarea>');
    expect(res.text).toContain('role="alert"');
    expect({ companies: await count('companies'), audit: await count('audit_log') }).toEqual(before);

    // renaming another company to it: refused the same way
    const edit = await post(`/admin/companies/${w.companyB}`, { name: 'Alfa s.r.o.', address: 'Praha', active: '1' });
    expect(edit.status).toBe(400);
    expect(fieldError(edit.text, 'name')).toBe('Společnost s tímto názvem již existuje.');
    expect((await tdb.db('companies').where({ id: w.companyB }).first('name')).name).toBe('Beta a.s.');
  });

  it('a contract number in use (on any company): 400 with the values and the error at the number', async () => {
    const company = await newCompany('Delta s.r.o.');
    const before = await count('contracts');
    const res = await post(`/admin/companies/${company}/contracts/new`, { number: 'A-1', name: 'Kopie čísla', calendar_id: String(office), hotline: '1' });
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'number')).toBe('Smlouva s tímto číslem již existuje (čísla smluv jsou jedinečná).');
    expect(res.text).toContain('value="A-1"');
    expect(res.text).toContain('value="Kopie čísla"');
    expect(res.text).toContain(`<option value="${office}" selected>Office</option>`);
    expect(res.text).toMatch(/id="f-hotline" name="hotline" value="1" checked/);
    expect(res.text).not.toMatch(/id="f-active" name="active" value="1" checked/);
    expect(await count('contracts')).toBe(before);
  });

  it('a paragraph code in use in the contract: 400, the error at the code, nothing written', async () => {
    const before = await count('contract_paragraphs');
    const res = await post(`/admin/contracts/${w.contractA}/paragraphs/new`, { code: 'I1', name: 'Druhý incident', kind: 'incident', reaction_method: 'Hod', reaction_amount: '2', resolution_method: 'Hod', resolution_amount: '8' });
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'code')).toBe('Paragraf s tímto kódem již ve smlouvě existuje.');
    expect(res.text).toContain('value="Druhý incident"');
    expect(res.text).toContain('value="8"');
    expect(await count('contract_paragraphs')).toBe(before);
    // the same code in another contract is fine
    await newParagraph(w.contractB, { code: 'I9', name: 'Jiný' });
    expect((await post(`/admin/contracts/${w.contractA}/paragraphs/new`, { code: 'I9', name: 'Jiný', kind: 'question' })).status).toBe(303);
  });

  it('a half-filled SLA: the missing fields get the error, a bad amount its own, every other problem at once', async () => {
    const before = await count('contract_paragraphs');
    const res = await post(`/admin/contracts/${w.contractA}/paragraphs/new`, { code: '', name: 'Poloviční SLA', kind: 'incident', reaction_method: 'Hod', reaction_amount: '0', resolution_method: '' });
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'code')).toBe('Toto pole je povinné.');
    expect(fieldError(res.text, 'reaction_amount')).toBe('Zadejte celé kladné číslo.');
    expect(fieldError(res.text, 'resolution_method')).toMatch(/^Vyplňte i toto pole SLA/);
    expect(fieldError(res.text, 'resolution_amount')).toMatch(/^Vyplňte i toto pole SLA/);
    expect(fieldError(res.text, 'reaction_method')).toBeNull();
    expect(res.text).toContain('<option value="Hod" selected>Hod</option>');
    expect(res.text).toContain('value="Poloviční SLA"');
    expect(await count('contract_paragraphs')).toBe(before);
  });

  it('an unknown calendar or kind is a field error, an unknown id in the path a 404', async () => {
    const res = await post(`/admin/companies/${w.companyA}/contracts/new`, { number: 'X-1', name: 'X', calendar_id: '999999' });
    expect(res.status).toBe(400);
    expect(fieldError(res.text, 'calendar_id')).toBe('Vyberte jednu z nabízených možností.');
    const kind = await post(`/admin/contracts/${w.contractA}/paragraphs/new`, { code: 'K', name: 'K', kind: 'nonsense' });
    expect(kind.status).toBe(400);
    expect(fieldError(kind.text, 'kind')).toBe('Vyberte jednu z nabízených možností.');
    for (const url of ['/admin/companies/999999', '/admin/contracts/999999', '/admin/paragraphs/999999', '/admin/companies/99999999999', '/admin/contracts/abc']) {
      expect((await admin.agent.get(url)).status).toBe(404);
    }
    expect((await post('/admin/contracts/999999/paragraphs/new', { code: 'Z', name: 'Z', kind: 'incident' })).status).toBe(404);
  });
});

describe('the e-mail default', () => {
  it('is one paragraph of a contract: setting it on another moves it there in the same save, audited', async () => {
    const company = await newCompany('Epsilon s.r.o.');
    const contract = await newContract(company, 'E-1');
    const first = await newParagraph(contract, { code: 'P1', name: 'První', is_email_default: '1' });
    const second = await newParagraph(contract, { code: 'P2', name: 'Druhý' });
    const auditBefore = await count('audit_log');

    const res = await post(`/admin/paragraphs/${second}`, { code: 'P2', name: 'Druhý', kind: 'incident', is_email_default: '1', active: '1' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/admin/paragraphs/${second}?saved=1`);
    expect(await tdb.db('contract_paragraphs').where({ contract_id: contract }).orderBy('code').pluck('is_email_default')).toEqual([false, true]);
    expect((await auditOf('paragraph', first)).at(-1)).toMatchObject({ action: 'update', before: { is_email_default: true }, after: { is_email_default: false } });
    expect((await auditOf('paragraph', second)).at(-1)).toMatchObject({ action: 'update', before: { is_email_default: false }, after: { is_email_default: true } });
    expect(await count('audit_log')).toBe(auditBefore + 2);

    // the hotline default likewise
    await post(`/admin/paragraphs/${first}`, { code: 'P1', name: 'První', kind: 'incident', is_hotline_default: '1', active: '1' });
    await post(`/admin/paragraphs/${second}`, { code: 'P2', name: 'Druhý', kind: 'incident', is_email_default: '1', is_hotline_default: '1', active: '1' });
    expect(await tdb.db('contract_paragraphs').where({ contract_id: contract }).orderBy('code').pluck('is_hotline_default')).toEqual([false, true]);
  });
});

async function ticketOn(contractId: number, paragraphId: number, hoursAgo = 0): Promise<number> {
  const n = (await createTicket(tdb.ctx, w.users.alice, { contract_id: contractId, paragraph_id: paragraphId, contact_phone: '602123456', subject: 'Test', description: 'x' })).number;
  if (hoursAgo) {
    await tdb.db('tickets').where({ number: n }).update({ created_at: tdb.db.raw(`date_trunc('second', now()) - make_interval(hours => ?)`, [hoursAgo]) });
  }
  return n;
}

async function refused(contractId: number, paragraphId: number): Promise<Record<string, string>> {
  try {
    await ticketOn(contractId, paragraphId);
  } catch (e) {
    if (e instanceof ValidationError) return e.fields;
    throw e;
  }
  throw new Error('the ticket was created');
}

let mailSeq = 0;
function mail(from: string, subject: string, inReplyTo?: string): Buffer {
  mailSeq += 1;
  const headers = [
    `From: ${from}`, 'To: helpdesk.tech@seyfor.com', `Subject: ${subject}`, `Date: ${new Date(Date.UTC(2026, 10, 20, 8, mailSeq)).toUTCString()}`,
    `Message-ID: <adm${mailSeq}.${Date.now()}@example.cz>`, ...(inReplyTo ? [`In-Reply-To: ${inReplyTo}`] : []),
    'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit',
  ];
  return Buffer.from(`${headers.join('\r\n')}\r\n\r\nDobrý den,\r\nzkouška.\r\n`, 'utf8');
}

describe('deactivation', () => {
  it('a deactivated contract leaves the new-ticket form, createTicket and e-mail refuse it; its ticket still opens for its reporter', async () => {
    const existing = await ticketOn(w.contractA2, w.paragraphs.A2.incident);
    await tdb.db('authorized_addresses').insert({ address: 'alice.a2@example.cz', user_id: w.users.alice.id, contract_id: w.contractA2 });
    const alice = await login(web.app, 'alice');
    const option = 'A-2 Smlouva Alfa 2 (Alfa s.r.o.)</option>';
    expect((await alice.agent.get('/tickets/new')).text).toContain(option);

    const res = await post(`/admin/contracts/${w.contractA2}`, { number: 'A-2', name: 'Smlouva Alfa 2', calendar_id: String(office) });
    expect(res.status).toBe(303);
    expect((await auditOf('contract', w.contractA2)).at(-1)).toMatchObject({ action: 'update', before: { active: true }, after: { active: false } });
    expect(res.headers.location).toBe(`/admin/contracts/${w.contractA2}?saved=1`);
    expect(visibleText((await admin.agent.get(res.headers.location!)).text)).toContain('Změny byly uloženy.');

    expect((await alice.agent.get('/tickets/new')).text).not.toContain(option);
    expect(await refused(w.contractA2, w.paragraphs.A2.incident)).toEqual({ contract_id: 'Vyberte jednu z nabízených možností.' });
    // the web form says so at the field
    const form = await alice.agent.get('/tickets/new');
    const posted = await alice.agent.post('/tickets/new').field('_csrf', csrfFrom(form.text)).field('contract_id', String(w.contractA2))
      .field('paragraph_id', String(w.paragraphs.A2.incident)).field('contact_phone', '602123456').field('subject', 'Po deaktivaci').field('description', 'x');
    expect(posted.status).toBe(400);
    expect(posted.text).toContain('value="Po deaktivaci"');

    // e-mail: no new ticket (a clear refusal), but a reply to its existing ticket is still taken
    const before = await count('tickets');
    expect(await ingestMail(tdb.ctx, mail('alice.a2@example.cz', 'Nový problém'), { mailbox: null })).toEqual({ outcome: 'reject_unauthorized', reason: 'contract_inactive' });
    expect(await count('tickets')).toBe(before);
    const reply = await ingestMail(tdb.ctx, mail('alice.a2@example.cz', `Re: [${existing}] Test`), { mailbox: null });
    expect(reply).toMatchObject({ outcome: 'comment_on_ticket', ticket: existing });

    // the existing ticket stays in the reporter's list and opens
    const page = await alice.agent.get(`/tickets/${existing}`);
    expect(page.status).toBe(200);
    expect(visibleText((await alice.agent.get('/tickets')).text)).toContain(String(existing));
    expect((await admin.agent.get(`/tickets/${existing}`)).status).toBe(200);
  });

  it('a deactivated company takes its contracts out of use; a deactivated paragraph is refused on its own', async () => {
    const company = await newCompany('Zéta s.r.o.');
    const contract = await newContract(company, 'Z-1');
    const p1 = await newParagraph(contract, { code: 'Z1', name: 'Z1' });
    const p2 = await newParagraph(contract, { code: 'Z2', name: 'Z2' });
    await tdb.db('user_contracts').insert({ user_id: w.users.alice.id, contract_id: contract, sees_all_tickets: true });
    const n = await ticketOn(contract, p1);

    expect((await post(`/admin/paragraphs/${p2}`, { code: 'Z2', name: 'Z2', kind: 'incident' })).status).toBe(303);
    expect(await refused(contract, p2)).toEqual({ paragraph_id: 'Vyberte jednu z nabízených možností.' });
    const alice = await login(web.app, 'alice');
    const form = (await alice.agent.get('/tickets/new')).text;
    expect(form).toContain(`<option value="${p1}" data-contract="${contract}"`);
    expect(form).toContain('Z-1 Smlouva Z-1 (Zéta s.r.o.)</option>');
    expect(form).not.toContain(`<option value="${p2}" data-contract="${contract}"`);

    expect((await post(`/admin/companies/${company}`, { name: 'Zéta s.r.o.', address: 'Brno' })).status).toBe(303);
    expect(await refused(contract, p1)).toEqual({ contract_id: 'Vyberte jednu z nabízených možností.' });
    expect((await alice.agent.get('/tickets/new')).text).not.toContain('Z-1 Smlouva Z-1 (Zéta s.r.o.)</option>');
    expect((await alice.agent.get(`/tickets/${n}`)).status).toBe(200);
    expect(visibleText((await admin.agent.get('/admin/companies?active=inactive')).text)).toContain('Zéta s.r.o. Brno 1 Neaktivní');
  });
});

describe('the stored SLA follows the setup', () => {
  const stored = async (n: number) =>
    tdb.db('tickets').where({ number: n }).first('reaction_due_at', 'resolution_due_at', 'reaction_breached', 'resolution_breached', 'sla_computed_at');

  it('new targets of a paragraph move its open tickets’ stored due; a closed ticket keeps its stored verdicts', async () => {
    const company = await newCompany('Éta s.r.o.');
    const contract = await newContract(company, 'H-1');
    const paragraph = await newParagraph(contract, { code: 'I', name: 'Incident', reaction_method: 'Hod', reaction_amount: '4', resolution_method: 'Hod', resolution_amount: '16' });
    await tdb.db('user_contracts').insert({ user_id: w.users.alice.id, contract_id: contract, sees_all_tickets: true });

    // closed: accepted and resolved 10 h after the submission, so reaction breached (4 h), resolution met (16 h)
    const closed = await ticketOn(contract, paragraph, 10);
    await acceptTicket(tdb.ctx, w.users.agent, closed, {});
    await resolveTicket(tdb.ctx, w.users.agent, closed, { resolution: 'Hotovo' });
    await closeTicket(tdb.ctx, w.users.agent, closed, {});
    const closedBefore = await stored(closed);
    expect(closedBefore).toMatchObject({ reaction_breached: true, resolution_breached: false, reaction_due_at: null, resolution_due_at: null });

    const open = await ticketOn(contract, paragraph, 1);
    await tdb.db('tickets').where({ number: open }).update({ reaction_due_at: null, resolution_due_at: null });
    const created = ((await tdb.db('tickets').where({ number: open }).first('created_at')).created_at as Date).getTime();

    const res = await post(`/admin/paragraphs/${paragraph}`, { code: 'I', name: 'Incident', kind: 'incident', reaction_method: 'Hod', reaction_amount: '12', resolution_method: 'Hod', resolution_amount: '40', active: '1' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/admin/paragraphs/${paragraph}?saved=1&recomputed=1`);
    expect(visibleText((await admin.agent.get(res.headers.location!)).text)).toContain('Termíny SLA byly přepočítány u 1 otevřeného požadavku.');

    const after = await stored(open);
    // 24x7 without holidays: due = submission + the target's hours
    expect(after.reaction_due_at.getTime()).toBe(created + 12 * H);
    expect(after.resolution_due_at.getTime()).toBe(created + 40 * H);
    expect(after).toMatchObject({ reaction_breached: false, resolution_breached: false });
    // the closed ticket: untouched, although its verdicts under the new targets would differ
    expect(await stored(closed)).toEqual(closedBefore);
    expect((await ticketClocks(tdb.db, closed)).reaction?.breached).toBe(false);

    // a change the clocks do not see (the name) recomputes nothing
    const renamed = await post(`/admin/paragraphs/${paragraph}`, { code: 'I', name: 'Incident 2', kind: 'incident', reaction_method: 'Hod', reaction_amount: '12', resolution_method: 'Hod', resolution_amount: '40', active: '1' });
    expect(renamed.headers.location).toBe(`/admin/paragraphs/${paragraph}?saved=1`);
  });

  it('a contract’s new calendar recomputes its open tickets with that calendar', async () => {
    const company = await newCompany('Théta s.r.o.');
    const contract = await newContract(company, 'T-1');
    const paragraph = await newParagraph(contract, { code: 'I', name: 'Incident', reaction_method: 'Hod', reaction_amount: '4', resolution_method: 'Hod', resolution_amount: '16' });
    await tdb.db('user_contracts').insert({ user_id: w.users.alice.id, contract_id: contract, sees_all_tickets: true });
    const open = await ticketOn(contract, paragraph, 1);
    const before = await stored(open);

    const res = await post(`/admin/contracts/${contract}`, { number: 'T-1', name: 'Smlouva T-1', calendar_id: String(office), active: '1' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/admin/contracts/${contract}?saved=1&recomputed=1`);
    const after = await stored(open);
    expect(after.sla_computed_at.getTime()).toBeGreaterThan(before.sla_computed_at.getTime());
    const clocks = await ticketClocks(tdb.db, open);
    expect(after.resolution_due_at?.getTime() ?? null).toBe(clocks.resolution?.due?.toMillis() ?? null);
    expect(after.reaction_due_at?.getTime() ?? null).toBe(clocks.reaction?.due?.toMillis() ?? null);
  });
});
