import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cs } from '../../src/i18n/cs.js';
import { fileFromBuffer } from '../../src/services/attachments.js';
import { createTicket } from '../../src/services/create-ticket.js';
import { refreshStoredSla } from '../../src/services/sla.js';
import { acceptTicket, cancelTicket, pauseTicket, resolveTicket } from '../../src/services/transitions.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, login, type Session, visibleText } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';

/** Issue 12 part 4: the customer side of the portal (new-ticket form, ticket page, overview). */
let tdb: TestDatabase;
let web: ReturnType<typeof buildApp>;
let w: World;
let alice: Session;
let bob: Session;
let agent: Session;

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  await tdb.db('users').where({ id: w.users.alice.id }).update({ phone: '+420602111222' });
  await tdb.db('users').where({ id: w.users.carol.id }).update({ phone: null });
  web = buildApp(tdb);
  [alice, bob, agent] = await Promise.all([login(web.app, 'alice'), login(web.app, 'bob'), login(web.app, 'agent')]);
});
afterAll(async () => {
  await web?.close();
  await tdb?.drop();
});

const input = (subject: string, contract = w.contractA, paragraph = w.paragraphs.A.incident) => ({
  contract_id: contract,
  paragraph_id: paragraph,
  contact_phone: '602123456',
  subject,
  description: 'Popis problému.',
});

/** The value attribute of the form's input named `name`. */
function inputValue(html: string, name: string): string | undefined {
  const tag = new RegExp(`<input[^>]*name="${name}"[^>]*>`).exec(html)?.[0];
  return tag === undefined ? undefined : /value="([^"]*)"/.exec(tag)?.[1];
}

describe('the new-ticket form', () => {
  it('offers the phone from the profile when the form is fresh', async () => {
    const html = (await alice.agent.get('/tickets/new')).text;
    expect(inputValue(html, 'contact_phone')).toBe('+420602111222');
    expect(inputValue(html, 'contact_email')).toBe(w.users.alice.email);
  });

  it('leaves the phone empty for a user without one', async () => {
    const carol = await login(web.app, 'carol');
    expect(inputValue((await carol.agent.get('/tickets/new')).text, 'contact_phone')).toBe('');
  });

  it('keeps the phone typed into a refused form instead of the profile one', async () => {
    const res = await alice.agent
      .post('/tickets/new')
      .field('_csrf', alice.csrf)
      .field('contract_id', String(w.contractA))
      .field('paragraph_id', String(w.paragraphs.A.incident))
      .field('contact_phone', '777 000 111')
      .field('subject', '')
      .field('description', 'Bez předmětu');
    expect(res.status).toBe(400);
    expect(inputValue(res.text, 'contact_phone')).toBe('777 000 111');
  });
});

describe('a paused ticket on the customer page', () => {
  const request = 'Pošlete prosím výpis z logu serveru za včerejšek.';
  let n: number;
  beforeAll(async () => {
    n = (await createTicket(tdb.ctx, w.users.alice, input('Pozastavený'))).number;
    await acceptTicket(tdb.ctx, w.users.agent, n, {});
    await pauseTicket(tdb.ctx, w.users.agent, n, { cooperation: request });
  });

  it('shows the banner with the cooperation asked for and how to resume, on every tab', async () => {
    for (const path of ['', '/komunikace', '/historie']) {
      const text = visibleText((await alice.agent.get(`/tickets/${n}${path}`)).text);
      expect(text).toContain(`${cs.ticket.pausedTitle} ${cs.ticket.pausedRequest} ${request} ${cs.ticket.pausedHow}`);
    }
    expect((await alice.agent.get(`/tickets/${n}`)).text).toContain(`href="/tickets/${n}/komunikace">${cs.ticket.pausedReply}</a>`);
  });

  it('shows the latest request after a second pause', async () => {
    const m = (await createTicket(tdb.ctx, w.users.alice, input('Dvakrát pozastavený'))).number;
    await acceptTicket(tdb.ctx, w.users.agent, m, {});
    await pauseTicket(tdb.ctx, w.users.agent, m, { cooperation: 'První žádost' });
    await tdb.db('tickets').where({ number: m }).update({ state: 'accepted' });
    await pauseTicket(tdb.ctx, w.users.agent, m, { cooperation: 'Druhá žádost' });
    const text = visibleText((await alice.agent.get(`/tickets/${m}`)).text);
    expect(text).toContain(`${cs.ticket.pausedRequest} Druhá žádost`);
    expect(text).not.toContain(`${cs.ticket.pausedRequest} První žádost`);
  });

  it('is not on the staff page', async () => {
    expect(visibleText((await agent.agent.get(`/tickets/${n}`)).text)).not.toContain(cs.ticket.pausedTitle);
  });

  it('goes away once the customer replies in Komunikace (the ticket resumes)', async () => {
    const res = await alice.agent.post(`/tickets/${n}/messages`).field('_csrf', alice.csrf).field('body', 'Výpis posílám.');
    expect(res.status).toBe(303);
    expect((await tdb.db('tickets').where({ number: n }).first('state')).state).toBe('accepted');
    expect(visibleText((await alice.agent.get(`/tickets/${n}`)).text)).not.toContain(cs.ticket.pausedTitle);
  });
});

