import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedActions, replayState, STATES, TRANSITIONS } from '../../src/domain/states.js';
import { cs } from '../../src/i18n/cs.js';
import { createTicket } from '../../src/services/create-ticket.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, login, type Session, visibleText } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';

let tdb: TestDatabase;
let web: ReturnType<typeof buildApp>;
let w: World;
let staff: Session;
let customer: Session;

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  web = buildApp(tdb);
  staff = await login(web.app, 'agent');
  customer = await login(web.app, 'alice');
});
afterAll(async () => {
  await web.close();
  await tdb.drop();
});

const newTicket = (subject = 'Porucha') =>
  createTicket(tdb.ctx, w.users.alice, { contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, contact_phone: '602123456', subject, description: 'popis' }).then((t) => t.number);

const act = (n: number, action: string, fields: Record<string, string> = {}, s: Session = staff) =>
  s.agent.post(`/tickets/${n}/actions/${action}`).type('form').send({ _csrf: s.csrf, ...fields });

const state = async (n: number) => (await tdb.db('tickets').where({ number: n }).first('state')).state as string;
const events = (n: number) => tdb.db('ticket_events').where({ ticket_number: n }).orderBy('id');
const header = async (n: number, s: Session = customer) => visibleText((await s.agent.get(`/tickets/${n}`)).text);

