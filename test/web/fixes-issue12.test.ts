import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cs } from '../../src/i18n/cs.js';
import { createTicket, TEXT_MAX } from '../../src/services/create-ticket.js';
import { logEffort } from '../../src/services/effort.js';
import { ingestMail } from '../../src/services/mail/ingest.js';
import { acceptTicket } from '../../src/services/transitions.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, login, visibleText } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';

let tdb: TestDatabase;
let w: World;
let web: ReturnType<typeof buildApp>;

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  web = buildApp(tdb);
});
afterAll(async () => {
  await web?.close();
  await tdb?.drop();
});

const newTicket = (paragraph_id: number, subject = 'Výpadek') =>
  createTicket(tdb.ctx, w.users.alice, { contract_id: w.contractA, paragraph_id, contact_phone: '602123456', subject, description: 'popis' });

/** The text of the ticket page's clock cells: `<tr class="clock clock-<name> …">…<td class="<cell>">text</td>`. */
function clockCell(html: string, name: 'reaction' | 'resolution', cell: 'remaining' | 'consumed'): string {
  const row = new RegExp(`<tr class="clock clock-${name}[^"]*">([\\s\\S]*?)</tr>`).exec(html)?.[1] ?? '';
  return new RegExp(`<td class="${cell}"[^>]*>([^<]*)</td>`).exec(row)?.[1]?.trim() ?? '';
}

describe('a description over the multipart field limit', () => {
  it('is kept cut at the limit with the message at the description, not at the attachments', async () => {
    const alice = await login(web.app, 'alice');
    const before = Number((await tdb.db('tickets').count('* as n').first())?.n);
    const description = 'Dlouhý popis chyby. '.repeat(60_000); // 1.2 million characters
    const res = await alice.agent.post('/tickets/new').field('_csrf', alice.csrf)
      .field('contract_id', String(w.contractA)).field('paragraph_id', String(w.paragraphs.A.incident))
      .field('description', description).field('contact_phone', '602 123 456').field('subject', 'Předmět za dlouhým popisem');
    expect(res.status).toBe(400);
    expect(res.text).toContain(`<p class="error" id="err-description">${cs.errors.fieldTooLong(TEXT_MAX)}</p>`);
    expect(res.text).toMatch(/<textarea name="description"[^>]*aria-invalid="true" aria-describedby="err-description"/);
    expect(res.text).not.toContain('id="err-files"');
    const kept = /<textarea name="description"[^>]*>([\s\S]*?)<\/textarea>/.exec(res.text)?.[1] ?? '';
    expect(kept.length).toBe(TEXT_MAX);
    expect(description.startsWith(kept)).toBe(true);
    expect(res.text).toContain('value="Předmět za dlouhým popisem"');
    expect(Number((await tdb.db('tickets').count('* as n').first())?.n)).toBe(before);

    // sent again as it was kept, the ticket is created with that text
    const again = await alice.agent.post('/tickets/new').field('_csrf', alice.csrf)
      .field('contract_id', String(w.contractA)).field('paragraph_id', String(w.paragraphs.A.incident))
      .field('description', kept).field('contact_phone', '602 123 456').field('subject', 'Předmět za dlouhým popisem');
    expect(again.status).toBe(303);
  });
});

