/**
 * The server-side transition matrix over HTTP: every state × every action × both actor kinds.
 *
 * For each cell a ticket is put into the state through the real use cases (in sequence where
 * the state lies further along the lifecycle), then the action is sent over HTTP as a browser
 * sends it — signed in, with a valid CSRF token and valid input:
 *   staff actions   POST /tickets/:number/actions/:action   (urlencoded form)
 *   the complaint   POST /tickets/:number/complaint         (urlencoded form)
 *   a comment       POST /tickets/:number/messages          (multipart form)
 *
 * The expected answers are written below by hand from the lifecycle of the manual (§2.5, §4)
 * and DESIGN.md §3 — NOT derived from src/domain/states.ts, which they check:
 *   Nový → Přijato (staff) or Zrušeno (staff, with a reason); Přijato → Eskalováno (staff assigns a
 *   solver); Přijato|Eskalováno → Pozastaveno (staff asks for cooperation) → back to where it was
 *   (staff, or the customer's reply); Přijato|Eskalováno → Vyřešeno (staff, with the resolution);
 *   Vyřešeno → Reklamace (the customer, with a reason) → Přijato|Eskalováno|Pozastaveno (staff
 *   upholds) or Vyřešeno (staff rejects, with a reason); Vyřešeno → Uzavřeno (staff);
 *   Přijato|Eskalováno|Pozastaveno → Zrušeno (staff). Nothing leaves Uzavřeno or Zrušeno.
 *   Customers write into the conversation while the ticket is worked on (Nový, Přijato,
 *   Eskalováno, Pozastaveno — their reply resumes it — and Reklamace), not once it is resolved;
 *   staff write until it is final.
 *
 * Answers: 303 (and the state the grid names) when allowed; 409 when the transition is forbidden;
 * 404 for a customer on a staff route (staff actions are not there for customers). On every
 * refusal the state, the history, the conversation and the outbox of the ticket are unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StateCode } from '../../src/domain/states.js';
import { createTicket } from '../../src/services/create-ticket.js';
import { acceptTicket, cancelTicket, closeTicket, escalateTicket, fileComplaint, pauseTicket, resolveTicket } from '../../src/services/transitions.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, login, type Session } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';

/**
 * The expectation, by hand. A cell names the state the ticket is in after an allowed request
 * (answer 303), `-` marks a forbidden one (answer 409). Columns:
 *   accept … reject      the staff actions (a customer gets 404 for each, in every state)
 *   complain             the customer's complaint (staff may never file one: 409 in every state)
 *   c-comment, s-comment a comment by the customer, by staff
 * `resume` and a customer's comment in Pozastaveno go back to Přijato: the tickets here are paused
 * from Přijato. An upheld complaint is sent with the target Přijato.
 */
const GRID = `
state       accept    escalate   pause   resume    resolve   close   cancel     uphold    reject    complain    c-comment   s-comment
new         accepted  -          -       -         -         -       cancelled  -         -         -           new         new
accepted    -         escalated  paused  -         resolved  -       cancelled  -         -         -           accepted    accepted
escalated   -         -          paused  -         resolved  -       cancelled  -         -         -           escalated   escalated
paused      -         -          -       accepted  -         -       cancelled  -         -         -           accepted    paused
resolved    -         -          -       -         -         closed  -          -         -         complained  -           resolved
closed      -         -          -       -         -         -       -          -         -         -           -           -
complained  -         -          -       -         -         -       -          accepted  resolved  -           complained  complained
cancelled   -         -          -       -         -         -       -          -         -         -           -           -
`;

const STAFF_ACTIONS = ['accept', 'escalate', 'pause', 'resume', 'resolve', 'close', 'cancel', 'uphold', 'reject'] as const;
const ROUTE_ACTION: Record<(typeof STAFF_ACTIONS)[number], string> = {
  accept: 'accept',
  escalate: 'escalate',
  pause: 'pause',
  resume: 'resume',
  resolve: 'resolve',
  close: 'close',
  cancel: 'cancel',
  uphold: 'uphold_complaint',
  reject: 'reject_complaint',
};
/** The manual's names of the 8 states. */
const CZECH: Record<StateCode, string> = {
  new: 'Nový',
  accepted: 'Přijato',
  escalated: 'Eskalováno',
  paused: 'Pozastaveno',
  resolved: 'Vyřešeno',
  closed: 'Uzavřeno',
  complained: 'Reklamace',
  cancelled: 'Zrušeno',
};
const ALL_STATES = Object.keys(CZECH) as StateCode[];

