/**
 * Issue 12 part 3: the staff queue's Moje view and counts per state, state chips with text,
 * confirmation of destructive actions (enforced by the server) and one-time flash messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATES } from '../../src/domain/states.js';
import { cs } from '../../src/i18n/cs.js';
import { createTicket } from '../../src/services/create-ticket.js';
import { acceptTicket, escalateTicket, fileComplaint, resolveTicket } from '../../src/services/transitions.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, login, type Session, visibleText } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';

let tdb: TestDatabase;
let web: ReturnType<typeof buildApp>;
let w: World;
let agent: Session;
let solver: Session;
let alice: Session;

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  web = buildApp(tdb);
  agent = await login(web.app, 'agent');
  solver = await login(web.app, 'solver');
  alice = await login(web.app, 'alice');
});
afterAll(async () => {
  await web.close();
  await tdb.drop();
});

const newTicket = (subject: string) =>
  createTicket(tdb.ctx, w.users.alice, { contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, contact_phone: '602123456', subject, description: 'popis' }).then(
    (t) => t.number,
  );
const act = (n: number, action: string, fields: Record<string, string> = {}, s: Session = agent) =>
  s.agent.post(`/tickets/${n}/actions/${action}`).type('form').send({ _csrf: s.csrf, ...fields });
const stateOf = async (n: number) => (await tdb.db('tickets').where({ number: n }).first('state')).state as string;
const eventCount = async (n: number) => Number((await tdb.db('ticket_events').where({ ticket_number: n }).count('* as c').first())?.c);
/** the ticket numbers linked from a queue page's rows */
const queueNumbers = (html: string) => [...html.matchAll(/<tr class="state-\w+">\s*<td[^>]*><a href="\/tickets\/(\d+)"/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
/** the flash region's text, or null */
const flashOf = (html: string) => /<div class="flash" role="status" aria-live="polite">([^<]*)<\/div>/.exec(html)?.[1] ?? null;

describe('the staff queue', () => {
  let mine: number[];
  let others: number[];

  beforeAll(async () => {
    // the solver's two tickets (one escalated to them, one resolved by them), the agent's, and an unassigned new one
    const a = await newTicket('Solver eskalace');
    await acceptTicket(tdb.ctx, w.users.agent, a, {});
    await escalateTicket(tdb.ctx, w.users.agent, a, { assignee_id: String(w.users.solver.id) });
    const b = await newTicket('Solver vyřešil');
    await acceptTicket(tdb.ctx, w.users.solver, b, {});
    await resolveTicket(tdb.ctx, w.users.solver, b, { resolution: 'Hotovo.' });
    const c = await newTicket('Agentův');
    await acceptTicket(tdb.ctx, w.users.agent, c, {});
    const d = await newTicket('Nepřidělený');
    mine = [a, b].sort((x, y) => x - y);
    others = [c, d];
  });

  it('Moje shows only the tickets assigned to the signed-in staff member, in any state', async () => {
    const res = await solver.agent.get('/staff/queue?assignee=me&state=all');
    expect(res.status).toBe(200);
    expect(queueNumbers(res.text)).toEqual(mine);
    for (const n of others) expect(queueNumbers(res.text)).not.toContain(n);
    // the view is marked as current, and the agent's Moje is the agent's own ticket only
    expect(res.text).toMatch(/<a href="[^"]*assignee=me[^"]*" aria-current="page">Moje<\/a>/);
    const agents = await agent.agent.get('/staff/queue?assignee=me&state=all');
    expect(queueNumbers(agents.text)).toEqual(
      (await tdb.db('tickets').where({ assignee_id: w.users.agent.id }).pluck('number')).map(Number).sort((x: number, y: number) => x - y),
    );
  });

  it('counts per state equal the real counts under the other filters', async () => {
    const tabCounts = (html: string) =>
      Object.fromEntries(
        [...html.matchAll(/<a href="[^"]*state=(\w+)[^"]*" class="state-tab"[^>]*>.*?<span class="state-chip state-chip-\w+">([^<]+)<\/span> <span class="count">(\d+)<\/span>/g)].map((m) => [
          m[1],
          { label: m[2], count: Number(m[3]) },
        ]),
      );
    const queuePage = (await agent.agent.get("/staff/queue")).text;
    const all = tabCounts(queuePage);
    const real = Object.fromEntries((await tdb.db('tickets').select('state').count('* as c').groupBy('state')).map((r) => [r.state, Number(r.c)]));
    expect(Object.keys(all).sort()).toEqual([...STATES].sort());
    for (const s of STATES) expect(all[s], s).toEqual({ label: cs.states[s], count: real[s] ?? 0 });
    expect(all.new!.count).toBeGreaterThan(0);

    // under Moje (the solver's): escalated 1, resolved 1, the rest 0 — whatever state is chosen
    const solverCounts = tabCounts((await solver.agent.get('/staff/queue?assignee=me&state=new')).text);
    const realMine = Object.fromEntries(
      (await tdb.db('tickets').where({ assignee_id: w.users.solver.id }).select('state').count('* as c').groupBy('state')).map((r) => [r.state, Number(r.c)]),
    );
    expect(realMine).toEqual({ escalated: 1, resolved: 1 });
    for (const s of STATES) expect(solverCounts[s]!.count, s).toBe(realMine[s] ?? 0);
    // under a searched text, long and short
    const searched = tabCounts((await agent.agent.get('/staff/queue?text=solver')).text);
    for (const s of STATES) expect(searched[s]!.count, s).toBe(s === 'escalated' || s === 'resolved' ? 1 : 0);
    const short = tabCounts((await agent.agent.get('/staff/queue?text=ag')).text);
    for (const s of STATES) expect(short[s]!.count, s).toBe(s === 'accepted' ? 1 : 0);
    // the open tab sums the open states
    expect((await solver.agent.get('/staff/queue?assignee=me')).text).toMatch(/otevřené <span class="count">1<\/span>/);
  });

  it('shows each state as a chip with its name, in the queue, the customer lists and the ticket header', async () => {
    const queue = (await agent.agent.get('/staff/queue?state=all')).text;
    const chips = [...queue.matchAll(/<td data-label="Stav"><span class="state-chip state-chip-(\w+)">([^<]+)<\/span><\/td>/g)];
    expect(chips.length).toBeGreaterThan(0);
    for (const [, code, label] of chips) expect(label).toBe(cs.states[code as keyof typeof cs.states]);
    const overview = (await alice.agent.get('/tickets')).text;
    expect(overview).toContain(`<span class="state-chip state-chip-new">${cs.states.new}</span>`);
    const n = mine[0]!;
    const page = (await agent.agent.get(`/tickets/${n}`)).text;
    expect(page).toMatch(/<dd class="state state-escalated"><span class="state-chip state-chip-escalated">Eskalováno<\/span><\/dd>/);
  });
});

describe('destructive actions', () => {
  it('refuse a cancellation without the confirmation (400, nothing changes) and do it with confirm=1', async () => {
    const n = await newTicket('Ke zrušení');
    const before = await eventCount(n);
    const refused = await act(n, 'cancel', { reason: 'Duplicita.' });
    expect(refused.status).toBe(400);
    expect(visibleText(refused.text)).toContain(cs.confirm.required);
    // the form is open again with what was typed and the error at the checkbox
    expect(refused.text).toMatch(/<details class="action-details action-details-cancel destructive" open>/);
    expect(refused.text).toContain('aria-describedby="err-cancel-confirm"');
    expect(refused.text).toContain('>Duplicita.</textarea>');
    expect(await stateOf(n)).toBe('new');
    expect(await eventCount(n)).toBe(before);

    expect((await act(n, 'cancel', { reason: 'Duplicita.', confirm: 'yes' })).status).toBe(400);
    expect(await stateOf(n)).toBe('new');

    expect((await act(n, 'cancel', { reason: 'Duplicita.', confirm: '1' })).status).toBe(303);
    expect(await stateOf(n)).toBe('cancelled');
  });

  it('refuse rejecting a complaint without the confirmation and do it with confirm=1', async () => {
    const n = await newTicket('Reklamace');
    await acceptTicket(tdb.ctx, w.users.agent, n, {});
    await resolveTicket(tdb.ctx, w.users.agent, n, { resolution: 'Hotovo.' });
    await fileComplaint(tdb.ctx, w.users.alice, n, { reason: 'Nefunguje to.' });
    const before = await eventCount(n);
    expect((await act(n, 'reject_complaint', { reason: 'Odpovídá smlouvě.' })).status).toBe(400);
    expect(await stateOf(n)).toBe('complained');
    expect(await eventCount(n)).toBe(before);
    expect((await act(n, 'reject_complaint', { reason: 'Odpovídá smlouvě.', confirm: '1' })).status).toBe(303);
    expect(await stateOf(n)).toBe('resolved');
  });

  it('put a required "Potvrzuji" checkbox in the destructive forms only, all of them at the top beside the header', async () => {
    const n = await newTicket('Formuláře');
    const page = (await agent.agent.get(`/tickets/${n}`)).text;
    const bar = page.slice(page.indexOf('<div class="ticket-title">'), page.indexOf('<h2 class="subject">'));
    expect([...bar.matchAll(/action="\/tickets\/\d+\/actions\/(\w+)"/g)].map((m) => m[1]).sort()).toEqual(['accept', 'cancel']);
    expect(bar).toMatch(/<input type="checkbox" name="confirm" value="1" required> Potvrzuji zrušení požadavku/);
    // accept needs no input: one button, no checkbox
    const accept = /<form[^>]*actions\/accept"[\s\S]*?<\/form>/.exec(bar)?.[0] ?? '';
    expect(accept).not.toContain('confirm');
  });
});

describe('flash messages', () => {
  it('appear once after an action, announced as a status, and not on the next page', async () => {
    const n = await newTicket('Flash');
    const res = await act(n, 'accept');
    expect(res.status).toBe(303);
    const first = (await agent.agent.get(res.headers.location!)).text;
    expect(flashOf(first)).toBe(cs.flash.actions.accept);
    const second = (await agent.agent.get(res.headers.location!)).text;
    expect(flashOf(second)).toBeNull();
    expect(second).not.toContain('role="status" aria-live="polite"');
  });

  it('follow assignment, classification, messages and a new ticket, each with its text', async () => {
    const n = await newTicket('Další flash');
    const post = (path: string, fields: Record<string, string>) => agent.agent.post(`/tickets/${n}${path}`).type('form').send({ _csrf: agent.csrf, ...fields });
    const next = async () => flashOf((await agent.agent.get(`/tickets/${n}`)).text);

    expect((await post('/assign', { assignee_id: String(w.users.solver.id) })).status).toBe(303);
    expect(await next()).toBe(cs.flash.assigned);
    expect((await post('/classification', { paragraph_id: String(w.paragraphs.A.question), category: 'Tisk' })).status).toBe(303);
    expect(await next()).toBe(cs.flash.classified);
    expect((await agent.agent.post(`/tickets/${n}/messages`).field('_csrf', agent.csrf).field('body', 'Prověřujeme.')).status).toBe(303);
    expect(await next()).toBe(cs.flash.messageSent);
    expect((await agent.agent.post(`/tickets/${n}/messages`).field('_csrf', agent.csrf).field('body', 'Jen pro nás.').field('internal', '1')).status).toBe(303);
    expect(await next()).toBe(cs.flash.noteSaved);
    expect(await next()).toBeNull();

    const created = await alice.agent
      .post('/tickets/new')
      .field('_csrf', alice.csrf)
      .field('contract_id', String(w.contractA))
      .field('paragraph_id', String(w.paragraphs.A.incident))
      .field('contact_phone', '602123456')
      .field('subject', 'Nový přes web')
      .field('description', 'Popis');
    expect(created.status).toBe(303);
    const number = Number(/\/tickets\/(\d+)$/.exec(created.headers.location ?? '')?.[1]);
    expect(flashOf((await alice.agent.get(created.headers.location!)).text)).toBe(cs.flash.ticketCreated(number));
  });

  it('rides in a cookie signed for its session: the action writes no session row, and the cookie shows nothing in another session', async () => {
    const n = await newTicket('Flash v cookie');
    const before = await tdb.db('sessions').select('sid', 'sess').orderBy('sid');
    const done = await act(n, 'accept');
    expect(done.status).toBe(303);
    expect(await tdb.db('sessions').select('sid', 'sess').orderBy('sid')).toEqual(before);
    const cookie = ([] as string[]).concat(done.headers['set-cookie'] ?? []).find((c) => c.startsWith('hd.flash='));
    expect(cookie).toMatch(/^hd\.flash=[\w-]+\.[^;]+; Path=\/; Max-Age=120; HttpOnly; SameSite=Lax$/);
    // the same cookie in the solver's browser
    solver.agent.jar.setCookie(cookie!.split(';')[0]!);
    const elsewhere = await solver.agent.get(`/tickets/${n}`);
    expect(flashOf(elsewhere.text)).toBeNull();
    // (it was sent: the page clears it)
    expect(([] as string[]).concat(elsewhere.headers['set-cookie'] ?? [])).toEqual(['hd.flash=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax']);
    const shown = await agent.agent.get(`/tickets/${n}`);
    expect(flashOf(shown.text)).toBe(cs.flash.actions.accept);
    expect(([] as string[]).concat(shown.headers['set-cookie'] ?? [])).toEqual(['hd.flash=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax']);
  });

  it('is not shown after a refused action, and costs no session write on pages without one', async () => {
    const n = await newTicket('Bez flash');
    expect((await act(n, 'cancel', { reason: 'x' })).status).toBe(400);
    expect(flashOf((await agent.agent.get(`/tickets/${n}`)).text)).toBeNull();
    const sid = await tdb.db('sessions').select('sid', 'expire', 'sess');
    await agent.agent.get(`/tickets/${n}`);
    await agent.agent.get('/staff/queue');
    const after = await tdb.db('sessions').select('sid', 'expire', 'sess');
    expect(after).toEqual(sid);
  });
});
