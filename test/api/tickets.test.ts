import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cs } from '../../src/i18n/cs.js';
import { fileFromBuffer } from '../../src/services/attachments.js';
import { addMessage } from '../../src/services/conversation.js';
import { createTicket } from '../../src/services/create-ticket.js';
import { acceptTicket, pauseTicket, resolveTicket } from '../../src/services/transitions.js';
import { apiCall, apiWorld } from '../support/api.js';
import type { TestDatabase } from '../support/db.js';
import { login, visibleText } from '../support/web.js';
import type { World } from '../support/world.js';

let tdb: TestDatabase;
let app: Express;
let world: World;
let token: string;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ tdb, app, world, token, close } = await apiWorld({ tokenName: 'Zabbix produkce' }));
});
afterAll(() => close());

const create = (body: Record<string, unknown>, headers: Record<string, string> = {}) => apiCall(app, 'POST', '/api/v1/tickets', { token, body, headers });

describe('POST /api/v1/tickets', () => {
  it('creates the ticket through the use case: 201, Location, the public shape, channel api, history "přes API: <token>"', async () => {
    const res = await create({ subject: 'Disk /var plný', description: 'Zabbix hlásí 95 %.', external_id: 'ZBX-1' });
    expect(res.status).toBe(201);
    const number = res.body.number as number;
    expect(res.headers.location).toBe(`/api/v1/tickets/${number}`);
    expect(res.body).toMatchObject({
      subject: 'Disk /var plný',
      description: 'Zabbix hlásí 95 %.',
      state: { code: 'new', label: cs.states.new },
      paragraph: { code: 'I1', name: 'Incident' },
      channel: 'api',
      external_id: 'ZBX-1',
      assignee_name: null,
      resolved_at: null,
    });
    expect(res.body.sla.reaction).toMatchObject({ breached: false, state: 'running' });
    expect(Date.parse(res.body.sla.resolution.due)).toBeGreaterThan(Date.now());
    // the public shape and nothing more (no internal id or column)
    expect(Object.keys(res.body).sort()).toEqual(
      ['assignee_name', 'attachments', 'channel', 'closed_at', 'created_at', 'description', 'external_id', 'number', 'paragraph', 'resolved_at', 'sla', 'state', 'subject', 'updated_at'].sort(),
    );
    expect(res.headers['set-cookie']).toBeUndefined();

    // built from what the creation returned, it is what GET shows
    expect((await apiCall(app, 'GET', `/api/v1/tickets/${number}`, { token })).body).toEqual(res.body);
    const row = await tdb.db('tickets').where({ number }).first();
    expect(row).toMatchObject({ channel: 'api', external_id: 'ZBX-1', reporter_id: world.users.alice.id, contract_id: world.contractA, contact_email: world.users.alice.email });
    const event = await tdb.db('ticket_events').where({ ticket_number: number, kind: 'created' }).first();
    expect(event.data).toEqual({ channel: 'api', via: 'Zabbix produkce' });
    // the ticket page's history tab says who it came through
    const staff = await login(app, 'agent');
    const page = await staff.agent.get(`/tickets/${number}/historie`);
    expect(visibleText(page.text)).toContain(`${cs.history.created} ${cs.api.history.via('Zabbix produkce')}`);
    // the customer's receipt is in the outbox like for any new ticket
    const mail = await tdb.db('outbound_mail').where({ ticket_number: number }).select('to_address');
    expect(mail.map((m) => m.to_address)).toContain(world.users.alice.email);
  });

  it('takes a paragraph by its code within the token’s contract and refuses an unknown one at /paragraph', async () => {
    const q = await create({ subject: 'Dotaz', description: 'Jak?', paragraph: 'Q' });
    expect(q.status).toBe(201);
    expect(q.body.paragraph).toEqual({ code: 'Q', name: 'Dotaz' });
    expect(q.body.sla.reaction).toEqual({ due: null, breached: null, state: 'not_applicable' });
    const bad = await create({ subject: 'X', description: 'Y', paragraph: 'NOPE' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([{ path: '/paragraph', message: cs.api.validation.paragraph }]);
  });

  it('takes the contact phone from the token user’s profile unless the request gives one', async () => {
    await tdb.db('users').where({ id: world.users.alice.id }).update({ phone: '+420 777 000 111' });
    const fromProfile = await create({ subject: 'Telefon z profilu', description: 'x' });
    const given = await create({ subject: 'Telefon v požadavku', description: 'x', contact_phone: '+420 602 123 456' });
    const phones = await tdb.db('tickets').whereIn('number', [fromProfile.body.number, given.body.number]).orderBy('number').pluck('contact_phone');
    expect(phones[0]).toMatch(/777\s?000\s?111/);
    expect(phones[1]).toMatch(/602\s?123\s?456/);
    const bad = await create({ subject: 'Špatný telefon', description: 'x', contact_phone: 'volejte mi' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([{ path: '/contact_phone', message: cs.errors.phone }]);
  });

  it('stores base64 attachments with the ticket', async () => {
    const content = Buffer.from('/dev/sda1 95%\n');
    const res = await create({ subject: 'S přílohou', description: 'df -h', attachments: [{ name: 'df.txt', content_type: 'text/plain', content_base64: content.toString('base64') }] });
    expect(res.status).toBe(201);
    const files = await tdb.db('attachments').where({ ticket_number: res.body.number });
    expect(files.map((f) => [f.name, f.content_type, Number(f.size)])).toEqual([['df.txt', 'text/plain', content.length]]);
    expect(res.body.attachments).toEqual([{ id: Number(files[0].id), name: 'df.txt', content_type: 'text/plain', size: content.length }]);
    expect((await apiCall(app, 'GET', `/api/v1/tickets/${res.body.number}`, { token })).body.attachments).toEqual(res.body.attachments);
  });

  it('gives an attachment’s bytes back as a download: octet-stream, its name in Content-Disposition, never cached', async () => {
    const content = Buffer.concat([Buffer.from('<html><script>alert(1)</script>'), Buffer.from([0, 255, 1, 254])]);
    const created = await create({ subject: 'Stažení', description: 'x', attachments: [{ name: 'stránka č.1.html', content_type: 'text/html', content_base64: content.toString('base64') }] });
    const [file] = created.body.attachments as { id: number }[];
    const res = await apiCall(app, 'GET', `/api/v1/tickets/${created.body.number}/attachments/${file!.id}`, { token, binary: true });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="str?nka ?.1.html"; filename*=UTF-8''str%C3%A1nka%20%C4%8D.1.html`);
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(Buffer.compare(res.body as Buffer, content)).toBe(0);
  });

  it('answers invalid input with 422 and every problem at its JSON Pointer, in Czech', async () => {
    const res = await create({ subject: '', description: 5, external_id: 'x'.repeat(201), attachments: [{ name: 'a', content_type: 'text/plain', content_base64: '***' }] });
    expect(res.status).toBe(422);
    expect(res.body.type).toBe('https://helpdesk.tech/problems/validation');
    expect(res.body.title).toBe(cs.api.problems.validation.title);
    const paths = (res.body.errors as { path: string; message: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(['/attachments/0/content_base64', '/description', '/external_id', '/subject']);
    const messages = Object.fromEntries((res.body.errors as { path: string; message: string }[]).map((e) => [e.path, e.message]));
    expect(messages['/subject']).toBe(cs.api.validation.required);
    expect(messages['/external_id']).toBe(cs.api.validation.tooLong(200));
    expect(messages['/attachments/0/content_base64']).toBe(cs.api.validation.base64);
    const missing = await create({});
    expect(missing.status).toBe(422);
    expect((missing.body.errors as { path: string }[]).map((e) => e.path).sort()).toEqual(['/description', '/subject']);
  });

  it('refuses a body that is not an object with 422 at the root', async () => {
    const res = await apiCall(app, 'POST', '/api/v1/tickets', { token, body: [1, 2] });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].path).toBe('');
    for (const raw of ['"text"', '5', 'null']) {
      const scalar = await apiCall(app, 'POST', '/api/v1/tickets', { token, raw });
      expect(scalar.status, raw).toBe(422);
      expect(scalar.body.errors[0].path).toBe('');
    }
  });
});

describe('GET /api/v1/tickets/{number}', () => {
  it('shows state, assignee and both clocks as the ticket page computes them', async () => {
    const { number } = await createTicket(tdb.ctx, world.users.alice, { contract_id: world.contractA, paragraph_id: world.paragraphs.A.incident, contact_phone: '+420777111222', subject: 'Z webu', description: 'Popis' });
    await acceptTicket(tdb.ctx, world.users.agent, number, {});
    await pauseTicket(tdb.ctx, world.users.agent, number, { cooperation: 'Pošlete log.' });
    const res = await apiCall(app, 'GET', `/api/v1/tickets/${number}`, { token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ number, channel: 'web', state: { code: 'paused', label: cs.states.paused }, assignee_name: world.users.agent.name, external_id: null });
    expect(res.body.sla.resolution).toMatchObject({ state: 'paused', due: null, breached: false });
    expect(res.body.sla.reaction.state).toBe('stopped');
  });

  it('answers a number that is not a number with 422 at the parameter', async () => {
    const res = await apiCall(app, 'GET', '/api/v1/tickets/abc', { token });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].path).toBe('number');
  });
});

describe('messages', () => {
  it('lists the customer-visible conversation oldest first, without internal notes', async () => {
    const created = await create({ subject: 'Komunikace', description: 'Popis' });
    const n = created.body.number as number;
    await addMessage(tdb.ctx, world.users.agent, n, { body: 'Veřejná odpověď' });
    await addMessage(tdb.ctx, world.users.agent, n, { body: 'Interní poznámka', internal: true });
    await addMessage(tdb.ctx, world.users.alice, n, { body: 'Díky' });
    const res = await apiCall(app, 'GET', `/api/v1/tickets/${n}/messages`, { token });
    expect(res.status).toBe(200);
    expect(res.body.items.map((m: { body: string; author: { role: string } }) => [m.body, m.author.role])).toEqual([
      ['Veřejná odpověď', 'staff'],
      ['Díky', 'customer'],
    ]);
  });

  it('lists a message’s attachments with the id that downloads each; an internal note’s file is 404 like a missing one', async () => {
    const created = await create({ subject: 'Přílohy zpráv', description: 'Popis' });
    const n = created.body.number as number;
    const log = Buffer.from('kernel: EXT4-fs error\n');
    const added = await apiCall(app, 'POST', `/api/v1/tickets/${n}/messages`, { token, body: { body: 'Log', attachments: [{ name: 'dmesg.txt', content_type: 'text/plain', content_base64: log.toString('base64') }] } });
    expect(added.status).toBe(201);
    const [file] = added.body.attachments as { id: number; name: string }[];
    expect(file).toMatchObject({ name: 'dmesg.txt', content_type: 'text/plain', size: log.length });
    const listed = await apiCall(app, 'GET', `/api/v1/tickets/${n}/messages`, { token });
    expect(listed.body.items[0].attachments).toEqual(added.body.attachments);
    const got = await apiCall(app, 'GET', `/api/v1/tickets/${n}/attachments/${file!.id}`, { token, binary: true });
    expect([got.status, (got.body as Buffer).toString()]).toEqual([200, log.toString()]);

    await addMessage(tdb.ctx, world.users.agent, n, { body: 'Interní', internal: true }, [fileFromBuffer('interni.txt', 'text/plain', Buffer.from('jen pro nás'))]);
    const internal = (await tdb.db('attachments').where({ ticket_number: n, name: 'interni.txt' }).first('id'))!.id as number;
    const hidden = await apiCall(app, 'GET', `/api/v1/tickets/${n}/attachments/${internal}`, { token });
    const missing = await apiCall(app, 'GET', `/api/v1/tickets/${n}/attachments/${internal + 1000}`, { token });
    expect([hidden.status, missing.status]).toEqual([404, 404]);
    expect(hidden.text).toBe(missing.text);
    // another ticket's number with this file's id is not found either
    expect((await apiCall(app, 'GET', `/api/v1/tickets/${created.body.number - 1}/attachments/${file!.id}`, { token })).status).toBe(404);
  });

  it('adds a message as the token’s user; it resumes a paused ticket; a resolved ticket is 409', async () => {
    const created = await create({ subject: 'Pauza', description: 'Popis' });
    const n = created.body.number as number;
    await acceptTicket(tdb.ctx, world.users.agent, n, {});
    await pauseTicket(tdb.ctx, world.users.agent, n, { cooperation: 'Pošlete log.' });
    const res = await apiCall(app, 'POST', `/api/v1/tickets/${n}/messages`, { token, body: { body: 'Log posílám.' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ body: 'Log posílám.', channel: 'api', author: { name: world.users.alice.name, role: 'customer' } });
    expect((await tdb.db('tickets').where({ number: n }).first()).state).toBe('accepted');
    const msg = await tdb.db('ticket_messages').where({ ticket_number: n }).orderBy('id', 'desc').first();
    expect(msg).toMatchObject({ author_id: world.users.alice.id, source: 'api', internal: false });

    await resolveTicket(tdb.ctx, world.users.agent, n, { resolution: 'Hotovo' });
    const late = await apiCall(app, 'POST', `/api/v1/tickets/${n}/messages`, { token, body: { body: 'Ještě něco' } });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ type: 'https://helpdesk.tech/problems/conflict', detail: cs.errors.commentClosed });
  });

  it('refuses an empty message with 422 at /body', async () => {
    const created = await create({ subject: 'Prázdná', description: 'Popis' });
    const res = await apiCall(app, 'POST', `/api/v1/tickets/${created.body.number}/messages`, { token, body: { body: '' } });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([{ path: '/body', message: cs.api.validation.required }]);
  });
});