describe('SLA clocks on the ticket page', () => {
  it('shows a day-based target in service days and no remaining time on a stopped clock', async () => {
    const [paragraph] = await tdb.db('contract_paragraphs')
      .insert({ contract_id: w.contractA, code: 'D3', name: 'Incident dny', kind: 'incident', sla_applies: true, reaction_method: 'Hod', reaction_amount: 4, resolution_method: 'Den', resolution_amount: 3 })
      .returning('id');
    const { number } = await newTicket(paragraph.id, 'Dny');
    const agent = await login(web.app, 'agent');
    const page = (await agent.agent.get(`/tickets/${number}`)).text;
    // 3 d (Den) with (almost) nothing consumed: three service days, not "1 d 0 min"
    expect(clockCell(page, 'resolution', 'remaining')).toBe('3 d');
    expect(clockCell(page, 'resolution', 'consumed')).toMatch(/^0(,0\d)? d$/);
    expect(clockCell(page, 'reaction', 'remaining')).toMatch(/^(4 h|3 h \d+ min)$/);

    await acceptTicket(tdb.ctx, w.users.agent, number, {});
    const after = (await agent.agent.get(`/tickets/${number}`)).text;
    expect(after).toMatch(/<tr class="clock clock-reaction clock-stopped/);
    expect(clockCell(after, 'reaction', 'remaining')).toBe(cs.sla.pending);
    expect(clockCell(after, 'resolution', 'remaining')).toMatch(/ d$/);
  });
});

describe('the effort form', () => {
  it('shows a refused entry’s error once, at its field', async () => {
    const { number } = await newTicket(w.paragraphs.A.incident);
    const staff = await login(web.app, 'agent');
    const res = await staff.agent.post(`/tickets/${number}/effort`).type('form').send({ _csrf: staff.csrf, minutes: '0', work_date: '', billable: '', note: '' });
    expect(res.status).toBe(400);
    expect(res.text.split(cs.errors.minutes).length - 1).toBe(1);
    expect(res.text).toContain(`<p class="error" id="err-minutes">${cs.errors.minutes}</p>`);
  });
});

describe('the effort edit form', () => {
  it('shows a refused change in that entry’s own form, opened, with what was typed, not in the new-entry form', async () => {
    const { number } = await newTicket(w.paragraphs.A.incident, 'Úprava pracnosti');
    const { id } = await logEffort(tdb.ctx, w.users.agent, number, { minutes: '30', work_date: '2026-11-02', note: 'Analýza' });
    const staff = await login(web.app, 'agent');
    const res = await staff.agent.post(`/tickets/${number}/effort/${id}`).type('form').send({ _csrf: staff.csrf, minutes: '0', work_date: '2026-11-02', billable: 'no', note: 'Analýza logů' });
    expect(res.status).toBe(400);
    expect(res.text.split(cs.errors.minutes).length - 1).toBe(1);
    const edit = new RegExp(`<details class="effort-edit" open>[\\s\\S]*?action="/tickets/${number}/effort/${id}"[\\s\\S]*?</form>`).exec(res.text)?.[0] ?? '';
    expect(edit).toContain(`<p class="error" id="err-minutes">${cs.errors.minutes}</p>`);
    expect(edit).toMatch(/name="minutes" type="number" min="1" max="1440" value="0" required aria-invalid="true" aria-describedby="err-minutes"/);
    expect(edit).toContain('value="Analýza logů"');
    const add = new RegExp(`<form method="post" action="/tickets/${number}/effort" [\\s\\S]*?</form>`).exec(res.text)?.[0] ?? '';
    expect(add).toContain('name="minutes"');
    expect(add).not.toContain('aria-invalid');
    expect(await tdb.db('efforts').where({ id }).first('minutes', 'note')).toEqual({ minutes: 30, note: 'Analýza' });
  });
});

describe('the e-mail log', () => {
  it('shows the reason in Czech, not the ingestion’s code', async () => {
    const raw = Buffer.from(
      ['From: neznamy@example.org', 'To: helpdesk.tech@seyfor.com', 'Subject: Dotaz', `Message-ID: <fix12.${Date.now()}@example.org>`, 'Content-Type: text/plain; charset=utf-8', '', 'Dobrý den.', ''].join('\r\n'),
    );
    expect(await ingestMail(tdb.ctx, raw, { mailbox: null })).toEqual({ outcome: 'reject_unauthorized', reason: 'not_authorized' });
    const staff = await login(web.app, 'agent');
    const text = visibleText((await staff.agent.get('/staff/mail')).text);
    expect(text).toContain(cs.mailLog.reasons.not_authorized);
    expect(text).not.toContain('not_authorized');
  });
});
