import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMessage } from '../../src/services/conversation.js';
import { createTicket } from '../../src/services/create-ticket.js';
import { acceptTicket, fileComplaint, pauseTicket, rejectComplaint, resolveTicket } from '../../src/services/transitions.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { buildApp, login, visibleText } from '../support/web.js';
import { silenceStaffNotifications } from '../support/staff-mail.js';
import { seedWorld, type World } from '../support/world.js';

let tdb: TestDatabase;
let w: World;

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  // these tests count the customers' mail and the outbox's; staff mail: staff-notifications.test.ts
  await silenceStaffNotifications(tdb.db);
});
afterAll(async () => {
  await tdb.drop();
});

const open = (subject = 'Nefunkční aplikace', contact_email?: string) =>
  createTicket(tdb.ctx, w.users.alice, { contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, contact_phone: '602123456', subject, description: 'x', ...(contact_email ? { contact_email } : {}) }).then((t) => t.number);
const outbox = (n: number) => tdb.db('outbound_mail').where({ ticket_number: n }).orderBy('id');

describe('notifications written to the outbox with the change', () => {
  it('confirms a new ticket with its number, from our Message-ID domain, to the reporter and the contact e-mail once each', async () => {
    const n = await open('Tisk faktur', 'kontakt@alfa.cz');
    const mails = await outbox(n);
    expect(mails.map((m) => m.to_address).sort()).toEqual(['alice@example.cz', 'kontakt@alfa.cz']);
    expect(mails[0]).toMatchObject({ purpose: 'created', subject: `[${n}] - Založen nový požadavek: Tisk faktur`, status: 'pending' });
    expect(mails[0].message_id).toMatch(new RegExp(`^<hd-notif\\.${n}\\.[a-z0-9.]+@helpdesk\\.seyfor\\.com>$`));
    expect(mails[0].text_body).toContain(`pod číslem ${n}`);
    expect(mails[0].text_body).toContain(`http://localhost:3000/tickets/${n}`);
    expect(mails[0].html_body).toContain(`<a href="http://localhost:3000/tickets/${n}">`);
  });

  it('tells the reporter about every state change, the cooperation request and the resolution, threaded on the previous mail', async () => {
    const n = await open();
    await acceptTicket(tdb.ctx, w.users.agent, n, {});
    await pauseTicket(tdb.ctx, w.users.agent, n, { cooperation: 'Pošlete log.' });
    const mails = await outbox(n);
    expect(mails.map((m) => m.purpose)).toEqual(['created', 'state_changed', 'state_changed']);
    expect(mails[1].subject).toBe(`[${n}] - Nefunkční aplikace – Přijato`);
    expect(mails[2].text_body).toContain('Přijato → Pozastaveno');
    expect(mails[2].text_body).toContain('Požadovaná součinnost:\nPošlete log.');
    expect(mails[1].in_reply_to).toBe(mails[0].message_id);
    expect(mails[2].in_reply_to).toBe(mails[1].message_id);
    expect(mails[2].references).toEqual([mails[0].message_id, mails[1].message_id]);
  });

  it('sends staff messages but never internal notes or the customer’s own messages', async () => {
    const n = await open();
    await addMessage(tdb.ctx, w.users.agent, n, { body: 'Díváme se na to.' });
    await addMessage(tdb.ctx, w.users.agent, n, { body: 'interní', internal: true });
    await addMessage(tdb.ctx, w.users.alice, n, { body: 'Děkuji.' });
    const mails = await outbox(n);
    expect(mails.map((m) => m.purpose)).toEqual(['created', 'staff_message']);
    expect(mails[1].text_body).toContain('Dana Pokorná Vám napsal(a) do požadavku:\nDíváme se na to.');
  });

  it('reports a complaint decision as such, with the reason', async () => {
    const n = await open();
    await acceptTicket(tdb.ctx, w.users.agent, n, {});
    await resolveTicket(tdb.ctx, w.users.agent, n, { resolution: 'Hotovo.' });
    await fileComplaint(tdb.ctx, w.users.alice, n, { reason: 'Nefunguje.' });
    await rejectComplaint(tdb.ctx, w.users.agent, n, { reason: 'Funguje podle smlouvy.' });
    const last = (await outbox(n)).at(-1);
    expect(last).toMatchObject({ purpose: 'complaint_decided', subject: `[${n}] - Nefunkční aplikace – reklamace zamítnuta` });
    expect(last.text_body).toContain('Důvod:\nFunguje podle smlouvy.');
  });

  it('respects the user’s choice in the settings page', async () => {
    const web = buildApp(tdb);
    try {
      const s = await login(web.app, 'carol');
      const page = await s.agent.get('/account/notifications');
      expect(visibleText(page.text)).toContain('změna stavu požadavku');
      const saved = await s.agent.post('/account/notifications').type('form').send({ _csrf: s.csrf, created: 'on', staff_message: 'on', complaint_decided: 'on' });
      expect(visibleText(saved.text)).toContain('Nastavení bylo uloženo.');
      expect(saved.text).not.toMatch(/name="state_changed" value="on" checked/);
      const n = (await createTicket(tdb.ctx, w.users.carol, { contract_id: w.contractA, paragraph_id: w.paragraphs.A.incident, contact_phone: '602123456', subject: 'Bez změn stavu', description: 'x' })).number;
      await acceptTicket(tdb.ctx, w.users.agent, n, {});
      expect((await outbox(n)).map((m) => m.purpose)).toEqual(['created']);
    } finally {
      await web.close();
    }
  });
});
