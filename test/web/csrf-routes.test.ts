import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSITIONS } from '../../src/domain/states.js';
import { ingestMail, recordMailFailure } from '../../src/services/mail/ingest.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { fillPath, type RouteInfo, routesOf } from '../support/routes.js';
import { dbSnapshot } from '../support/snapshot.js';
import { buildApp, login, type Session } from '../support/web.js';
import { PASSWORD, seedWorld, type World } from '../support/world.js';

/*
 * Every POST route the app has (read from its router, not listed by hand) refuses a request
 * without a CSRF token, whatever the body's content type, for a signed-in customer and a
 * signed-in staff member: 403, and nothing changes.
 */

let tdb: TestDatabase;
let web: ReturnType<typeof buildApp>;
let w: World;
let staff: Session;
let customer: Session;
/** tickets the routes are tried on: a new one and a resolved one (a customer may complain about it) */
let fresh: number;
let resolved: number;
let mailId: number;
let attachmentId: number;

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  web = buildApp(tdb);
  staff = await login(web.app, 'agent');
  customer = await login(web.app, 'alice');
  const create = async (subject: string) => {
    const res = await customer.agent
      .post('/tickets/new')
      .field('_csrf', customer.csrf)
      .field('contract_id', String(w.contractA))
      .field('paragraph_id', String(w.paragraphs.A.incident))
      .field('contact_phone', '602123456')
      .field('subject', subject)
      .field('description', 'Popis')
      .attach('files', Buffer.from('obsah'), { filename: 'priloha.txt', contentType: 'text/plain' });
    expect(res.status).toBe(303);
    return Number(/\/tickets\/(\d+)$/.exec(res.headers.location ?? '')?.[1]);
  };
  fresh = await create('Nový');
  resolved = await create('Vyřešený');
  const act = (action: string, fields: Record<string, string> = {}) =>
    staff.agent.post(`/tickets/${resolved}/actions/${action}`).type('form').send({ _csrf: staff.csrf, ...fields });
  expect((await act('accept')).status).toBe(303);
  expect((await act('resolve', { resolution: 'Hotovo.' })).status).toBe(303);
  attachmentId = Number((await tdb.db('attachments').where({ ticket_number: fresh }).first('id')).id);
  // a quarantined message (release and discard act on it)
  const ctx = { ...tdb.ctx, inbound: { ...tdb.ctx.inbound, maxAttempts: 1 } };
  const raw = Buffer.from('From: alice@example.cz\r\nSubject: Karanténa\r\nMessage-ID: <q1@example.cz>\r\n\r\nx\r\n');
  await recordMailFailure(ctx, raw, { mailbox: 'INBOX', uid: 1 }, new Error('database timeout'));
  await ingestMail(tdb.ctx, Buffer.from('From: cizi@spam.example\r\nSubject: Spam\r\nMessage-ID: <s1@spam.example>\r\n\r\nx\r\n'), { mailbox: null });
  mailId = Number((await tdb.db('inbound_mail').where({ outcome: 'quarantine' }).first('id')).id);
}, 120_000);

afterAll(async () => {
  await web?.close();
  await tdb?.drop();
});

/**
 * What a form of each route would carry, as a browser would send it (without the token): the
 * fields of all the forms, fewer than the upload forms' limit of fields (a body over it is
 * refused as malformed before its token could be read).
 */
const realValues = (): Record<string, string> => ({
  login: 'agent',
  password: PASSWORD,
  current: PASSWORD,
  next: 'NoveHeslo2026!x',
  confirm: 'NoveHeslo2026!x',
  contract_id: String(w.contractA),
  paragraph_id: String(w.paragraphs.A.question),
  contact_phone: '602123456',
  subject: 'Podvržený požadavek',
  description: 'Vytvořeno cizí stránkou.',
  body: 'Podvržená zpráva.',
  reason: 'Podvržená reklamace.',
  cooperation: 'Pošlete heslo.',
  resolution: 'Podvrženo.',
  note: 'Podvrženo.',
  target: 'accepted',
  assignee_id: String(w.users.solver.id),
  category: 'Podvrh',
  minutes: '30',
  work_date: '',
});

type Body = 'form' | 'multipart' | 'text/plain' | 'json' | 'none';
const BODIES: Body[] = ['form', 'multipart', 'text/plain', 'json', 'none'];

function send(s: Session, url: string, body: Body) {
  const values = realValues();
  const req = s.agent.post(url);
  switch (body) {
    case 'form':
      return req.type('form').send(values);
    case 'multipart': {
      let m = req;
      for (const [k, v] of Object.entries(values)) m = m.field(k, v);
      return m.attach('files', Buffer.from('%PDF-1.4 podvrh'), { filename: 'faktura.pdf', contentType: 'application/pdf' });
    }
    case 'text/plain':
      return req.set('Content-Type', 'text/plain').send(new URLSearchParams(values).toString());
    case 'json':
      return req.set('Content-Type', 'application/json').send(JSON.stringify(values));
    case 'none':
      return req;
  }
}

/** Each route's URLs: every ticket for :number, every action for :action, the right object for :id, a well-formed link token for :token. */
function urlsOf(route: RouteInfo): string[] {
  const numbers = route.path.includes(':number') ? [fresh, resolved] : [0];
  const actions = route.path.includes(':action') ? TRANSITIONS.map((t) => t.action) : ['-'];
  const id = route.path.startsWith('/staff/mail') ? mailId : attachmentId;
  return numbers.flatMap((number) => actions.map((action) => fillPath(route.path, { number, action, id, token: 'A'.repeat(43) })));
}

describe('CSRF on every POST route', () => {
  it('refuses every POST route without a token with 403, whatever the content type, and changes nothing', async () => {
    // the API authenticates by bearer token, never by cookie, so it has no CSRF (test/api checks its 401s)
    const routes = routesOf(web.app).filter((r) => r.method === 'POST' && !r.path.startsWith('/api/'));
    // the sign-in, sign-out, account, new ticket, ticket, staff and mail forms
    expect(routes.length).toBeGreaterThanOrEqual(12);
    const before = await dbSnapshot(tdb.db);
    const wrong: string[] = [];
    for (const [who, s] of [['customer', customer], ['staff', staff]] as const) {
      for (const route of routes) {
        for (const url of urlsOf(route)) {
          for (const body of BODIES) {
            const res = await send(s, url, body);
            if (res.status !== 403) wrong.push(`${who} POST ${url} (${body}): ${res.status}`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(await dbSnapshot(tdb.db)).toEqual(before);
    // still signed in as themselves (no sign-out or sign-in went through)
    expect((await customer.agent.get('/')).headers.location).toBe('/tickets');
    expect((await staff.agent.get('/')).headers.location).toBe('/staff/queue');
  }, 180_000);

  it('accepts the same forms with the token (the refusal above is the missing token, not the form)', async () => {
    const ok = await customer.agent.post(`/tickets/${fresh}/messages`).field('_csrf', customer.csrf).field('body', 'Se správným tokenem.');
    expect(ok.status).toBe(303);
    const form = await staff.agent.post(`/tickets/${fresh}/assign`).type('form').send({ _csrf: staff.csrf, assignee_id: String(w.users.solver.id) });
    expect(form.status).toBe(303);
  });
});