describe('the SLA block', () => {
  it('tells the customer each deadline and whether it is met, in plain words without method codes', async () => {
    const n = (await createTicket(tdb.ctx, w.users.alice, input('SLA zákazník'))).number;
    let html = (await alice.agent.get(`/tickets/${n}`)).text;
    let text = visibleText(html);
    expect(text).toMatch(/Reakce do: \d{1,2}\.\d{1,2}\.\d{4} \d{2}:\d{2} \(cíl 4 h\) — běží/);
    expect(text).toMatch(/Vyřešení do: \d{1,2}\.\d{1,2}\.\d{4} \d{2}:\d{2} \(cíl 16 h\) — běží/);
    for (const staffOnly of ['(Hod)', 'WDIN', 'WDOUT', cs.sla.consumed, cs.sla.measurementStart]) expect(text).not.toContain(staffOnly);
    expect(html).not.toMatch(/class="[^"]*sla-clocks/);

    await acceptTicket(tdb.ctx, w.users.agent, n, {});
    text = visibleText((await alice.agent.get(`/tickets/${n}`)).text);
    expect(text).toMatch(/Reakce do: \d{1,2}\.\d{1,2}\.\d{4} \d{2}:\d{2} \(cíl 4 h\) — splněno/);
    await pauseTicket(tdb.ctx, w.users.agent, n, { cooperation: 'Součinnost' });
    html = (await alice.agent.get(`/tickets/${n}`)).text;
    expect(visibleText(html)).toContain(`Vyřešení do: ${cs.sla.plain.noDue} (cíl 16 h) — ${cs.sla.plain.paused}`);
  });

  it('says nesplněno to the customer for an overrun deadline', async () => {
    const [{ number: late }] = await tdb.db('tickets')
      .insert({ contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, reporter_id: w.users.alice.id, subject: 'Pozdě', description: 'x', channel: 'web', created_at: tdb.db.raw("now() - interval '10 days'") })
      .returning('number');
    await tdb.db('ticket_events').insert({ ticket_number: late, kind: 'created', to_state: 'new', at: tdb.db.raw("now() - interval '10 days'") });
    await refreshStoredSla(tdb.db, Number(late));
    const text = visibleText((await alice.agent.get(`/tickets/${late}`)).text);
    expect(text).toMatch(/Reakce do: [^—]+ — nesplněno/);
    expect(text).toMatch(/Vyřešení do: [^—]+ — nesplněno/);
  });

  it('keeps the detailed block with the method codes and WDIN/WDOUT for staff', async () => {
    const n = (await createTicket(tdb.ctx, w.users.alice, input('SLA pracovník'))).number;
    const html = (await agent.agent.get(`/tickets/${n}`)).text;
    const text = visibleText(html);
    expect(html).toMatch(/class="[^"]*sla-clocks/);
    expect(text).toContain('Reakce 4 h (Hod)');
    expect(text).toContain('Vyřešení 16 h (Hod)');
    expect(text).toMatch(/zadáno (v pracovní době \(WDIN\)|mimo pracovní dobu \(WDOUT\))/);
    expect(text).not.toContain('Reakce do:');
  });
});

