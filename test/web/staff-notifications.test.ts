/**
 * Staff notifications (issue 12, part 2): who gets which kind, the settings that switch a kind
 * off, the contracts an admin narrows a staff member to, and the SLA alerts queued once each
 * (twice the job, two pools at once) from the tickets' stored dues with the real clock.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { serviceContext } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';
import { createDb } from '../../src/db/knex.js';
import { periodicJobs } from '../../src/jobs.js';
import { addMessage } from '../../src/services/conversation.js';
import { ingestMail } from '../../src/services/mail/ingest.js';
import { createTicket } from '../../src/services/create-ticket.js';
import { assignTicket } from '../../src/services/staff-edits.js';
import { queueSlaAlerts } from '../../src/services/staff-notifications.js';
import { acceptTicket, escalateTicket, fileComplaint, resolveTicket } from '../../src/services/transitions.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, login, testConfig } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';

let tdb: TestDatabase;
let w: World;

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
});
afterAll(async () => {
  await tdb.drop();
});
beforeEach(async () => {
  await tdb.db('users').update({ notify_prefs: '{}' });
  await tdb.db('staff_contracts').delete();
});

const open = (subject: string, contract: 'A' | 'B' = 'A', reporter = contract === 'A' ? w.users.alice : w.users.bob) =>
  createTicket(tdb.ctx, reporter, {
    contract_id: contract === 'A' ? w.contractA : w.contractB,
    paragraph_id: w.paragraphs[contract].incident,
    contact_phone: '602123456',
    subject,
    description: 'x',
  });
/** The staff notifications of a ticket: [purpose, to] in the order written. */
const staffMail = async (n: number, purpose?: string) =>
  (await tdb.db('outbound_mail').where({ ticket_number: n }).where('purpose', 'like', purpose ?? 'staff\\_%').orderBy('id').select('purpose', 'to_address', 'subject', 'text_body', 'in_reply_to'));
const to = (rows: { to_address: string }[]) => rows.map((r) => r.to_address).sort();

