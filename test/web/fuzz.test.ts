import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestMail } from '../../src/services/mail/ingest.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { type RouteInfo, routesOf } from '../support/routes.js';
import { controlCharactersStored, dbSnapshot } from '../support/snapshot.js';
import { type Agent, buildApp, login, type Session } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';
import request from 'supertest';

/*
 * Finding 8 of issue 8: malformed input is a 4xx, never a 500. Every route of the app (read from
 * its router) gets malformed query strings, bodies, content types and path values, anonymously,
 * as a customer and as staff: first without a CSRF token (nothing may be written), then with a
 * valid one (broken bodies are refused; whatever is accepted is stored without control characters).
 * An admin session is among them, so the admin area's routes run their code too.
 * A fixed corpus plus fast-check with a fixed seed, so every run sends the same requests.
 */

const SEED = 20261127;

let tdb: TestDatabase;
let web: ReturnType<typeof buildApp>;
let w: World;
let staff: Session;
let customer: Session;
let admin: Session;
let anonymous: Agent;
let routes: RouteInfo[];
let ticket: number;
let attachmentId: number;
let mailId: number;

/** Query parameters and form fields the routes read. */
const PARAMS = ['page', 'list', 'q', 'contract', 'assignee', 'sla', 'text', 'state', 'sort', 'paragraph_id', 'start', 'outcome', 'quarantine', 'done', 'next', 'type', 'id', 'actor', 'from', 'to'];
const FIELDS = [
  'login', 'password', 'next', 'current', 'confirm', 'contract_id', 'paragraph_id', 'contact_phone', 'contact_email', 'subject', 'description',
  'requested_resolution_date', 'body', 'internal', 'reason', 'cooperation', 'resolution', 'note', 'target', 'assignee_id', 'category', 'minutes', 'work_date',
  'mode',
];

/** Percent-encodes bytes (any bytes: NUL, controls, invalid UTF-8). */
const pct = (bytes: Uint8Array) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');
/** Percent-encodes a string's UTF-8 (a lone surrogate becomes U+FFFD, as a browser sends it). */
const enc = (s: string) => pct(Buffer.from(s, 'utf8'));

/** Malformed values, already encoded for a query string or a url-encoded body. */
const VALUES: Record<string, string> = {
  nul: enc('a\u0000b'),
  onlyNul: enc('\u0000'),
  controls: enc('x\u0001\u0008\u000b\u000c\u000e\u001b\u007f\u0085y\u2028'),
  invalidUtf8: '%FF%FE',
  badSequence: '%C3%28',
  surrogate: '%ED%A0%80',
  beyondUnicode: '%F4%90%80%80',
  brokenEscape: '%',
  badEscape: '%G1%',
  infinity: 'Infinity',
  negative: '-1',
  exponent: '1e309',
  hex: '0x10',
  spaces: '%205%20',
  fraction: '5.5',
  longDigits: '12345678901234567890',
  maxSafe: '9007199254740991',
  long: 'x'.repeat(500),
  lineBreaks: enc('a\r\nb\rc\nd'),
  html: enc('<script>alert(1)</script>"\'&'),
};

const everyParam = (names: string[], value: string) => names.map((n) => `${n}=${value}`).join('&');

/** Query strings: every parameter with one malformed value, repeated, bracketed, nested, huge. */
const QUERIES: Record<string, string> = {
  ...Object.fromEntries(Object.entries(VALUES).map(([k, v]) => [k, everyParam(PARAMS, v)])),
  repeated: PARAMS.map((n) => `${n}=1&${n}=2`).join('&'),
  brackets: PARAMS.map((n) => `${n}[]=1&${n}[]=2`).join('&'),
  nested: PARAMS.map((n) => `${n}[a][b]=1`).join('&'),
  empty: everyParam(PARAMS, ''),
  bare: PARAMS.join('&'),
  hugeOne: `q=${'9'.repeat(12_000)}`,
};

interface BodyCase {
  type?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** the body cannot be read as a form: refused (4xx) even with a valid token */
  broken?: boolean;
  /** about a megabyte: sent to the POST routes only */
  big?: boolean;
}

const MULTIPART = 'multipart/form-data; boundary=XyZ';
const part = (name: string, value: string, filename?: string) =>
  `--XyZ\r\nContent-Disposition: form-data; name="${name}"${filename === undefined ? '' : `; filename="${filename}"`}\r\n` +
  `${filename === undefined ? '' : 'Content-Type: text/plain\r\n'}\r\n${value}\r\n`;