describe('image attachments', () => {
  // the smallest valid PNG (1×1, transparent)
  const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
  const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
  let n: number;
  let files: Record<string, number>;
  beforeAll(async () => {
    n = (
      await createTicket(tdb.ctx, w.users.alice, input('Obrázky'), [
        fileFromBuffer('snimek.png', 'image/png', PNG),
        fileFromBuffer('kresba.svg', 'image/svg+xml', SVG),
        fileFromBuffer('log.txt', 'text/plain', Buffer.from('řádek logu')),
      ])
    ).number;
    const rows = await tdb.db('attachments').where({ ticket_number: n }).select('id', 'name');
    files = Object.fromEntries(rows.map((r) => [r.name, Number(r.id)]));
  });

  it('shows a thumbnail for an image, opening it large in the page, and keeps other files as links with their size', async () => {
    const res = await alice.agent.get(`/tickets/${n}`);
    const url = `/tickets/${n}/attachments/${files['snimek.png']}`;
    expect(res.text).toContain(`<img class="thumb" src="${url}?inline=1" alt=""`);
    expect(res.text).toMatch(new RegExp(`<details>\\s*<summary>[\\s\\S]*snimek\\.png[\\s\\S]*</summary>\\s*<figure>\\s*<img class="full" src="${url}\\?inline=1" alt="snimek.png"`));
    expect(res.text).toContain(`<a href="${url}">${cs.ticket.imageDownload('snimek.png')}</a>`);
    // SVG is no image for the page: a download link like any other file
    expect(res.text).not.toContain(`attachments/${files['kresba.svg']}?inline=1`);
    expect(res.text).toMatch(new RegExp(`<a href="/tickets/${n}/attachments/${files['kresba.svg']}">kresba.svg</a> <small>\\(\\d+ B\\)</small>`));
    expect(res.text).toMatch(new RegExp(`<a href="/tickets/${n}/attachments/${files['log.txt']}">log.txt</a> <small>\\(\\d+ B\\)</small>`));
    // the page's policy lets <img> load from our origin
    expect(res.headers['content-security-policy']).toMatch(/img-src 'self'/);
  });

  it('serves an image inline with its type and nosniff when the page asks for it', async () => {
    const res = await alice.agent.get(`/tickets/${n}/attachments/${files['snimek.png']}?inline=1`).buffer(true);
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe('inline; filename=snimek.png');
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(Buffer.compare(res.body as Buffer, PNG)).toBe(0);
    // without ?inline=1 the same image is a download
    const dl = await alice.agent.get(`/tickets/${n}/attachments/${files['snimek.png']}`);
    expect(dl.headers['content-disposition']).toBe('attachment; filename=snimek.png');
  });

  it('never serves SVG or other files inline', async () => {
    const svg = await alice.agent.get(`/tickets/${n}/attachments/${files['kresba.svg']}?inline=1`).buffer(true);
    expect(svg.headers['content-disposition']).toMatch(/^attachment;/);
    expect(svg.headers['content-type']).toBe('application/octet-stream');
    const txt = await alice.agent.get(`/tickets/${n}/attachments/${files['log.txt']}?inline=1`).buffer(true);
    expect(txt.headers['content-disposition']).toMatch(/^attachment;/);
  });

  it('answers another tenant 404 for the inline image, as for a missing one', async () => {
    const foreign = await bob.agent.get(`/tickets/${n}/attachments/${files['snimek.png']}?inline=1`);
    expect(foreign.status).toBe(404);
    expect(foreign.headers['content-disposition']).toBeUndefined();
    const missing = await bob.agent.get(`/tickets/${n}/attachments/999999?inline=1`);
    expect(missing.status).toBe(404);
    expect(visibleText(foreign.text)).toBe(visibleText(missing.text));
  });
});

