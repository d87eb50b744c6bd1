import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTicket } from '../../src/services/create-ticket.js';
import { deleteEffort, editEffort, logEffort } from '../../src/services/effort.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../src/services/errors.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, login, visibleText } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';

let tdb: TestDatabase;
let w: World;
let incident: number;
let question: number;

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  const ticket = (paragraph_id: number, subject: string) =>
    createTicket(tdb.ctx, w.users.alice, { contract_id: w.contractA, paragraph_id, contact_phone: '602123456', subject, description: 'popis' });
  incident = (await ticket(w.paragraphs.A.incident, 'Výpadek')).number;
  question = (await ticket(w.paragraphs.A.question, 'Dotaz na export')).number;
});
afterAll(() => tdb.drop());

const entries = (n: number) => tdb.db('efforts').where({ ticket_number: n }).orderBy('id').select('minutes', 'work_date', 'note', 'billable', 'user_id');
const events = (n: number) => tdb.db('ticket_events').where({ ticket_number: n }).whereIn('kind', ['effort', 'effort_changed', 'effort_deleted']).orderBy('id').select('kind', 'data', 'internal');

describe('effort', () => {
  it('bills a question and not an incident when the flag is left to the paragraph, and keeps an explicit choice', async () => {
    await logEffort(tdb.ctx, w.users.agent, incident, { minutes: '45', work_date: '2026-10-05', note: 'Analýza', billable: '' });
    await logEffort(tdb.ctx, w.users.agent, question, { minutes: '30', work_date: '2026-10-05', note: 'Odpověď', billable: '' });
    await logEffort(tdb.ctx, w.users.agent, incident, { minutes: '20', work_date: '2026-10-06', note: 'Nad rámec', billable: 'yes' });
    expect(await entries(incident)).toEqual([
      { minutes: 45, work_date: '2026-10-05', note: 'Analýza', billable: false, user_id: w.users.agent.id },
      { minutes: 20, work_date: '2026-10-06', note: 'Nad rámec', billable: true, user_id: w.users.agent.id },
    ]);
    expect(await entries(question)).toEqual([{ minutes: 30, work_date: '2026-10-05', note: 'Odpověď', billable: true, user_id: w.users.agent.id }]);
  });

  it('lets staff change and delete only their own entries, each a staff-only history event', async () => {
    const { id } = await logEffort(tdb.ctx, w.users.agent, question, { minutes: '10', work_date: '2026-10-07', note: 'Telefonát' });
    await expect(editEffort(tdb.ctx, w.users.solver, question, id, { minutes: '99', work_date: '2026-10-07' })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(deleteEffort(tdb.ctx, w.users.solver, question, id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(editEffort(tdb.ctx, w.users.agent, incident, id, { minutes: '5', work_date: '2026-10-07' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(editEffort(tdb.ctx, w.users.agent, question, id, { minutes: '0', work_date: '2026-10-07' })).rejects.toBeInstanceOf(ValidationError);

    const after = await editEffort(tdb.ctx, w.users.agent, question, id, { minutes: '15', work_date: '2026-10-08', note: 'Telefonát a e-mail', billable: 'no' });
    expect(after).toEqual({ minutes: 15, work_date: '2026-10-08', note: 'Telefonát a e-mail', billable: false });
    await deleteEffort(tdb.ctx, w.users.agent, question, id);
    expect((await entries(question)).map((e) => e.minutes)).toEqual([30]);
    const history = (await events(question)).slice(-3);
    expect(history.map((e) => [e.kind, e.internal])).toEqual([['effort', true], ['effort_changed', true], ['effort_deleted', true]]);
    expect(history[1]!.data.before).toEqual({ minutes: 10, work_date: '2026-10-07', note: 'Telefonát', billable: true });
    expect(history[1]!.data.after).toEqual(after);
    expect(history[2]!.data.before).toEqual(after);
  });

  it('refuses a customer', async () => {
    await expect(logEffort(tdb.ctx, w.users.alice, incident, { minutes: '5', work_date: '2026-10-07' })).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe('effort on the ticket page', () => {
  it('shows the customer the billed entries and their total only, and staff every entry with its flag', async () => {
    const web = buildApp(tdb);
    try {
      const customer = await login(web.app, 'alice');
      const page = visibleText((await customer.agent.get(`/tickets/${incident}/vyhodnoceni`)).text);
      expect(page).toContain('Nad rámec');
      expect(page).not.toContain('Analýza');
      expect(page).toContain('fakturovatelné celkem 20 min');

      const staff = await login(web.app, 'agent');
      const staffPage = (await staff.agent.get(`/tickets/${incident}/vyhodnoceni`)).text;
      expect(visibleText(staffPage)).toContain('Analýza');
      expect(visibleText(staffPage)).toContain('Celkem 65 min, fakturovatelné celkem 20 min');
      // the agent's own entries carry their edit form; the solver's page would not
      expect(staffPage.match(/action="\/tickets\/\d+\/effort\/\d+"/g)?.length).toBe(2);
      const solver = await login(web.app, 'solver');
      expect((await solver.agent.get(`/tickets/${incident}/vyhodnoceni`)).text).not.toMatch(/action="\/tickets\/\d+\/effort\/\d+"/);

      const logged = await staff.agent.post(`/tickets/${incident}/effort`).type('form').send({ _csrf: staff.csrf, minutes: '0', work_date: '', note: 'Špatně', billable: '' });
      expect(logged.status).toBe(400);
      expect(logged.text).toContain('value="Špatně"');
    } finally {
      await web.close();
    }
  });
});