/** Bodies: every field with one malformed value, arrays, wrong and broken content types, too large. */
const BODIES: Record<string, BodyCase> = {
  ...Object.fromEntries(Object.entries(VALUES).map(([k, v]) => [`form ${k}`, { type: 'application/x-www-form-urlencoded', body: everyParam(FIELDS, v) }])),
  'form repeated': { type: 'application/x-www-form-urlencoded', body: FIELDS.map((n) => `${n}=1&${n}=2`).join('&') },
  'form brackets': { type: 'application/x-www-form-urlencoded', body: FIELDS.map((n) => `${n}[]=1&${n}[]=2`).join('&') },
  'form empty': { type: 'application/x-www-form-urlencoded', body: '' },
  'form huge fields': { type: 'application/x-www-form-urlencoded', body: everyParam(FIELDS, 'x'.repeat(40_000)), big: true },
  'form over 1 MB': { type: 'application/x-www-form-urlencoded', body: `body=${'x'.repeat(1_100_000)}`, broken: true, big: true },
  'multipart over 1 MB': { type: MULTIPART, body: `${part('body', 'x'.repeat(1_100_000))}--XyZ--\r\n`, big: true },
  'form too many fields': { type: 'application/x-www-form-urlencoded', body: Array.from({ length: 2000 }, (_, i) => `f${i}=1`).join('&'), broken: true },
  'form unknown charset': { type: 'application/x-www-form-urlencoded; charset=x-klingon', body: 'body=x', broken: true },
  'form unknown encoding': { type: 'application/x-www-form-urlencoded', headers: { 'Content-Encoding': 'x-squash' }, body: 'body=x', broken: true },
  'form false gzip': { type: 'application/x-www-form-urlencoded', headers: { 'Content-Encoding': 'gzip' }, body: 'body=x', broken: true },
  'raw invalid utf-8': { type: 'application/x-www-form-urlencoded', body: Buffer.from([0x62, 0x6f, 0x64, 0x79, 0x3d, 0xff, 0xfe, 0x00, 0xc3, 0x28]) },
  'bad json': { type: 'application/json', body: '{"body": "x\\u0000", "page": Infinity, ' },
  json: { type: 'application/json', body: JSON.stringify({ body: 'x\u0000', reason: ['a', 'b'], assignee_id: 1e309, page: 'Infinity' }) },
  xml: { type: 'application/xml', body: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;\u0000</x>' },
  'text/plain': { type: 'text/plain', body: 'body=ahoj\u0000&reason=x' },
  'multipart without boundary': { type: 'multipart/form-data', body: part('body', 'x') + '--XyZ--\r\n', broken: true },
  'multipart wrong boundary': { type: 'multipart/form-data; boundary=other', body: part('body', 'x') + '--XyZ--\r\n', broken: true },
  'multipart truncated': { type: MULTIPART, body: part('body', 'x').slice(0, 40), broken: true },
  'multipart bad header': { type: MULTIPART, body: '--XyZ\r\nContent-Disposition\r\n\r\nx\r\n--XyZ--\r\n', broken: true },
  'multipart nul and controls': {
    type: MULTIPART,
    body: FIELDS.map((f) => part(f, `a\u0000b\u0001c${f === 'minutes' ? 'Infinity' : ''}`)).slice(0, 18).join('') + part('files', 'obsah', 'a\u0000b\u0007.txt') + '--XyZ--\r\n',
  },
  'multipart arrays': { type: MULTIPART, body: ['body', 'body', 'subject', 'subject'].map((f) => part(f, 'x')).join('') + '--XyZ--\r\n' },
  'no body': {},
};

/** Values put into a route's path parameters (raw: some are invalid percent-encodings on purpose). */
const PATH_VALUES = ['%00', '1%00', '%FF', '%C3%28', '%', 'Infinity', '-1', '1e3', '0x10', '%205', '5.5', '12345678901234567890', '9007199254740991', 'x'.repeat(3000), '..%2F..%2Fetc'];

const fill = (path: string, raw: Record<string, string>) => path.replace(/:(\w+)/g, (_m, name: string) => raw[name] ?? '1');
/** A real object for `:id`: the mail, the attachment, or an admin section's object that no signed-in session of the test belongs to (company B, bob). */
function realId(path: string): number {
  if (path.startsWith('/staff/mail')) return mailId;
  const admin: Record<string, number> = { companies: w.companyB, contracts: w.contractB, paragraphs: w.paragraphs.B.question, users: w.users.bob.id };
  return path.startsWith('/admin/') ? (admin[path.split('/')[2] ?? ''] ?? attachmentId) : attachmentId;
}
const validPath = (route: RouteInfo) => fill(route.path, { number: String(ticket), id: String(realId(route.path)), action: 'accept' });

interface Sent {
  status: number;
  label: string;
}

/** Sends one request; with a token, in the form body (url-encoded) or in the header (anything else). */
async function send(agent: Agent, method: 'GET' | 'POST', url: string, body: BodyCase = {}, token?: string): Promise<Sent> {
  let req = method === 'GET' ? agent.get(url) : agent.post(url);
  for (const [k, v] of Object.entries(body.headers ?? {})) req = req.set(k, v);
  let payload = body.body;
  if (token !== undefined) {
    if (body.type?.startsWith('application/x-www-form-urlencoded') && typeof payload === 'string') payload = `_csrf=${encodeURIComponent(token)}&${payload}`;
    else req = req.set('X-CSRF-Token', token);
  }
  if (body.type !== undefined) req = req.set('Content-Type', body.type);
  const res = await (payload === undefined ? req : req.send(payload));
  return { status: res.status, label: `${method} ${url.slice(0, 160)} ${body.type ?? ''}` };
}

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  web = buildApp(tdb);
  routes = routesOf(web.app);
  staff = await login(web.app, 'agent');
  customer = await login(web.app, 'alice');
  admin = await login(web.app, 'admin');
  anonymous = request.agent(web.app);
  const created = await customer.agent
    .post('/tickets/new')
    .field('_csrf', customer.csrf)
    .field('contract_id', String(w.contractA))
    .field('paragraph_id', String(w.paragraphs.A.incident))
    .field('contact_phone', '602123456')
    .field('subject', 'Fuzz')
    .field('description', 'Popis')
    .attach('files', Buffer.from('obsah'), { filename: 'priloha.txt', contentType: 'text/plain' });
  expect(created.status).toBe(303);
  ticket = Number(/\/tickets\/(\d+)$/.exec(created.headers.location ?? '')?.[1]);
  attachmentId = Number((await tdb.db('attachments').where({ ticket_number: ticket }).first('id')).id);
  await ingestMail(tdb.ctx, Buffer.from('From: cizi@spam.example\r\nSubject: Spam\r\nMessage-ID: <f1@spam.example>\r\n\r\nx\r\n'), { mailbox: null });
  mailId = Number((await tdb.db('inbound_mail').first('id')).id);
}, 120_000);