describe('the overview', () => {
  // bob's contract B only: the tickets of this part
  let numbers: Record<string, number>;
  beforeAll(async () => {
    numbers = {};
    for (const subject of ['Beta', 'Alfa', 'Gama', 'Delta', 'Epsilon']) {
      numbers[subject] = (await createTicket(tdb.ctx, w.users.bob, input(subject, w.contractB, w.paragraphs.B.incident))).number;
    }
    await acceptTicket(tdb.ctx, w.users.agent, numbers.Gama!, {});
    await acceptTicket(tdb.ctx, w.users.agent, numbers.Delta!, {});
    await resolveTicket(tdb.ctx, w.users.agent, numbers.Delta!, { resolution: 'Hotovo' });
    await cancelTicket(tdb.ctx, w.users.agent, numbers.Epsilon!, { reason: 'Duplicita' });
    // Czech alphabetical order in the resolved list: c, č, d, h, ch
    for (const subject of ['Chata', 'Čtvrtek', 'Hrad', 'Cesta']) {
      const n = (await createTicket(tdb.ctx, w.users.bob, input(subject, w.contractB, w.paragraphs.B.incident))).number;
      await acceptTicket(tdb.ctx, w.users.agent, n, {});
      await resolveTicket(tdb.ctx, w.users.agent, n, { resolution: 'Hotovo' });
    }
  });

  const rowsOf = (html: string) => [...html.matchAll(/<a href="\/tickets\/(\d+)">([^<\d][^<]*)<\/a>/g)].map((m) => m[2]);

  it('shows each list’s count on its tab', async () => {
    const text = visibleText((await bob.agent.get('/tickets')).text);
    expect(text).toContain(`${cs.lists.current} (3) ${cs.lists.resolved} (5) ${cs.lists.closed} (1)`);
  });

  it('lists the newest first by default, marking the date column as sorted descending', async () => {
    const html = (await bob.agent.get('/tickets')).text;
    expect(rowsOf(html)).toEqual(['Gama', 'Alfa', 'Beta']);
    expect(html).toMatch(new RegExp(`<th scope="col" aria-sort="descending">\\s*<a href="/tickets\\?list=current&amp;sort=date&amp;dir=asc&amp;page=1">${cs.overview.cols.created}`));
  });

  it('sorts by subject, number and state in both directions, with aria-sort on the sorted header', async () => {
    const page = async (q: string) => (await bob.agent.get(`/tickets?list=current&${q}`)).text;
    let html = await page('sort=subject&dir=asc');
    expect(rowsOf(html)).toEqual(['Alfa', 'Beta', 'Gama']);
    expect(html).toMatch(new RegExp(`<th scope="col" aria-sort="ascending">\\s*<a href="/tickets\\?list=current&amp;sort=subject&amp;dir=desc&amp;page=1">${cs.overview.cols.subject}`));
    expect(html.match(/aria-sort=/g)).toHaveLength(1);
    expect(rowsOf(await page('sort=subject&dir=desc'))).toEqual(['Gama', 'Beta', 'Alfa']);
    expect(rowsOf(await page('sort=number&dir=asc'))).toEqual(['Beta', 'Alfa', 'Gama']);
    expect(rowsOf(await page('sort=number&dir=desc'))).toEqual(['Gama', 'Alfa', 'Beta']);
    // the states in their life order: new before accepted; ties newest first
    expect(rowsOf(await page('sort=state&dir=asc'))).toEqual(['Alfa', 'Beta', 'Gama']);
    expect(rowsOf(await page('sort=state&dir=desc'))).toEqual(['Gama', 'Alfa', 'Beta']);
    expect(rowsOf(await page('sort=date&dir=asc'))).toEqual(['Beta', 'Alfa', 'Gama']);
  });

  it('sorts subjects in Czech alphabetical order (ch after h, č after c)', async () => {
    const html = (await bob.agent.get('/tickets?list=resolved&sort=subject&dir=asc')).text;
    expect(rowsOf(html)).toEqual(['Cesta', 'Čtvrtek', 'Delta', 'Hrad', 'Chata']);
  });

  it('keeps the list and the sort in the tabs’ and the pager’s links, and the list and page in the headers’ links', async () => {
    const html = (await bob.agent.get('/tickets?list=closed&sort=subject&dir=asc&page=1')).text;
    expect(rowsOf(html)).toEqual(['Epsilon']);
    expect(html).toContain('href="/tickets?list=resolved&amp;sort=subject&amp;dir=asc"');
    expect(html).toContain('href="/tickets?list=closed&amp;sort=number&amp;dir=desc&amp;page=1"');
    expect(html).toContain(`${cs.overview.cols.closed}`);
  });

  it('falls back to the default order for unknown sort values, never an error', async () => {
    for (const q of ['sort=assignee', 'sort=subject&dir=sideways', 'sort[]=x&dir[]=y', 'sort=%00']) {
      const res = await bob.agent.get(`/tickets?${q}`);
      expect(res.status).toBe(200);
    }
    expect(rowsOf((await bob.agent.get('/tickets?sort=assignee')).text)).toEqual(['Gama', 'Alfa', 'Beta']);
    // an unknown direction takes the column's natural one (subject: A to Z)
    expect(rowsOf((await bob.agent.get('/tickets?sort=subject&dir=sideways')).text)).toEqual(['Alfa', 'Beta', 'Gama']);
  });
});
