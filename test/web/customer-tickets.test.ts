import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cs } from '../../src/i18n/cs.js';
import { createTicket } from '../../src/services/create-ticket.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, login, type Session, visibleText } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';

let tdb: TestDatabase;
let web: ReturnType<typeof buildApp>;
let w: World;
let alice: Session;

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  web = buildApp(tdb);
  alice = await login(web.app, 'alice');
});
afterAll(async () => {
  await web.close();
  await tdb.drop();
});

function postNewTicket(s: Session, fields: Record<string, string>, files: { name: string; content: Buffer; type?: string }[] = []) {
  const req = s.agent.post('/tickets/new').field('_csrf', s.csrf);
  for (const [k, v] of Object.entries(fields)) req.field(k, v);
  for (const f of files) req.attach('files', f.content, { filename: f.name, contentType: f.type ?? 'text/plain' });
  return req;
}

const valid = () => ({
  contract_id: String(w.contractA),
  paragraph_id: String(w.paragraphs.A.incident),
  contact_phone: '602 123 456',
  subject: 'Nelze uložit fakturu',
  description: 'Při uložení se zobrazí chyba 500.',
});

describe('creating a ticket on the web', () => {
  it('creates the ticket, normalises a Czech phone typed without +420 and opens the new ticket', async () => {
    const res = await postNewTicket(alice, valid());
    expect(res.status).toBe(303);
    const number = Number(/^\/tickets\/(\d+)$/.exec(String(res.headers.location))?.[1]);
    expect(number).toBeGreaterThanOrEqual(98000);
    const row = await tdb.db('tickets').where({ number }).first();
    expect(row).toMatchObject({ contact_phone: '+420602123456', contact_email: 'alice@example.cz', state: 'new', channel: 'web', reporter_id: w.users.alice.id });
    const page = visibleText((await alice.agent.get(String(res.headers.location))).text);
    expect(page).toContain(`[${number}] - Nelze uložit fakturu`);
    expect(page).toContain('Stav: Nový');
    expect(page).toContain('Zákazník: Alfa s.r.o., Brno');
    expect(page).toContain('Smlouva: A-1 Smlouva Alfa');
  });

  it('keeps every typed value and shows each error next to its field', async () => {
    const before = await tdb.db('tickets').count('* as n').first();
    const res = await postNewTicket(alice, { ...valid(), contact_phone: '12', subject: '', description: 'Popis zůstane' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('Popis zůstane</textarea>');
    expect(res.text).toContain('value="12"');
    expect(res.text).toMatch(/name="contact_phone"[^>]*>[\s\S]*?id="err-contact_phone">Zadejte platné telefonní číslo/);
    expect(res.text).toMatch(/id="err-subject">Toto pole je povinné\./);
    expect(res.text).not.toContain('id="err-description"');
    expect(await tdb.db('tickets').count('* as n').first()).toEqual(before);
  });

  it('refuses a paragraph of another contract and a contract the user does not belong to', async () => {
    const wrongParagraph = await postNewTicket(alice, { ...valid(), paragraph_id: String(w.paragraphs.B.incident) });
    expect(wrongParagraph.status).toBe(400);
    expect(wrongParagraph.text).toContain('id="err-paragraph_id"');
    const foreign = await postNewTicket(alice, { ...valid(), contract_id: String(w.contractB), paragraph_id: String(w.paragraphs.B.incident) });
    expect(foreign.status).toBe(400);
    expect(foreign.text).toContain('id="err-contract_id"');
    expect(await tdb.db('tickets').where({ contract_id: w.contractB }).count('* as n').first()).toEqual({ n: 0 });
  });

  it('offers only the user’s own contracts and paragraphs on the form', async () => {
    const form = (await alice.agent.get('/tickets/new')).text;
    expect(form).toContain('A-1 Smlouva Alfa');
    expect(form).toContain('A-2 Smlouva Alfa 2');
    expect(form).not.toContain('B-1');
    expect(form).not.toContain(`value="${w.paragraphs.B.incident}"`);
  });

  it('stores attachments with Czech names, deduplicates content and serves them as downloads', async () => {
    const content = Buffer.from('obsah přílohy – žluťoučký kůň');
    const res = await postNewTicket(alice, valid(), [
      { name: 'snímek obrazovky – chyba.txt', content },
      { name: 'kopie.txt', content },
    ]);
    expect(res.status).toBe(303);
    const number = Number(String(res.headers.location).split('/').pop());
    const files = await tdb.db('attachments').where({ ticket_number: number }).orderBy('id');
    expect(files.map((f) => f.name)).toEqual(['snímek obrazovky – chyba.txt', 'kopie.txt']);
    expect(await tdb.db('attachment_blobs').where({ sha256: files[0].sha256 }).count('* as n').first()).toEqual({ n: 1 });
    expect(files[0].sha256).toBe(files[1].sha256);
    const page = (await alice.agent.get(`/tickets/${number}`)).text;
    expect(visibleText(page)).toContain('snímek obrazovky – chyba.txt');
    const dl = await alice.agent.get(`/tickets/${number}/attachments/${files[0].id}`).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(dl.status).toBe(200);
    expect(Buffer.compare(dl.body as Buffer, content)).toBe(0);
    expect(dl.headers['content-disposition']).toContain('attachment');
    expect(dl.headers['content-disposition']).toContain("filename*=UTF-8''sn%C3%ADmek%20obrazovky%20%E2%80%93%20chyba.txt");
  });

  it('lists the request’s files on Zadání and each message’s files under that message on Komunikace', async () => {
    const res = await postNewTicket(alice, valid(), [{ name: 'zadani.txt', content: Buffer.from('zadání') }]);
    const number = Number(String(res.headers.location).split('/').pop());
    const reply = alice.agent.post(`/tickets/${number}/messages`).field('_csrf', alice.csrf).field('body', 'Posílám log');
    expect((await reply.attach('files', Buffer.from('log'), { filename: 'log-1.txt', contentType: 'text/plain' })).status).toBe(303);
    expect((await alice.agent.post(`/tickets/${number}/messages`).field('_csrf', alice.csrf).field('body', 'Bez přílohy')).status).toBe(303);
    const request = visibleText((await alice.agent.get(`/tickets/${number}`)).text);
    expect(request).toContain('zadani.txt');
    expect(request).not.toContain('log-1.txt');
    const html = (await alice.agent.get(`/tickets/${number}/komunikace`)).text;
    const messages = html.split('<li class="message').slice(1).map(visibleText);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toContain('Posílám log');
    expect(messages[0]).toContain('log-1.txt');
    expect(messages[1]).toContain('Bez přílohy');
    expect(messages[1]).not.toContain('.txt');
    const logId = (await tdb.db('attachments').where({ ticket_number: number, name: 'log-1.txt' }).first('id')).id;
    expect(html).toContain(`href="/tickets/${number}/attachments/${logId}"`);
  });

  it('refuses more files than the limit with a Czech message and keeps the typed text', async () => {
    const small = buildApp({ ...tdb, ctx: { ...tdb.ctx, limits: { ...tdb.ctx.limits, maxBytes: 1000, maxFiles: 2 } } });
    try {
      const s = await login(small.app, 'alice');
      const three = Array.from({ length: 3 }, (_, i) => ({ name: `f${i}.txt`, content: Buffer.from(`x${i}`) }));
      const res = await postNewTicket(s, { ...valid(), subject: 'Příliš mnoho příloh' }, three);
      expect(res.status).toBe(400);
      expect(visibleText(res.text)).toContain(cs.errors.tooManyFiles(2));
      expect(res.text).toContain('value="Příliš mnoho příloh"');
      const big = await postNewTicket(s, valid(), [{ name: 'velky.bin', content: Buffer.alloc(2000) }]);
      expect(big.status).toBe(400);
      expect(visibleText(big.text)).toContain('Příloha je příliš velká');
      expect(await tdb.db('tickets').where({ subject: 'Příliš mnoho příloh' }).count('* as n').first()).toEqual({ n: 0 });
    } finally {
      await small.close();
    }
  });
});

describe('overview lists and search', () => {
  let numbers: Record<string, number>;
  beforeAll(async () => {
    const mk = (subject: string) =>
      createTicket(tdb.ctx, w.users.alice, { contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, contact_phone: '602123456', subject, description: 'x' }).then((t) => t.number);
    numbers = { open: await mk('Otevřený požadavek'), done: await mk('Vyřešený požadavek'), closed: await mk('Uzavřený požadavek') };
    await tdb.db('tickets').where({ number: numbers.done }).update({ state: 'resolved', resolved_at: new Date('2026-10-15T14:15:00Z') });
    await tdb.db('tickets').where({ number: numbers.closed }).update({ state: 'closed', resolved_at: new Date(), closed_at: new Date() });
  });

  it('puts each ticket in exactly one of the three lists with the manual’s columns', async () => {
    // the column headers are sorting links since issue 12: their hidden "(seřadit …)" and the arrow are left out here
    const page = async (url: string) => visibleText((await alice.agent.get(url)).text).replace(/ (\(seřadit (vzestupně|sestupně)\)|[▲▼])/g, '');
    const current = await page('/tickets');
    const resolved = await page('/tickets?list=resolved');
    const closed = await page('/tickets?list=closed');
    expect(current).toContain('Číslo Vytvořeno Předmět Stav Řeší');
    expect(current).toContain('Otevřený požadavek');
    expect(current).not.toContain('Vyřešený požadavek');
    expect(resolved).toContain('Číslo Vyřešeno Předmět Stav Řeší');
    expect(resolved).toContain(`${numbers.done} 15.10.2026 16:15 Vyřešený požadavek Vyřešeno`);
    expect(resolved).not.toContain('Otevřený požadavek');
    expect(closed).toContain('Číslo Uzavřeno Předmět Stav Řeší');
    expect(closed).toContain('Uzavřený požadavek Uzavřeno');
  });

  it('jumps to a visible ticket found by number', async () => {
    const res = await alice.agent.get(`/tickets/search?q=${numbers.open}`);
    expect(res.status).toBe(302);
    expect(String(res.headers.location)).toBe(`/tickets/${numbers.open}`);
  });

  it('says "not found" for a number that does not exist or belongs to someone else, the same way', async () => {
    const bobs = (await createTicket(tdb.ctx, w.users.bob, { contract_id: w.contractB, paragraph_id: w.paragraphs.B.incident, contact_phone: '602123456', subject: 'Tajné Beta', description: 'x' })).number;
    const foreign = await alice.agent.get(`/tickets/search?q=${bobs}`);
    const missing = await alice.agent.get('/tickets/search?q=1');
    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(visibleText(foreign.text)).toContain(cs.overview.notFound(String(bobs)));
    expect(visibleText(missing.text)).toContain(cs.overview.notFound('1'));
    expect(foreign.text).not.toContain('Tajné Beta');
  });

  it('paginates by 50, newest first', async () => {
    const tdb2 = await freshDatabase();
    const w2 = await seedWorld(tdb2.db);
    const app2 = buildApp(tdb2);
    try {
      await tdb2.db.raw(
        `insert into tickets (contract_id, paragraph_id, reporter_id, subject, description, state, channel, created_at)
         select ?, ?, ?, 'Požadavek ' || i, 'x', 'new', 'web', now() - make_interval(mins => 120 - i) from generate_series(1, 120) i`,
        [w2.contractA, w2.paragraphs.A.incident, w2.users.carol.id],
      );
      const s = await login(app2.app, 'carol');
      const p1 = visibleText((await s.agent.get('/tickets')).text);
      expect(p1).toContain('Strana 1 z 3');
      expect((p1.match(/Požadavek \d+/g) ?? []).slice(0, 2)).toEqual(['Požadavek 120', 'Požadavek 119']);
      expect(p1.match(/Požadavek \d+/g)).toHaveLength(50);
      const p3 = visibleText((await s.agent.get('/tickets?list=current&page=3')).text);
      expect(p3.match(/Požadavek \d+/g)).toHaveLength(20);
      expect(p3).toContain('Požadavek 1 ');
    } finally {
      await app2.close();
      await tdb2.drop();
    }
  });
});

describe('who sees what inside one company', () => {
  it('shows a customer with own-only access just their tickets, and one with full access every ticket of the contract', async () => {
    const carols = (await createTicket(tdb.ctx, w.users.carol, { contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, contact_phone: '602123456', subject: 'Carolin požadavek', description: 'x' })).number;
    const alices = (await createTicket(tdb.ctx, w.users.alice, { contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, contact_phone: '602123456', subject: 'Alicin požadavek', description: 'x' })).number;
    const carol = await login(web.app, 'carol');
    const carolList = visibleText((await carol.agent.get('/tickets')).text);
    expect(carolList).toContain('Carolin požadavek');
    expect(carolList).not.toContain('Alicin požadavek');
    expect((await carol.agent.get(`/tickets/${alices}`)).status).toBe(404);
    expect((await alice.agent.get(`/tickets/${carols}`)).status).toBe(200);
  });
});

describe('escaping user text', () => {
  it('renders a script in a subject, description and message as text', async () => {
    const xss = '<script>alert(1)</script>';
    const number = (await createTicket(tdb.ctx, w.users.alice, { contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, contact_phone: '602123456', subject: xss, description: `<img src=x onerror=alert(2)>` })).number;
    const res = await alice.agent.post(`/tickets/${number}/messages`).field('_csrf', alice.csrf).field('body', '<b onclick="x()">tučně</b>');
    expect(res.status).toBe(303);
    const pages = [
      (await alice.agent.get('/tickets')).text,
      (await alice.agent.get(`/tickets/${number}`)).text,
      (await alice.agent.get(`/tickets/${number}/komunikace`)).text,
    ];
    for (const html of pages) {
      expect(html).not.toContain('<script>alert(1)</script>');
      expect(html).not.toContain('<img src=x');
      expect(html).not.toContain('<b onclick');
    }
    expect(pages[0]).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(pages[1]).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(pages[2]).toContain('&lt;b onclick=&#34;x()&#34;&gt;tučně&lt;/b&gt;');
  });
});