afterAll(async () => {
  await web?.close();
  await tdb?.drop();
});

describe('malformed input on every route', () => {
  it('enumerates the routes of every router', () => {
    expect(routes.length).toBeGreaterThanOrEqual(29);
    expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining(['GET /tickets', 'POST /tickets/new', 'POST /tickets/:number/messages', 'GET /staff/queue', 'POST /staff/mail/:id/release', 'POST /login', 'POST /account/password']),
    );
  });

  it('never answers 5xx and writes nothing without a CSRF token (fixed corpus)', async () => {
    const before = await dbSnapshot(tdb.db);
    const wrong: string[] = [];
    const check = (r: Sent) => {
      if (r.status >= 500) wrong.push(`${r.status} ${r.label}`);
      // a POST without a token is refused, whatever else is wrong with it
      else if (r.label.startsWith('POST') && (r.status < 400 || r.status >= 500)) wrong.push(`${r.status} (not refused) ${r.label}`);
    };
    // nothing here may write, so the requests go eight at a time
    const jobs: (() => Promise<void>)[] = [];
    for (const agent of [anonymous, customer.agent, staff.agent, admin.agent]) {
      for (const route of routes) {
        const path = validPath(route);
        for (const query of Object.values(QUERIES)) {
          // GET on every route (a POST route answers it with 404); POST with an empty form on the POST routes
          jobs.push(async () => check(await send(agent, 'GET', `${path}?${query}`)));
          if (route.method === 'POST') {
            jobs.push(async () => check(await send(agent, 'POST', `${path}?${query}`, { type: 'application/x-www-form-urlencoded', body: '' })));
          }
        }
        for (const body of Object.values(BODIES)) {
          if (body.big && route.method !== 'POST') continue;
          jobs.push(async () => check(await send(agent, 'POST', path, body)));
        }
        for (const param of ['number', 'id', 'action'].filter((p) => route.path.includes(`:${p}`))) {
          for (const value of PATH_VALUES) {
            jobs.push(async () => {
              const url = fill(route.path, { number: String(ticket), id: String(attachmentId), action: 'accept', [param]: value });
              const r = await send(agent, route.method as 'GET' | 'POST', url);
              check(r);
              // (signed out, a page sends to the sign-in first)
              const toSignIn = agent === anonymous && r.status === 302;
              if (r.status < 400 && !toSignIn) wrong.push(`${r.status} (a bad path value answered) ${r.label}`);
            });
          }
        }
      }
    }
    await inBatches(jobs, 8);
    expect(jobs.length).toBeGreaterThan(4000);
    expect(wrong).toEqual([]);
    expect(await dbSnapshot(tdb.db)).toEqual(before);
  }, 300_000);

  it('never answers 5xx and writes nothing without a CSRF token (random requests, fixed seed)', async () => {
    const before = await dbSnapshot(tdb.db);
    const agents = [anonymous, customer.agent, staff.agent, admin.agent];
    await fc.assert(
      fc.asyncProperty(requestArbitrary(), async (r) => {
        const route = routes[r.route % routes.length]!;
        const path = r.pathValue === null ? validPath(route) : fill(route.path, { number: r.pathValue, id: r.pathValue, action: r.pathValue });
        const res = await send(agents[r.agent]!, r.method, `${path}?${r.query}`, { type: r.type, body: r.body });
        expect(res.status, res.label).toBeLessThan(500);
        if (r.method === 'POST') expect(res.status, res.label).toBeGreaterThanOrEqual(400);
      }),
      { seed: SEED, numRuns: 400 },
    );
    expect(await dbSnapshot(tdb.db)).toEqual(before);
  }, 300_000);

  it('with a valid token: broken bodies are refused, nothing is a 5xx, and no control character is stored', async () => {
    const wrong: string[] = [];
    for (const s of [customer, staff, admin]) {
      for (const route of routes) {
        // signing out would end the session the rest of the test uses
        if (route.path === '/logout') continue;
        const path = validPath(route);
        // (a body to a GET route is refused without a token above; with one it is a plain 404)
        for (const [name, body] of route.method === 'POST' ? Object.entries(BODIES) : []) {
          const r = await send(s.agent, 'POST', path, body, s.csrf);
          if (r.status >= 500) wrong.push(`${r.status} ${name}: ${r.label}`);
          else if (body.broken && r.status < 400) wrong.push(`${r.status} (broken body accepted) ${name}: ${r.label}`);
        }
        for (const query of Object.values(QUERIES)) {
          const r = await send(s.agent, route.method as 'GET' | 'POST', `${path}?${query}`, { type: 'application/x-www-form-urlencoded', body: '' }, s.csrf);
          if (r.status >= 500) wrong.push(`${r.status}: ${r.label}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(await controlCharactersStored(tdb.db)).toBe(0);
    // the sessions survived: every refusal above was the request's, not the session's
    expect((await customer.agent.get('/')).headers.location).toBe('/tickets');
    expect((await staff.agent.get('/')).headers.location).toBe('/staff/queue');
    expect((await admin.agent.get('/admin')).status).toBe(200);
  }, 300_000);

  it('with a valid token, random requests never answer 5xx nor store a control character (fixed seed)', async () => {
    const sessions = [customer, staff, admin];
    const post = routes.filter((r) => r.method === 'POST' && r.path !== '/logout');
    await fc.assert(
      fc.asyncProperty(requestArbitrary(), async (r) => {
        const s = sessions[r.agent % 3]!;
        const route = post[r.route % post.length]!;
        const path = r.pathValue === null ? validPath(route) : fill(route.path, { number: r.pathValue, id: r.pathValue, action: r.pathValue });
        const res = await send(s.agent, 'POST', `${path}?${r.query}`, { type: r.type, body: r.body }, s.csrf);
        expect(res.status, res.label).toBeLessThan(500);
      }),
      { seed: SEED + 1, numRuns: 400 },
    );
    expect(await controlCharactersStored(tdb.db)).toBe(0);
  }, 300_000);
});

async function inBatches(jobs: (() => Promise<void>)[], size: number): Promise<void> {
  for (let i = 0; i < jobs.length; i += size) await Promise.all(jobs.slice(i, i + size).map((job) => job()));
}

/** A random request: route, method, agent, path value, query, body and its content type. */
function requestArbitrary() {
  const value = fc.oneof(
    fc.constantFrom(...Object.values(VALUES), '', '1', '0', 'none', 'breached', 'on'),
    fc.string({ unit: 'binary', maxLength: 12 }).map(enc),
    fc.uint8Array({ maxLength: 12 }).map(pct),
    fc.constantFrom('%', '%G', '%FF', '%00', '%C3', 'Infinity', '-Infinity', 'NaN', '1e309', '0x10'),
  );
  const key = fc.oneof(
    fc.constantFrom(...PARAMS, ...FIELDS, '_csrf', '__proto__', 'constructor'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }).map(enc),
  ).chain((k) => fc.constantFrom(k, `${k}[]`, `${k}[0]`, `${k}[a]`));
  const pairs = fc.array(fc.tuple(key, value), { maxLength: 10 }).map((ps) => ps.map(([k, v]) => `${k}=${v}`).join('&'));
  return fc.record({
    route: fc.nat(),
    method: fc.constantFrom('GET' as const, 'POST' as const),
    agent: fc.integer({ min: 0, max: 3 }),
    pathValue: fc.option(fc.oneof(value, fc.constantFrom(...PATH_VALUES)), { nil: null }),
    query: pairs,
    body: pairs,
    type: fc.constantFrom('application/x-www-form-urlencoded', 'text/plain', 'application/json', 'application/xml', 'multipart/form-data', MULTIPART, undefined),
  });
}
