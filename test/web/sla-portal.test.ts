import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cs } from '../../src/i18n/cs.js';
import { createTicket } from '../../src/services/create-ticket.js';
import { recomputeOpenTickets, refreshStoredSla } from '../../src/services/sla.js';
import { acceptTicket, pauseTicket, resumeTicket } from '../../src/services/transitions.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, login, type Session, visibleText } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';

let tdb: TestDatabase;
let web: ReturnType<typeof buildApp>;
let w: World;
let staff: Session;
let customer: Session;
/** Min-Cont 30 min reaction / 240 min resolution: due instants independent of the hour the test runs */
let contParagraph: number;

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  [{ id: contParagraph }] = await tdb.db('contract_paragraphs')
    .insert({ contract_id: w.contractA, code: 'MC', name: 'Nepřetržitý', kind: 'incident', sla_applies: true, reaction_method: 'Min-Cont', reaction_amount: 30, resolution_method: 'Min-Cont', resolution_amount: 240 })
    .returning('id');
  web = buildApp(tdb);
  staff = await login(web.app, 'agent');
  customer = await login(web.app, 'alice');
});
afterAll(async () => {
  await web.close();
  await tdb.drop();
});

const open = (paragraph_id: number, subject = 'SLA') =>
  createTicket(tdb.ctx, w.users.alice, { contract_id: w.contractA, paragraph_id, contact_phone: '602123456', subject, description: 'x' }).then((t) => t.number);
const row = (n: number) => tdb.db('tickets').where({ number: n }).first();
const minutesBetween = (a: Date, b: Date) => (b.getTime() - a.getTime()) / 60_000;

describe('SLA on tickets', () => {
  it('stores both due instants when the ticket is created', async () => {
    const n = await open(contParagraph);
    const t = await row(n);
    expect(minutesBetween(t.created_at, t.reaction_due_at)).toBeCloseTo(30, 3);
    expect(minutesBetween(t.created_at, t.resolution_due_at)).toBeCloseTo(240, 3);
    expect(t.reaction_breached).toBe(false);
    expect(t.sla_computed_at).not.toBeNull();
  });

  it('recomputes the stored dues in every state change: reaction stops at acceptance, resolution pauses and resumes', async () => {
    const n = await open(contParagraph);
    await acceptTicket(tdb.ctx, w.users.agent, n, {});
    let t = await row(n);
    expect(t.reaction_due_at).toBeNull();
    expect(t.reaction_breached).toBe(false);
    expect(minutesBetween(t.created_at, t.resolution_due_at)).toBeCloseTo(240, 3);
    await pauseTicket(tdb.ctx, w.users.agent, n, { cooperation: 'Log prosím.' });
    t = await row(n);
    expect(t.resolution_due_at).toBeNull();
    await resumeTicket(tdb.ctx, w.users.agent, n, {});
    t = await row(n);
    // the paused time is added to the budget's end
    expect(minutesBetween(t.created_at, t.resolution_due_at)).toBeGreaterThanOrEqual(240);
    expect(minutesBetween(t.created_at, t.resolution_due_at)).toBeLessThan(241);
  });

  // the detailed block (methods, consumed, clock states) is the staff's since issue 12; customers read plain words
  it('shows both clocks on the ticket page to staff, with the paused state, and in plain words to the customer', async () => {
    const n = await open(contParagraph);
    await acceptTicket(tdb.ctx, w.users.agent, n, {});
    await pauseTicket(tdb.ctx, w.users.agent, n, { cooperation: 'Součinnost' });
    const plain = visibleText((await customer.agent.get(`/tickets/${n}`)).text);
    expect(plain).toMatch(/Reakce do: [^—]+ \(cíl 30 min\) — splněno/);
    expect(plain).toContain(`Vyřešení do: ${cs.sla.plain.noDue} (cíl 240 min) — ${cs.sla.plain.paused}`);
    expect(plain).not.toContain('(Min-Cont)');
    const html = (await staff.agent.get(`/tickets/${n}`)).text;
    const text = visibleText(html);
    expect(text).toContain('Reakce 30 min (Min-Cont)');
    expect(text).toContain('Vyřešení 240 min (Min-Cont)');
    expect(html).toMatch(/clock-resolution clock-paused/);
    expect(text).toMatch(/Vyřešení 240 min \(Min-Cont\) — \d+ min \d+ h (\d+ min|0 min)? ?pozastaveno/);
    expect(html).toMatch(/clock-reaction clock-stopped/);
    expect(text).toMatch(/zastaveno splněno/);
  });

  it('says the kinds without SLA have none, and stores no due for them', async () => {
    const n = await open(w.paragraphs.A.question, 'Dotaz');
    const t = await row(n);
    expect(t.reaction_due_at).toBeNull();
    expect(t.resolution_due_at).toBeNull();
    expect(visibleText((await customer.agent.get(`/tickets/${n}`)).text)).toContain(cs.sla.noSla(cs.kinds.question));
  });

  it('lets staff filter breached tickets and tickets due soon, and sort by the nearest due', async () => {
    const fresh = await open(contParagraph, 'Čerstvý požadavek');
    // a ticket submitted two days ago: its whole resolution budget has run out
    const [{ number: late }] = await tdb.db('tickets')
      .insert({ contract_id: w.contractA, paragraph_id: contParagraph, reporter_id: w.users.alice.id, subject: 'Zpožděný požadavek', description: 'x', channel: 'web', created_at: tdb.db.raw("now() - interval '2 days'") })
      .returning('number');
    await tdb.db('ticket_events').insert({ ticket_number: late, kind: 'created', to_state: 'new', at: tdb.db.raw("now() - interval '2 days'") });
    await refreshStoredSla(tdb.db, Number(late));
    expect((await row(Number(late))).resolution_breached).toBe(true);

    const queue = async (q: string) => visibleText((await staff.agent.get(`/staff/queue?state=all&${q}`)).text);
    const breached = await queue('sla=breached');
    expect(breached).toContain('Zpožděný požadavek');
    expect(breached).not.toContain('Čerstvý požadavek');
    const soon = await queue('sla=1');
    expect(soon).toContain('Čerstvý požadavek');
    expect(soon).not.toContain('Zpožděný požadavek');
    const sorted = await queue('sort=due_asc');
    expect(sorted.indexOf('Zpožděný požadavek')).toBeLessThan(sorted.indexOf('Čerstvý požadavek'));
    expect(fresh).toBeGreaterThan(0);
  });

  it('recomputes open tickets after their calendar is edited', async () => {
    const n = await open(w.paragraphs.A.incident, 'Kalendář');
    const before = await row(n);
    // the calendar now serves around the clock every day: the dues come earlier or stay
    await tdb.db('service_calendars').update({
      windows: JSON.stringify(Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [['00:00', '24:00']]]))),
      holiday_country: null,
      updated_at: tdb.db.fn.now(),
    });
    const count = await recomputeOpenTickets(tdb.ctx);
    expect(count).toBeGreaterThan(0);
    const after = await row(n);
    expect(minutesBetween(after.created_at, after.reaction_due_at)).toBeCloseTo(240, 3);
    expect(after.sla_computed_at.getTime()).toBeGreaterThan(before.sla_computed_at.getTime());
    expect(await recomputeOpenTickets(tdb.ctx)).toBe(0);
  });
});