type Column = (typeof STAFF_ACTIONS)[number] | 'complain' | 'c-comment' | 's-comment';
const grid = (() => {
  const [head, ...rows] = GRID.trim().split('\n').map((l) => l.trim().split(/\s+/));
  const columns = head!.slice(1) as Column[];
  const out = {} as Record<StateCode, Record<Column, StateCode | null>>;
  for (const row of rows) {
    const [state, ...cells] = row as [StateCode, ...string[]];
    if (cells.length !== columns.length) throw new Error(`GRID row ${state} has ${cells.length} cells, not ${columns.length}`);
    out[state] = Object.fromEntries(columns.map((c, i) => [c, cells[i] === '-' ? null : (cells[i] as StateCode)])) as Record<Column, StateCode | null>;
  }
  return out;
})();

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

/** A new ticket of alice's, brought into `state` by the use cases. */
async function ticketIn(state: StateCode): Promise<number> {
  const { ctx } = tdb;
  const { alice, agent, solver } = w.users;
  const n = (await createTicket(ctx, alice, { contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, contact_phone: '602123456', subject: `Matice ${state}`, description: 'popis' })).number;
  if (state === 'new') return n;
  if (state === 'cancelled') {
    await cancelTicket(ctx, agent, n, { reason: 'Duplicita.' });
    return n;
  }
  await acceptTicket(ctx, agent, n, {});
  if (state === 'escalated') await escalateTicket(ctx, agent, n, { assignee_id: solver.id });
  if (state === 'paused') await pauseTicket(ctx, agent, n, { cooperation: 'Pošlete log.' });
  if (state === 'resolved' || state === 'closed' || state === 'complained') await resolveTicket(ctx, agent, n, { resolution: 'Hotovo.' });
  if (state === 'closed') await closeTicket(ctx, agent, n, {});
  if (state === 'complained') await fileComplaint(ctx, alice, n, { reason: 'Nesouhlasím.' });
  const reached = (await tdb.db('tickets').where({ number: n }).first('state')).state;
  if (reached !== state) throw new Error(`setup reached ${reached}, not ${state}`);
  return n;
}

/** Valid input of every action: what the forms send. */
const input = (): Record<Column, Record<string, string>> => ({
  accept: {},
  escalate: { assignee_id: String(w.users.solver.id) },
  pause: { cooperation: 'Pošlete prosím snímek obrazovky.' },
  resume: {},
  resolve: { resolution: 'Opraven konfigurační soubor.' },
  close: {},
  cancel: { reason: 'Duplicita s jiným požadavkem.', confirm: '1' },
  uphold: { target: 'accepted' },
  reject: { reason: 'Řešení odpovídá smlouvě.', confirm: '1' },
  complain: { reason: 'Chyba trvá.' },
  'c-comment': { body: 'Doplňuji informace.' },
  's-comment': { body: 'Doplňuji informace.' },
});

function send(s: Session, n: number, column: Column) {
  const fields = input()[column];
  if (column === 'c-comment' || column === 's-comment') {
    let req = s.agent.post(`/tickets/${n}/messages`).field('_csrf', s.csrf);
    for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
    return req;
  }
  const path = column === 'complain' ? `/tickets/${n}/complaint` : `/tickets/${n}/actions/${ROUTE_ACTION[column as (typeof STAFF_ACTIONS)[number]]}`;
  return s.agent.post(path).type('form').send({ _csrf: s.csrf, ...fields });
}

/** Everything a refused request must leave as it was. */
async function snapshot(n: number) {
  return {
    ticket: await tdb.db('tickets').where({ number: n }).first('state', 'assignee_id', 'resolution', 'resolved_at', 'closed_at', 'updated_at'),
    events: await tdb.db('ticket_events').where({ ticket_number: n }).orderBy('id').select('*'),
    messages: await tdb.db('ticket_messages').where({ ticket_number: n }).orderBy('id').select('id', 'body', 'internal'),
    outbox: await tdb.db('outbound_mail').where({ ticket_number: n }).orderBy('id').select('id', 'purpose'),
  };
}

