/**
 * Issue 12 part 6: the staff forms of the ticket page tie a refused field to its message —
 * the field says aria-invalid="true" and names the message by aria-describedby, and the
 * message with that id is on the page (assignment, classification, an action's input, effort,
 * the SLA calculator).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cs } from '../../src/i18n/cs.js';
import { createTicket } from '../../src/services/create-ticket.js';
import { acceptTicket } from '../../src/services/transitions.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, login, type Session } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';

let tdb: TestDatabase;
let web: ReturnType<typeof buildApp>;
let w: World;
let agent: Session;
let number: number;

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  web = buildApp(tdb);
  agent = await login(web.app, 'agent');
  number = (await createTicket(tdb.ctx, w.users.alice, { contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, contact_phone: '602123456', subject: 'Tiskárna', description: 'popis' })).number;
  await acceptTicket(tdb.ctx, w.users.agent, number, {});
});
afterAll(async () => {
  await web.close();
  await tdb.drop();
});

const post = (path: string, fields: Record<string, string>) => agent.agent.post(`/tickets/${number}${path}`).type('form').send({ _csrf: agent.csrf, ...fields });

/** The opening tag of the named field (inside the form posting to `action`), and the message with the id it names. */
function tiedError(html: string, action: string, name: string): { invalid: boolean; describedBy: string | null; message: string | null } {
  const form = new RegExp(`<form[^>]*action="[^"]*${action}"[\\s\\S]*?</form>`).exec(html)?.[0] ?? '';
  const tag = new RegExp(`<(?:input|select|textarea)[^>]*name="${name}"[^>]*>`).exec(form)?.[0] ?? '';
  const describedBy = /aria-describedby="([^"]+)"/.exec(tag)?.[1] ?? null;
  const message = describedBy ? (new RegExp(`id="${describedBy}">([^<]*)<`).exec(html)?.[1] ?? null) : null;
  return { invalid: tag.includes('aria-invalid="true"'), describedBy, message };
}

describe('staff form errors at their fields', () => {
  it('an assignee that is not a solver: 400, the select invalid and described by its message', async () => {
    const res = await post('/assign', { assignee_id: String(w.users.alice.id) });
    expect(res.status).toBe(400);
    expect(tiedError(res.text, '/assign', 'assignee_id')).toEqual({ invalid: true, describedBy: 'err-assign-assignee_id', message: cs.errors.choice });
    expect(tiedError(res.text, '/classification', 'paragraph_id').invalid).toBe(false);
  });

  it('a paragraph of another contract: 400, the classification select invalid and described by its message', async () => {
    const res = await post('/classification', { paragraph_id: String(w.paragraphs.B.incident), category: '' });
    expect(res.status).toBe(400);
    expect(tiedError(res.text, '/classification', 'paragraph_id')).toEqual({ invalid: true, describedBy: 'err-classification-paragraph_id', message: cs.errors.choice });
    expect(tiedError(res.text, '/assign', 'assignee_id').invalid).toBe(false);
  });

  it('an action without its required input: 400, the textarea invalid and described by its message', async () => {
    const res = await post('/actions/pause', { cooperation: '' });
    expect(res.status).toBe(400);
    expect(tiedError(res.text, '/actions/pause', 'cooperation')).toEqual({ invalid: true, describedBy: 'err-pause-cooperation', message: cs.errors.required });
  });

  it('an effort of zero minutes: 400, the minutes invalid and described by its message', async () => {
    const res = await post('/effort', { minutes: '0' });
    expect(res.status).toBe(400);
    const tied = tiedError(res.text, '/effort', 'minutes');
    expect(tied.invalid).toBe(true);
    expect(tied.describedBy).toBe('err-minutes');
    expect(tied.message?.length).toBeGreaterThan(0);
  });

  it('an effort with a billable choice it does not know: 400, the select invalid and described by its message', async () => {
    const res = await post('/effort', { minutes: '30', billable: 'snad' });
    expect(res.status).toBe(400);
    const tied = tiedError(res.text, '/effort', 'billable');
    expect(tied).toEqual({ invalid: true, describedBy: 'err-billable', message: expect.any(String) });
  });

  it('the SLA calculator ties its error to the field it is about: an unknown paragraph, then a start that is not a date', async () => {
    const paragraph = await agent.agent.get('/staff/sla-calculator?paragraph_id=999999&start=2026-11-02T09:00');
    expect(paragraph.status).toBe(400);
    expect(tiedError(paragraph.text, '/staff/sla-calculator', 'paragraph_id')).toEqual({ invalid: true, describedBy: 'err-sla', message: cs.errors.choice });
    expect(tiedError(paragraph.text, '/staff/sla-calculator', 'start').invalid).toBe(false);
    const start = await agent.agent.get(`/staff/sla-calculator?paragraph_id=${w.paragraphs.A.incident}&start=2026-13-45T09:00`);
    expect(start.status).toBe(400);
    expect(tiedError(start.text, '/staff/sla-calculator', 'start')).toEqual({ invalid: true, describedBy: 'err-sla', message: cs.errors.date });
    expect(tiedError(start.text, '/staff/sla-calculator', 'paragraph_id').invalid).toBe(false);
  });
});