describe('SLA calculator for staff', () => {
  it('computes both deadlines over a Czech holiday for a chosen paragraph and start', async () => {
    // office 08–16 (the calendar was reset above? no: use a fresh office calendar contract)
    const [{ id: cal }] = await tdb.db('service_calendars')
      .insert({ name: 'Kancelář', windows: JSON.stringify({ mon: [['08:00', '16:00']], tue: [['08:00', '16:00']], wed: [['08:00', '16:00']], thu: [['08:00', '16:00']], fri: [['08:00', '16:00']], sat: [], sun: [] }), holiday_country: 'CZ' })
      .returning('id');
    const [{ id: contract }] = await tdb.db('contracts').insert({ company_id: w.companyA, number: 'K-1', name: 'Kancelářská', calendar_id: cal }).returning('id');
    const [{ id: paragraph }] = await tdb.db('contract_paragraphs')
      .insert({ contract_id: contract, code: 'I', name: 'Incident', kind: 'incident', sla_applies: true, reaction_method: 'Hod', reaction_amount: 4, resolution_method: 'Hod', resolution_amount: 16 })
      .returning('id');
    // Wed 23.12.2026 15:00; 24th–26th are public holidays, then the weekend
    const res = await staff.agent.get(`/staff/sla-calculator?paragraph_id=${paragraph}&start=2026-12-23T15:00`);
    expect(res.status).toBe(200);
    const text = visibleText(res.text);
    expect(text).toContain(cs.sla.wd.WDIN);
    expect(text).toContain('Reakce 4 h (Hod) 23.12.2026 15:00 28.12.2026 11:00');
    expect(text).toContain('Vyřešení 16 h (Hod) 23.12.2026 15:00 29.12.2026 15:00');
  });

  it('is not there for customers', async () => {
    expect((await customer.agent.get('/staff/sla-calculator')).status).toBe(404);
  });
});