interface Cell {
  state: StateCode;
  actor: 'staff' | 'customer';
  column: Column;
  status: 303 | 404 | 409;
  to: StateCode | null;
}

const cells: Cell[] = [];
for (const state of ALL_STATES) {
  for (const column of [...STAFF_ACTIONS, 'complain', 'c-comment', 's-comment'] as Column[]) {
    const expected = grid[state][column];
    if (column === 'c-comment') cells.push({ state, actor: 'customer', column, status: expected ? 303 : 409, to: expected });
    else if (column === 's-comment') cells.push({ state, actor: 'staff', column, status: expected ? 303 : 409, to: expected });
    else if (column === 'complain') {
      cells.push({ state, actor: 'customer', column, status: expected ? 303 : 409, to: expected });
      cells.push({ state, actor: 'staff', column, status: 409, to: null });
    } else {
      cells.push({ state, actor: 'staff', column, status: expected ? 303 : 409, to: expected });
      cells.push({ state, actor: 'customer', column, status: 404, to: null });
    }
  }
}

describe('the transition matrix over HTTP (expected answers from the manual, by hand)', () => {
  it('covers the 8 states of the manual, each with every column', () => {
    expect(Object.keys(grid).sort()).toEqual([...ALL_STATES].sort());
    expect(cells).toHaveLength(ALL_STATES.length * (STAFF_ACTIONS.length * 2 + 2 + 2));
  });

  it('the ticket page offers exactly the allowed actions in every state: staff their actions, the customer the complaint, each the conversation form', async () => {
    for (const state of ALL_STATES) {
      const n = await ticketIn(state);
      const page = async (s: Session, path = '') => (await s.agent.get(`/tickets/${n}${path}`)).text;
      const staffPage = await page(staff);
      const offered = [...staffPage.matchAll(/action="\/tickets\/\d+\/actions\/(\w+)"/g)].map((m) => m[1]).sort();
      const allowed = STAFF_ACTIONS.filter((a) => grid[state][a] !== null).map((a) => ROUTE_ACTION[a]).sort();
      expect(offered, `staff actions in ${CZECH[state]}`).toEqual(allowed);
      const customerPage = await page(customer);
      expect(customerPage, CZECH[state]).not.toMatch(/\/actions\//);
      expect(customerPage.includes(`action="/tickets/${n}/complaint"`), `complaint form in ${CZECH[state]}`).toBe(grid[state].complain !== null);
      const form = `action="/tickets/${n}/messages"`;
      expect((await page(customer, '/komunikace')).includes(form), `customer's message form in ${CZECH[state]}`).toBe(grid[state]['c-comment'] !== null);
      expect((await page(staff, '/komunikace')).includes(form), `staff message form in ${CZECH[state]}`).toBe(grid[state]['s-comment'] !== null);
    }
  });

  it.each(cells.map((c) => [`${c.actor} · ${c.column} in ${CZECH[c.state]} → ${c.status}${c.to ? ` ${CZECH[c.to]}` : ''}`, c] as const))('%s', async (_name, cell) => {
    const n = await ticketIn(cell.state);
    const before = await snapshot(n);
    const res = await send(cell.actor === 'staff' ? staff : customer, n, cell.column);
    expect(res.status, res.status === 400 || res.status === 500 ? res.text.slice(0, 2000) : undefined).toBe(cell.status);
    const after = await snapshot(n);
    if (cell.status === 303) {
      expect(after.ticket.state).toBe(cell.to);
      const added = after.events.slice(before.events.length);
      expect(after.events.slice(0, before.events.length)).toEqual(before.events); // appended, never rewritten
      if (cell.column === 'c-comment' || cell.column === 's-comment') {
        expect(after.messages).toHaveLength(before.messages.length + 1);
        expect(added.filter((e) => e.kind === 'message')).toHaveLength(1);
      }
      // a state change writes exactly one state event from the state the ticket was in
      const stateEvents = added.filter((e) => e.to_state !== null);
      if (cell.to !== cell.state) expect(stateEvents.map((e) => [e.from_state, e.to_state])).toEqual([[cell.state, cell.to]]);
      else expect(stateEvents).toEqual([]);
    } else {
      expect(after).toEqual(before);
    }
  });
});
