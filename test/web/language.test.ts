import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { cs } from '../../src/i18n/cs.js';
import { en } from '../../src/i18n/en.js';
import { createTicket } from '../../src/services/create-ticket.js';
import { requestPasswordReset } from '../../src/services/password-links.js';
import { acceptTicket, pauseTicket } from '../../src/services/transitions.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, csrfFrom, login, visibleText } from '../support/web.js';
import { seedWorld, type World } from '../support/world.js';

let tdb: TestDatabase;
let w: World;
let web: ReturnType<typeof buildApp>;
let app: ReturnType<typeof buildApp>['app'];

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  web = buildApp(tdb);
  app = web.app;
});
afterAll(async () => {
  await web.close();
  await tdb.drop();
});

const setLanguage = (id: number, language: string | null) => tdb.db('users').where({ id }).update({ language });
const htmlLang = (html: string) => /<html lang="([^"]*)"/.exec(html)?.[1];
const open = (actor: World['users']['alice'], subject: string) =>
  createTicket(tdb.ctx, actor, { contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, contact_phone: '602123456', subject, description: 'x' }).then((t) => t.number);
// the customer's mail (staff get their own notices, purpose staff_…)
const outbox = (n: number) => tdb.db('outbound_mail').where({ ticket_number: n }).whereNot('purpose', 'like', 'staff\\_%').orderBy('id');

describe('the language of a signed-out visitor', () => {
  it('is English for Accept-Language: en-GB on the login page', async () => {
    const res = await request(app).get('/login').set('Accept-Language', 'en-GB,en;q=0.9');
    expect(res.status).toBe(200);
    expect(htmlLang(res.text)).toBe('en');
    expect(visibleText(res.text)).toContain(en.login.title);
    expect(visibleText(res.text)).toContain(en.login.submit);
  });

  it('is Czech without the header and for a language the portal does not speak', async () => {
    for (const header of [undefined, 'de-DE,de;q=0.9', 'cs-CZ,en;q=0.5']) {
      const req = request(app).get('/login');
      const res = await (header ? req.set('Accept-Language', header) : req);
      expect(htmlLang(res.text)).toBe('cs');
      expect(visibleText(res.text)).toContain(cs.login.title);
    }
  });
});