describe('staff notifications', () => {
  it('tells every staff member serving the contract of a new ticket, with its link, and returns them with the receipts', async () => {
    const created = await open('Nová tiskárna');
    const mails = await staffMail(created.number);
    expect(to(mails)).toEqual(['admin@example.cz', 'agent@example.cz', 'solver@example.cz']);
    expect(mails[0]).toMatchObject({ purpose: 'staff_new_ticket', subject: `[${created.number}] - Nový požadavek: Nová tiskárna`, in_reply_to: null });
    expect(mails[0].text_body).toContain(`Nový požadavek ${created.number} „Nová tiskárna“ založil(a) Alice Zákaznice (kanál: web).`);
    expect(mails[0].text_body).toContain(`http://localhost:3000/tickets/${created.number}`);
    expect(created.notifications.map((m) => m.to)).toEqual(['alice@example.cz', 'agent@example.cz', 'solver@example.cz', 'admin@example.cz']);
  });

  it('does not tell the staff member who created the ticket', async () => {
    const created = await createTicket(tdb.ctx, w.users.agent, { contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, contact_phone: '602123456', subject: 'Z HotLine', description: 'x' }, [], 'hotline');
    expect(to(await staffMail(created.number))).toEqual(['admin@example.cz', 'solver@example.cz']);
  });

  it('tells a narrowed staff member only about the contracts they serve', async () => {
    await tdb.db('staff_contracts').insert({ user_id: w.users.solver.id, contract_id: w.contractB });
    const a = await open('Na smlouvě A');
    const b = await open('Na smlouvě B', 'B');
    expect(to(await staffMail(a.number))).toEqual(['admin@example.cz', 'agent@example.cz']);
    expect(to(await staffMail(b.number))).toEqual(['admin@example.cz', 'agent@example.cz', 'solver@example.cz']);
  });

  it('sends nothing of a kind a staff member switched off', async () => {
    await tdb.db('users').where({ id: w.users.admin.id }).update({ notify_prefs: JSON.stringify({ new_ticket: false }) });
    const { number } = await open('Bez admina');
    expect(to(await staffMail(number))).toEqual(['agent@example.cz', 'solver@example.cz']);
  });

  it('tells the assignee of a customer message, not other staff, not for a staff message', async () => {
    const { number } = await open('Zprávy');
    await addMessage(tdb.ctx, w.users.alice, number, { body: 'Ještě před přijetím.' });
    expect(await staffMail(number, 'staff_customer_message')).toEqual([]);
    await acceptTicket(tdb.ctx, w.users.agent, number, {});
    await addMessage(tdb.ctx, w.users.agent, number, { body: 'Od podpory.' });
    const added = await addMessage(tdb.ctx, w.users.alice, number, { body: 'Posílám log.' });
    const mails = await staffMail(number, 'staff_customer_message');
    expect(mails.map((m) => m.to_address)).toEqual(['agent@example.cz']);
    expect(mails[0].subject).toBe(`[${number}] - Zpráva od zákazníka: Zprávy`);
    expect(mails[0].text_body).toContain('Alice Zákaznice napsal(a) do požadavku, který řešíte:\nPosílám log.');
    expect(added.notifications.map((m) => m.to)).toEqual(['agent@example.cz']);

    await tdb.db('users').where({ id: w.users.agent.id }).update({ notify_prefs: JSON.stringify({ customer_message: false }) });
    await addMessage(tdb.ctx, w.users.alice, number, { body: 'A ještě jednou.' });
    expect(await staffMail(number, 'staff_customer_message')).toHaveLength(1);
  });

  it('tells the assignee of a complaint', async () => {
    const { number } = await open('Reklamace');
    await acceptTicket(tdb.ctx, w.users.solver, number, {});
    await resolveTicket(tdb.ctx, w.users.solver, number, { resolution: 'Hotovo.' });
    await fileComplaint(tdb.ctx, w.users.alice, number, { reason: 'Nefunguje to.' });
    const mails = await staffMail(number, 'staff_complaint');
    expect(mails.map((m) => m.to_address)).toEqual(['solver@example.cz']);
    expect(mails[0].subject).toBe(`[${number}] - Reklamace: Reklamace`);
    expect(mails[0].text_body).toContain('Důvod:\nNefunguje to.');
  });

  it('tells the new assignee of an assignment or escalation, but not who assigned themselves', async () => {
    const { number } = await open('Přiřazení');
    await assignTicket(tdb.ctx, w.users.agent, number, { assignee_id: String(w.users.agent.id) });
    expect(await staffMail(number, 'staff_assigned')).toEqual([]);
    await assignTicket(tdb.ctx, w.users.agent, number, { assignee_id: String(w.users.solver.id) });
    let mails = await staffMail(number, 'staff_assigned');
    expect(mails.map((m) => m.to_address)).toEqual(['solver@example.cz']);
    expect(mails[0].text_body).toContain('Dana Pokorná Vám přiřadil(a) požadavek k řešení.');

    await acceptTicket(tdb.ctx, w.users.solver, number, {});
    await escalateTicket(tdb.ctx, w.users.solver, number, { assignee_id: String(w.users.admin.id) });
    mails = await staffMail(number, 'staff_assigned');
    expect(mails.map((m) => m.to_address)).toEqual(['solver@example.cz', 'admin@example.cz']);
  });

  it('writes a staff member’s mail in the language they chose', async () => {
    await tdb.db('users').where({ id: w.users.solver.id }).update({ language: 'en' });
    try {
      const { number } = await open('Anglicky');
      await assignTicket(tdb.ctx, w.users.agent, number, { assignee_id: String(w.users.solver.id) });
      const [mail] = await staffMail(number, 'staff_assigned');
      expect(mail.subject).toBe(`[${number}] - Request assigned to you: Anglicky`);
    } finally {
      await tdb.db('users').where({ id: w.users.solver.id }).update({ language: null });
    }
  });

  it('tells staff of a ticket and a customer reply that came by e-mail', async () => {
    await tdb.db('authorized_addresses').insert({ address: 'alice@example.cz', user_id: w.users.alice.id, contract_id: w.contractA }).onConflict('address').ignore();
    const raw = (subject: string, body: string) =>
      Buffer.from(
        [`From: Alice Zákaznice <alice@example.cz>`, 'To: helpdesk.tech@seyfor.com', `Subject: ${subject}`, `Message-ID: <s${Date.now()}.${Math.random()}@alfa.example.cz>`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', body, ''].join('\r\n'),
        'utf8',
      );
    const created = await ingestMail(tdb.ctx, raw('Mailem', 'Nejde tisk.'), { mailbox: null, size: 100 });
    const number = created.ticket!;
    expect(to(await staffMail(number, 'staff_new_ticket'))).toEqual(['admin@example.cz', 'agent@example.cz', 'solver@example.cz']);
    expect((await staffMail(number, 'staff_new_ticket'))[0].text_body).toContain('(kanál: e-mail)');
    await acceptTicket(tdb.ctx, w.users.solver, number, {});
    await ingestMail(tdb.ctx, raw(`Re: [${number}] - Mailem`, 'Posílám podrobnosti.'), { mailbox: null, size: 100 });
    const replies = await staffMail(number, 'staff_customer_message');
    expect(replies.map((m) => m.to_address)).toEqual(['solver@example.cz']);
    expect(replies[0].text_body).toContain('Posílám podrobnosti.');
  });

  it('keeps staff mail out of the customer thread', async () => {
    const { number } = await open('Vlákno');
    await acceptTicket(tdb.ctx, w.users.agent, number, {});
    const customer = await tdb.db('outbound_mail').where({ ticket_number: number }).whereNot('purpose', 'like', 'staff\\_%').orderBy('id').select('message_id', 'in_reply_to');
    expect(customer).toHaveLength(2);
    expect(customer[1].in_reply_to).toBe(customer[0].message_id);
  });
});

describe('SLA alerts', () => {
  /** An open ticket whose stored reaction due is `minutes` from now (the resolution's far away). */
  async function dueIn(subject: string, minutes: number, assignee?: number) {
    const { number } = await open(subject);
    await tdb.db('tickets').where({ number }).update({
      reaction_due_at: tdb.db.raw(`now() + make_interval(mins => ?)`, [minutes]),
      resolution_due_at: tdb.db.raw(`now() + interval '10 days'`),
      ...(assignee ? { assignee_id: assignee } : {}),
    });
    return number;
  }
  const alerts = (n: number) => tdb.db('staff_alerts').where({ ticket_number: n }).select('clock', 'kind');

  it('warns the assignee of a due within the lead time and tells of a past one as breached, with the real clock', async () => {
    const warned = await dueIn('Brzy', 30, w.users.solver.id);
    const breached = await dueIn('Pozdě', -5, w.users.solver.id);
    const later = await dueIn('Později', 90, w.users.solver.id);
    await queueSlaAlerts(tdb.ctx, { leadMinutes: 60 });
    expect(await alerts(warned)).toEqual([{ clock: 'reaction', kind: 'sla_warning' }]);
    expect(await alerts(breached)).toEqual([{ clock: 'reaction', kind: 'sla_breached' }]);
    expect(await alerts(later)).toEqual([]);
    const w1 = await staffMail(warned, 'staff_sla_warning');
    expect(w1.map((m) => m.to_address)).toEqual(['solver@example.cz']);
    expect(w1[0].subject).toBe(`[${warned}] - Blíží se termín reakce: Brzy`);
    expect(w1[0].text_body).toMatch(/Termín reakce podle SLA vyprší \d+\.\d+\.\d{4} \d\d:\d\d\./);
    const b1 = await staffMail(breached, 'staff_sla_breached');
    expect(b1.map((m) => m.to_address)).toEqual(['solver@example.cz']);
    expect(b1[0].subject).toBe(`[${breached}] - Překročen termín reakce: Pozdě`);
    expect(await staffMail(later, 'staff_sla%')).toEqual([]);
  });

  it('tells the staff serving the contract when nobody is assigned, but who switched the kind off', async () => {
    await tdb.db('staff_contracts').insert({ user_id: w.users.agent.id, contract_id: w.contractB });
    await tdb.db('users').where({ id: w.users.admin.id }).update({ notify_prefs: JSON.stringify({ sla_breached: false }) });
    const n = await dueIn('Nikdo', -1);
    await queueSlaAlerts(tdb.ctx, { leadMinutes: 60 });
    expect((await staffMail(n, 'staff_sla_breached')).map((m) => m.to_address)).toEqual(['solver@example.cz']);
  });

  it('queues each alert once: the job run twice, and two pools at once', async () => {
    const n = await dueIn('Jednou', 20, w.users.agent.id);
    const first = await queueSlaAlerts(tdb.ctx, { leadMinutes: 60 });
    const second = await queueSlaAlerts(tdb.ctx, { leadMinutes: 60 });
    expect(first.alerts).toBeGreaterThanOrEqual(1);
    expect(second).toEqual({ alerts: 0, mails: 0 });
    expect(await staffMail(n, 'staff_sla_warning')).toHaveLength(1);

    const m = await dueIn('Dva procesy', -2, w.users.agent.id);
    const otherDb = createDb(tdb.url, 3);
    try {
      const other = serviceContext(otherDb, loadConfig({ NODE_ENV: 'test', SEED_DEMO: 'false' }));
      const results = await Promise.all([queueSlaAlerts(tdb.ctx, { leadMinutes: 60 }), queueSlaAlerts(other, { leadMinutes: 60 }), queueSlaAlerts(other, { leadMinutes: 60 })]);
      expect(results.reduce((sum, r) => sum + r.alerts, 0)).toBe(1);
    } finally {
      await otherDb.destroy();
    }
    expect(await staffMail(m, 'staff_sla_breached')).toHaveLength(1);
    expect(await alerts(m)).toEqual([{ clock: 'reaction', kind: 'sla_breached' }]);
  });

  it('warns again for a due moved later, and runs as the periodic sla-alerts job', async () => {
    const n = await dueIn('Posunuto', 10, w.users.agent.id);
    await queueSlaAlerts(tdb.ctx, { leadMinutes: 60 });
    await tdb.db('tickets').where({ number: n }).update({ reaction_due_at: tdb.db.raw(`now() + interval '40 minutes'`) });
    const job = periodicJobs(tdb.ctx, testConfig({ JOB_SLA_ALERT_SECONDS: '60', SLA_WARNING_MINUTES: '60' })).find((j) => j.name === 'sla-alerts')!;
    expect(job.everySeconds).toBe(60);
    expect(await job.run()).toMatch(/^1 SLA alert\(s\), 1 mail\(s\) queued$/);
    expect(await job.run()).toBeNull();
    expect(await staffMail(n, 'staff_sla_warning')).toHaveLength(2);
  });
});

describe('settings and serving contracts on the web', () => {
  let web: ReturnType<typeof buildApp>;
  beforeAll(() => {
    web = buildApp(tdb);
  });
  afterAll(async () => {
    await web.close();
  });
  it('shows staff their kinds on the settings page and saves them; customers never see them', async () => {
    const s = await login(web.app, 'agent');
    const page = await s.agent.get('/account/notifications');
    expect(page.text).toContain('Upozornění pro pracovníky podpory');
    expect(page.text).toContain('name="sla_warning" value="on" checked');
    await s.agent.post('/account/notifications').type('form').send({ _csrf: s.csrf, created: 'on', new_ticket: 'on' }).expect(200);
    const prefs = (await tdb.db('users').where({ id: w.users.agent.id }).first('notify_prefs')).notify_prefs;
    expect(prefs).toMatchObject({ new_ticket: true, sla_warning: false, assigned: false, created: true, state_changed: false });

    const c = await login(web.app, 'alice');
    const customerPage = await c.agent.get('/account/notifications');
    expect(customerPage.text).not.toContain('Upozornění pro pracovníky podpory');
    expect(customerPage.text).not.toContain('name="sla_warning"');
  });

  it('lets an admin narrow the contracts a staff member serves, audited, and widen them again', async () => {
    const s = await login(web.app, 'admin');
    const page = await s.agent.get(`/admin/users/${w.users.solver.id}`);
    expect(page.text).toContain('Obsluhované smlouvy');
    expect(page.text).toContain('Nyní obsluhuje všechny smlouvy.');
    await s.agent.post(`/admin/users/${w.users.solver.id}/serves`).type('form').send(`_csrf=${encodeURIComponent(s.csrf)}&contract_ids=${w.contractA}&contract_ids=${w.contractB}`).expect(303);
    expect((await tdb.db('staff_contracts').where({ user_id: w.users.solver.id }).orderBy('contract_id').pluck('contract_id')).map(Number)).toEqual([w.contractA, w.contractB].sort((a, b) => a - b));
    await s.agent.post(`/admin/users/${w.users.solver.id}/serves`).type('form').send({ _csrf: s.csrf, contract_ids: String(w.contractB) }).expect(303);
    expect((await tdb.db('staff_contracts').where({ user_id: w.users.solver.id }).pluck('contract_id')).map(Number)).toEqual([w.contractB]);
    const audit = await tdb.db('audit_log').where({ object_type: 'staff_contract' }).orderBy('id').select('action', 'object_id');
    expect(audit).toEqual([
      { action: 'create', object_id: `${w.users.solver.id}:${Math.min(w.contractA, w.contractB)}` },
      { action: 'create', object_id: `${w.users.solver.id}:${Math.max(w.contractA, w.contractB)}` },
      { action: 'delete', object_id: `${w.users.solver.id}:${w.contractA}` },
    ]);
    const after = await s.agent.get(`/admin/users/${w.users.solver.id}`);
    expect(after.text).toMatch(new RegExp(`name="contract_ids" value="${w.contractB}" checked`));
    expect(after.text).toContain('obsluhovaná smlouva');

    // an unknown contract is refused at its field, a customer has no serving contracts
    const bad = await s.agent.post(`/admin/users/${w.users.solver.id}/serves`).type('form').send({ _csrf: s.csrf, contract_ids: '999999' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('id="err-contract_ids"');
    expect((await s.agent.post(`/admin/users/${w.users.alice.id}/serves`).type('form').send({ _csrf: s.csrf, contract_ids: String(w.contractA) })).status).toBe(400);

    await s.agent.post(`/admin/users/${w.users.solver.id}/serves`).type('form').send({ _csrf: s.csrf }).expect(303);
    expect(await tdb.db('staff_contracts').where({ user_id: w.users.solver.id })).toEqual([]);
  });
});