describe('the staff workflow over HTTP', () => {
  it('walks a ticket through accept, escalate, pause, customer reply, resolve, complaint, uphold, resolve and close', async () => {
    const n = await newTicket();
    expect((await act(n, 'accept')).status).toBe(303);
    expect(await header(n)).toContain('Stav: Přijato');
    expect(await header(n)).toContain('Řeší: Dana Pokorná');

    expect((await act(n, 'escalate', { assignee_id: String(w.users.solver.id) })).status).toBe(303);
    expect(await header(n)).toContain('Stav: Eskalováno');
    expect(await header(n)).toContain('Řeší: Pavel Jedlička');

    expect((await act(n, 'pause', { cooperation: 'Pošlete prosím snímek obrazovky.' })).status).toBe(303);
    expect(await state(n)).toBe('paused');
    const conversation = visibleText((await customer.agent.get(`/tickets/${n}/komunikace`)).text);
    expect(conversation).toContain('Pošlete prosím snímek obrazovky.');

    const reply = await customer.agent.post(`/tickets/${n}/messages`).field('_csrf', customer.csrf).field('body', 'Posílám snímek.')
      .attach('files', Buffer.from('png'), { filename: 'snímek.png', contentType: 'image/png' });
    expect(reply.status).toBe(303);
    expect(await state(n)).toBe('escalated');

    expect((await act(n, 'resolve', { resolution: 'Opraven konfigurační soubor.' })).status).toBe(303);
    const evaluation = visibleText((await customer.agent.get(`/tickets/${n}/vyhodnoceni`)).text);
    expect(evaluation).toContain('Opraven konfigurační soubor.');
    expect(evaluation).toMatch(/Doba řešení: \d+ min/);

    const complaint = await customer.agent.post(`/tickets/${n}/complaint`).type('form').send({ _csrf: customer.csrf, reason: 'Chyba trvá.' });
    expect(complaint.status).toBe(303);
    expect(await header(n)).toContain('Stav: Reklamováno');
    expect(await header(n)).toContain('Důvod reklamace: Chyba trvá.');

    const addToComplaint = await customer.agent.post(`/tickets/${n}/messages`).field('_csrf', customer.csrf).field('body', 'Doplňuji: logo chybí i v PDF.');
    expect(addToComplaint.status).toBe(303);
    expect(await state(n)).toBe('complained');
    expect((await act(n, 'uphold_complaint', { target: 'escalated' })).status).toBe(303);
    expect(await state(n)).toBe('escalated');
    // reopened: the contested resolution is history, not the evaluation
    expect(visibleText((await customer.agent.get(`/tickets/${n}/vyhodnoceni`)).text)).toContain(cs.ticket.notResolved);
    expect((await act(n, 'resolve', { resolution: 'Opraveno podruhé.' })).status).toBe(303);
    expect((await act(n, 'close')).status).toBe(303);
    expect(await header(n)).toContain('Stav: Uzavřeno');
    expect(visibleText((await customer.agent.get('/tickets?list=closed')).text)).toContain(`${n}`);

    const history = visibleText((await customer.agent.get(`/tickets/${n}/historie`)).text);
    for (const line of ['Požadavek založen', 'Změna stavu: Nový → Přijato', 'Změna stavu: Přijato → Eskalováno', 'Změna stavu: Eskalováno → Pozastaveno',
      `Změna stavu: Pozastaveno → Eskalováno (${cs.history.autoResumed})`, 'Reklamace podána', 'Reklamace uznána (Reklamováno → Eskalováno)', 'Změna stavu: Vyřešeno → Uzavřeno', 'Příloha snímek.png']) {
      expect(history).toContain(line);
    }
    expect(history).toMatch(/\d{1,2}\.\d{1,2}\.\d{4} \d{2}:\d{2}/);
  });

  it('writes exactly one history event per state change, and replaying the events gives the current state', async () => {
    const n = await newTicket();
    const steps: [string, Record<string, string>][] = [
      ['accept', {}], ['pause', { cooperation: 'Součinnost' }], ['resume', {}], ['resolve', { resolution: 'Hotovo' }],
      ['close', {}],
    ];
    for (const [action, fields] of steps) expect((await act(n, action, fields)).status).toBe(303);
    const all = await events(n);
    const stateEvents = all.filter((e) => e.to_state !== null);
    expect(stateEvents.map((e) => `${e.from_state ?? ''}>${e.to_state}`)).toEqual(['>new', 'new>accepted', 'accepted>paused', 'paused>accepted', 'accepted>resolved', 'resolved>closed']);
    expect(replayState(all)).toBe(await state(n));
  });

  it('replays to the stored state for every ticket in the database', async () => {
    const tickets = await tdb.db('tickets').select('number', 'state');
    expect(tickets.length).toBeGreaterThan(1);
    for (const t of tickets) expect(replayState(await events(Number(t.number)))).toBe(t.state);
  });

  it('shows staff only the actions the transition table allows in each state', async () => {
    const n = await newTicket();
    const actionsOnPage = async () => [...(await staff.agent.get(`/tickets/${n}`)).text.matchAll(/action="\/tickets\/\d+\/actions\/(\w+)"/g)].map((m) => m[1]).sort();
    expect(await actionsOnPage()).toEqual(allowedActions('new', 'staff').sort());
    await act(n, 'accept');
    expect(await actionsOnPage()).toEqual(['cancel', 'escalate', 'pause', 'resolve']);
    await act(n, 'resolve', { resolution: 'x' });
    expect(await actionsOnPage()).toEqual(['close']);
    const customerPage = (await customer.agent.get(`/tickets/${n}`)).text;
    expect(customerPage).not.toMatch(/\/actions\//);
    expect(customerPage).toContain(`action="/tickets/${n}/complaint"`);
  });

  it('answers a forged POST of every forbidden transition with 409, a clear message, and no change', async () => {
    const n = await newTicket();
    for (const rule of TRANSITIONS) {
      if (rule.from.includes('new') && rule.actors.includes('staff')) continue;
      const before = await events(n);
      const res = await act(n, rule.action, { reason: 'r', resolution: 'r', cooperation: 'c', assignee_id: String(w.users.solver.id), target: 'accepted', confirm: '1' });
      expect(res.status, rule.action).toBe(409);
      expect(visibleText(res.text)).toContain(cs.errors.transition(cs.actions[rule.action], cs.states.new));
      expect(await events(n)).toHaveLength(before.length);
      expect(await state(n)).toBe('new');
    }
  });

  it('refuses a customer’s complaint on a ticket that is not resolved with 409', async () => {
    const n = await newTicket();
    const res = await customer.agent.post(`/tickets/${n}/complaint`).type('form').send({ _csrf: customer.csrf, reason: 'x' });
    expect(res.status).toBe(409);
    expect(await state(n)).toBe('new');
  });

  it('hides the staff actions from a customer: a forged staff POST is a 404 and changes nothing', async () => {
    const n = await newTicket();
    const res = await act(n, 'accept', {}, customer);
    expect(res.status).toBe(404);
    expect(await state(n)).toBe('new');
  });

  it('requires the resolution text, keeps the ticket as it was and shows the error', async () => {
    const n = await newTicket();
    await act(n, 'accept');
    const res = await act(n, 'resolve', { resolution: '   ' });
    expect(res.status).toBe(400);
    expect(visibleText(res.text)).toContain(cs.errors.required);
    expect(await state(n)).toBe('accepted');
  });

  it('cancels with a reason the customer reads in the conversation, and lists the ticket as cancelled', async () => {
    const n = await newTicket('Duplicitní');
    expect((await act(n, 'cancel', { reason: '', confirm: '1' })).status).toBe(400);
    expect((await act(n, 'cancel', { reason: 'Duplicita s jiným požadavkem.', confirm: '1' })).status).toBe(303);
    expect(visibleText((await customer.agent.get(`/tickets/${n}/komunikace`)).text)).toContain('Požadavek byl zrušen. Důvod: Duplicita s jiným požadavkem.');
    expect(visibleText((await customer.agent.get('/tickets?list=closed')).text)).toContain('Duplicitní Zrušeno');
  });

  it('rejects a complaint with a reason and returns the ticket to resolved', async () => {
    const n = await newTicket();
    await act(n, 'accept');
    await act(n, 'resolve', { resolution: 'x' });
    await customer.agent.post(`/tickets/${n}/complaint`).type('form').send({ _csrf: customer.csrf, reason: 'Nesouhlasím' });
    expect((await act(n, 'reject_complaint', { reason: 'Řešení odpovídá smlouvě.', confirm: '1' })).status).toBe(303);
    expect(await state(n)).toBe('resolved');
    const last = (await events(n)).at(-1);
    expect(last).toMatchObject({ kind: 'complaint_decision', from_state: 'complained', to_state: 'resolved' });
    expect(last.data).toMatchObject({ upheld: false, reason: 'Řešení odpovídá smlouvě.' });
  });

  it('stops customers writing into a resolved ticket', async () => {
    const n = await newTicket();
    await act(n, 'accept');
    await act(n, 'resolve', { resolution: 'x' });
    const page = visibleText((await customer.agent.get(`/tickets/${n}/komunikace`)).text);
    expect(page).toContain(cs.ticket.conversationClosed);
    const res = await customer.agent.post(`/tickets/${n}/messages`).field('_csrf', customer.csrf).field('body', 'ještě něco');
    expect(res.status).toBe(409);
    expect(await tdb.db('ticket_messages').where({ ticket_number: n, body: 'ještě něco' }).count('* as n').first()).toEqual({ n: 0 });
  });

  it('keeps internal notes and their attachments from the customer', async () => {
    const n = await newTicket();
    const note = await staff.agent.post(`/tickets/${n}/messages`).field('_csrf', staff.csrf).field('body', 'Interní: zákazník má starou verzi').field('internal', '1')
      .attach('files', Buffer.from('log'), { filename: 'interni-log.txt', contentType: 'text/plain' });
    expect(note.status).toBe(303);
    const fileId = (await tdb.db('attachments').where({ ticket_number: n, name: 'interni-log.txt' }).first('id')).id;
    for (const path of ['', '/komunikace', '/historie']) {
      const html = (await customer.agent.get(`/tickets/${n}${path}`)).text;
      expect(html).not.toContain('zákazník má starou verzi');
      expect(html).not.toContain('interni-log.txt');
      expect(visibleText(html)).not.toContain(cs.history.internal_note);
    }
    expect((await customer.agent.get(`/tickets/${n}/attachments/${fileId}`)).status).toBe(404);
    const staffView = visibleText((await staff.agent.get(`/tickets/${n}/komunikace`)).text);
    expect(staffView).toContain('Interní: zákazník má starou verzi');
    expect(staffView).toContain('interni-log.txt');
    const forged = await customer.agent.post(`/tickets/${n}/messages`).field('_csrf', customer.csrf).field('body', 'x').field('internal', '1');
    expect(forged.status).toBe(400);
  });

  it('reassigns, reclassifies and logs effort with one history event per change', async () => {
    const n = await newTicket();
    await act(n, 'accept');
    expect((await staff.agent.post(`/tickets/${n}/assign`).type('form').send({ _csrf: staff.csrf, assignee_id: String(w.users.solver.id) })).status).toBe(303);
    expect((await staff.agent.post(`/tickets/${n}/classification`).type('form').send({ _csrf: staff.csrf, paragraph_id: String(w.paragraphs.A.question), category: 'Tisk' })).status).toBe(303);
    expect((await staff.agent.post(`/tickets/${n}/classification`).type('form').send({ _csrf: staff.csrf, paragraph_id: String(w.paragraphs.B.question) })).status).toBe(400);
    expect((await staff.agent.post(`/tickets/${n}/effort`).type('form').send({ _csrf: staff.csrf, minutes: '30', note: 'analýza' })).status).toBe(303);
    expect((await staff.agent.post(`/tickets/${n}/effort`).type('form').send({ _csrf: staff.csrf, minutes: '0' })).status).toBe(400);
    const row = await tdb.db('tickets').where({ number: n }).first();
    expect(row).toMatchObject({ assignee_id: w.users.solver.id, paragraph_id: w.paragraphs.A.question, category: 'Tisk' });
    const kinds = (await events(n)).map((e) => e.kind);
    expect(kinds).toEqual(['created', 'state_changed', 'assigned', 'field_changed', 'field_changed', 'effort']);
    expect(visibleText((await staff.agent.get(`/tickets/${n}/vyhodnoceni`)).text)).toContain('Celkem 30 min');
    expect(visibleText((await customer.agent.get(`/tickets/${n}/historie`)).text)).not.toContain('Zapsána pracnost');
  });

  it('filters the staff queue by state, contract, assignee and text', async () => {
    const n = await newTicket('Hledaný unikátní předmět');
    const q = async (query: string) => visibleText((await staff.agent.get(`/staff/queue?${query}`)).text);
    expect(await q('text=unikátní')).toContain('Hledaný unikátní předmět');
    expect(await q(`text=${n}`)).toContain('Hledaný unikátní předmět');
    expect(await q('state=closed&text=unikátní')).not.toContain('Hledaný unikátní předmět');
    expect(await q(`contract=${w.contractB}&text=unikátní`)).not.toContain('Hledaný unikátní předmět');
    expect(await q('assignee=none&text=unikátní')).toContain('Hledaný unikátní předmět');
    expect(await q(`assignee=${w.users.solver.id}&text=unikátní`)).not.toContain('Hledaný unikátní předmět');
  });
});

describe('the transition table', () => {
  it('names only known states and lets nothing leave closed or cancelled', () => {
    for (const rule of TRANSITIONS) {
      for (const s of rule.from) expect(STATES).toContain(s);
      expect(rule.from).not.toContain('closed');
      expect(rule.from).not.toContain('cancelled');
    }
  });
});