describe('a signed-in user’s language', () => {
  it('shows a user whose language is en the overview in English, whatever the browser says', async () => {
    await setLanguage(w.users.carol.id, 'en');
    try {
      const { agent } = await login(app, 'carol');
      const res = await agent.get('/tickets').set('Accept-Language', 'cs');
      expect(res.status).toBe(200);
      expect(htmlLang(res.text)).toBe('en');
      expect(res.text).toContain(`<h1>${en.overview.title}</h1>`);
      expect(res.text).not.toContain(cs.overview.title);
    } finally {
      await setLanguage(w.users.carol.id, null);
    }
  });

  it('shows an English user their ticket with the SLA block’s words in English', async () => {
    const n = await open(w.users.carol, 'SLA words');
    await setLanguage(w.users.carol.id, 'en');
    try {
      const { agent } = await login(app, 'carol');
      const text = visibleText((await agent.get(`/tickets/${n}`)).text);
      expect(text).toContain(en.ticket.tabs.conversation);
      expect(text).toContain(en.sla.plain.running);
      expect(text).toContain(en.sla.plain.target(4, 'h'));
      expect(text).not.toContain(cs.sla.plain.running);
    } finally {
      await setLanguage(w.users.carol.id, null);
    }
  });

  it('follows Accept-Language while the user has not chosen, and Czech without it', async () => {
    const { agent } = await login(app, 'carol');
    expect(htmlLang((await agent.get('/tickets').set('Accept-Language', 'en-US')).text)).toBe('en');
    const czech = await agent.get('/tickets');
    expect(htmlLang(czech.text)).toBe('cs');
    expect(czech.text).toContain(`<h1>${cs.overview.title}</h1>`);
  });

  it('is chosen on /account/language: saved on the user, the next pages in it, refused values answered at the field', async () => {
    const { agent, csrf } = await login(app, 'bob');
    const page = await agent.get('/account/language');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<option value="" selected>');
    const saved = await agent.post('/account/language').type('form').send({ _csrf: csrf, language: 'en' });
    expect(saved.status).toBe(200);
    expect(htmlLang(saved.text)).toBe('en');
    expect(saved.text).toContain(en.language.saved);
    expect((await tdb.db('users').where({ id: w.users.bob.id }).first('language')).language).toBe('en');
    const overview = await agent.get('/tickets');
    expect(overview.text).toContain(`<h1>${en.overview.title}</h1>`);
    expect((await agent.get('/account/language')).text).toContain('<option value="en" lang="en" selected>');

    const refused = await agent.post('/account/language').type('form').send({ _csrf: csrfFrom(overview.text), language: 'de' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain(`id="err-language">${en.errors.choice}<`);
    expect((await tdb.db('users').where({ id: w.users.bob.id }).first('language')).language).toBe('en');

    const back = await agent.post('/account/language').type('form').send({ _csrf: csrfFrom(overview.text), language: '' });
    expect(back.status).toBe(200);
    expect(htmlLang(back.text)).toBe('cs');
    expect((await tdb.db('users').where({ id: w.users.bob.id }).first('language')).language).toBeNull();
  });

  it('shows a choice made on one device on the user’s other sessions at their next page', async () => {
    const phone = await login(app, 'carol');
    const laptop = await login(app, 'carol');
    try {
      expect((await phone.agent.post('/account/language').type('form').send({ _csrf: phone.csrf, language: 'en' })).status).toBe(200);
      expect(htmlLang((await laptop.agent.get('/tickets')).text)).toBe('en');
    } finally {
      await setLanguage(w.users.carol.id, null);
    }
    expect(htmlLang((await laptop.agent.get('/tickets')).text)).toBe('cs');
  });

  it('shows a use case’s refusal in English on an English page', async () => {
    await setLanguage(w.users.carol.id, 'en');
    try {
      const { agent, csrf } = await login(app, 'carol');
      const res = await agent
        .post('/tickets/new')
        .field('_csrf', csrf)
        .field('contract_id', String(w.contractA))
        .field('paragraph_id', String(w.paragraphs.A.incident))
        .field('contact_phone', '602123456')
        .field('subject', '')
        .field('description', 'x');
      expect(res.status).toBe(400);
      expect(visibleText(res.text)).toContain(en.errors.required);
      expect(visibleText(res.text)).not.toContain(cs.errors.required);
    } finally {
      await setLanguage(w.users.carol.id, null);
    }
  });
});

describe('a route’s Czech messages on an English page', () => {
  it('shows the missing page’s message, a search’s refusal and the flash after an action in English', async () => {
    await setLanguage(w.users.carol.id, 'en');
    try {
      const { agent, csrf } = await login(app, 'carol');
      const missing = await agent.get('/tickets/999999');
      expect(missing.status).toBe(404);
      expect(visibleText(missing.text)).toContain(en.errors.notFound);
      const search = await agent.get('/tickets/search?q=abc');
      expect(visibleText(search.text)).toContain(en.overview.badNumber);
      const n = await open(w.users.carol, 'Flash');
      const sent = await agent.post(`/tickets/${n}/messages`).field('_csrf', csrf).field('body', 'Hello');
      expect(sent.status).toBe(303);
      const page = await agent.get(sent.headers.location!);
      expect(visibleText(page.text)).toContain(en.flash.messageSent);
    } finally {
      await setLanguage(w.users.carol.id, null);
    }
  });
});

describe('the monthly report of an English user', () => {
  it('names the month and the page in English', async () => {
    await setLanguage(w.users.alice.id, 'en');
    try {
      const { agent } = await login(app, 'alice');
      const res = await agent.get(`/reports/contracts/${w.contractA}?month=2026-10`);
      expect(res.status).toBe(200);
      const text = visibleText(res.text);
      expect(text).toContain('October 2026');
      expect(text).toContain(en.report.sections.tickets);
      expect(text).not.toContain('říjen 2026');
    } finally {
      await setLanguage(w.users.alice.id, null);
    }
  });
});

describe('notifications in the recipient’s language', () => {
  it('writes an English receipt and status mails to a reporter whose language is en, Czech to one who has not chosen', async () => {
    await setLanguage(w.users.carol.id, 'en');
    try {
      const n = await open(w.users.carol, 'Printer');
      await acceptTicket(tdb.ctx, w.users.agent, n, {});
      await pauseTicket(tdb.ctx, w.users.agent, n, { cooperation: 'Send the log.' });
      const mails = await outbox(n);
      expect(mails.map((m) => m.subject)).toEqual([
        `[${n}] - ${en.mail.createdSubject('Printer')}`,
        `[${n}] - Printer – ${en.states.accepted}`,
        `[${n}] - Printer – ${en.states.paused}`,
      ]);
      expect(mails[0].text_body).toContain(`under number ${n}.`);
      expect(mails[0].text_body).toContain(en.mail.footer);
      expect(mails[0].html_body).toContain('<html lang="en">');
      expect(mails[2].text_body).toContain(`${en.states.accepted} → ${en.states.paused}`);
      expect(mails[2].text_body).toContain('What we need from you:\nSend the log.');
    } finally {
      await setLanguage(w.users.carol.id, null);
    }
    const czech = await outbox(await open(w.users.carol, 'Tiskárna'));
    expect(czech[0].subject).toContain(cs.mail.createdSubject('Tiskárna'));
    expect(czech[0].html_body).toContain('<html lang="cs">');
  });

  it('sends the password reset link in the user’s language', async () => {
    await setLanguage(w.users.carol.id, 'en');
    try {
      const { queued } = await requestPasswordReset(tdb.ctx, 'carol', '10.9.8.7');
      expect(queued).toHaveLength(1);
      expect(queued[0]!.subject).toBe(en.passwordLinks.resetSubject);
      expect(queued[0]!.text).toContain(en.passwordLinks.footer);
    } finally {
      await setLanguage(w.users.carol.id, null);
    }
  });
});
