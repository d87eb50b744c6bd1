import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { MailParseError, parseMail } from '../../../src/domain/mail/index.js';
import { unpackTnef } from '../../../src/domain/mail/tnef.js';
import { FIXTURES, NOTIFICATION_98570, fixtureNames, parsed, raw } from './helpers.js';

type Att = [name: string, type: string, size: number, inline: boolean];

interface Expected {
  subject: string;
  from: string | null;
  fromCount?: number;
  messageId: string | null;
  date: string | null;
  /** snippets the text must contain */
  text: string[];
  /** snippets the text must not contain */
  notText?: string[];
  html?: boolean;
  inReplyTo?: string | null;
  attachments?: Att[];
  skipped?: [name: string, reason: string][];
}

const PNG = 70;
const PDF = 48;

/** every corpus file with what parseMail must make of it */
const CORPUS: Record<string, Expected> = {
  'new-request-plain.eml': {
    subject: 'Nefunkční aplikace Docházka', from: 'jan.novak@firma.cz', messageId: 'a1b2c3d4-0001@mail.firma.cz', date: '2026-03-16T07:14:55.000Z',
    text: ['od rána nám nefunguje aplikace Docházka – po přihlášení se zobrazí chyba 500.', 'tel. +420 602 123 456'], html: false, attachments: [],
  },
  'gmail-cs-reply-with-quote.eml': {
    subject: 'Re: [98570] - Založen nový ticket: Nefunkční aplikace', from: 'martin.dvorak@gmail.com', messageId: 'CAH+9kZ3p=Vx7Lw5F0q8TnQy1u@mail.gmail.com',
    date: '2026-03-16T09:02:00.000Z', inReplyTo: NOTIFICATION_98570,
    text: ['chyba se objevuje pořád, posílám ještě číslo objednávky 4455.', 'odesílatel Helpdesk Seyfor', '> Váš požadavek byl přijat pod číslem 98570.'], html: true, attachments: [],
  },
  'gmail-en-reply.eml': {
    subject: 'Re: [#98570] Application error after update', from: 'martin.dvorak@gmail.com', messageId: 'CAH+9kZ0r5tQ2wYbN4mV1xK@mail.gmail.com',
    date: '2026-03-16T10:20:31.000Z', inReplyTo: NOTIFICATION_98570,
    text: ['chyba přetrvává i po aktualizaci', 'On Mon, Mar 16, 2026 at 9:12 AM Helpdesk Seyfor <helpdesk.tech@seyfor.com> wrote:'], html: true,
    attachments: [['chyba.png', 'image/png', PNG, false]],
  },
  'outlook-cs-html-only.eml': {
    subject: 'Odp: Ticket 98570 – Nefunkční tisk', from: 'eva.kralova@strojirny-brno.cz',
    messageId: 'VI1PR08MB5325A1B2C3D4E5F6A7B8C9D0E1F2A@VI1PR08MB5325.eurprd08.prod.outlook.com', date: '2026-03-16T11:39:58.000Z', inReplyTo: NOTIFICATION_98570,
    text: ['tiskárna ve 2. patře pořád hlásí „Chyba 0x61011bed“.', 'seznam tiskáren [https://portal.strojirny-brno.cz/tiskarny]', 'Odesláno: pondělí 16. března 2026 9:12'],
    notText: ['Strojírny Brno]', 'logo.png', 'MsoNormal', 'font-family', '\n\n\n'], html: true, attachments: [],
  },
  'outlook-en-reply.eml': {
    subject: 'RE: #98570 Nefunkční tisk', from: 'eva.kralova@strojirny-brno.cz',
    messageId: 'AM9PR08MB6275B2C3D4E5F6A7B8C9D0E1F2A3B@AM9PR08MB6275.eurprd08.prod.outlook.com', date: '2026-03-16T12:05:07.000Z', inReplyTo: NOTIFICATION_98570,
    text: ['tiskárna stále netiskne, restart nepomohl.', 'Sent: Monday, March 16, 2026 9:12 AM'], notText: ['\r'], html: true, attachments: [],
  },
  'outlook-cs-original-message.eml': {
    subject: 'RE: [98570] Faktura za březen', from: 'eva.kralova@strojirny-brno.cz', messageId: '000001dab5c1$2f3e4d50$8dbae7f0$@strojirny-brno.cz',
    date: '2026-03-17T07:30:41.000Z', inReplyTo: 'ticket-98570.1773648720.cd34@helpdesk.seyfor.com',
    text: ['Prosíme jen o opravu IČO v hlavičce.', '-----Původní zpráva-----'], html: false, attachments: [],
  },
  'seznam-reply.eml': {
    subject: 'Re: [98570] Nefunkční aplikace', from: 'petra.svobodova@seznam.cz', messageId: '5Bf.Zm3q.4TkNbLp7q1X.1bXyZ2@seznam.cz',
    date: '2026-03-16T13:11:05.000Z', inReplyTo: NOTIFICATION_98570,
    text: ['ano, po restartu to funguje. Ticket můžete uzavřít.', '---------- Původní e-mail ----------'], html: false, attachments: [],
  },
  'thunderbird-reply.eml': {
    subject: 'Re: Požadavek č. 98570 - pomalé VPN', from: 'tomas.prochazka@example.cz', messageId: '8f2c1a7e-3b4d-4e5f-9a6b-7c8d9e0f1a2b@example.cz',
    date: '2026-03-16T14:47:26.000Z', inReplyTo: NOTIFICATION_98570,
    // format=flowed: the three soft-broken lines are one paragraph
    text: ['Toto je dlouhý řádek, který Thunderbird zalomil pomocí format=flowed a při čtení se má spojit do jednoho odstavce.', 'Dne 16. 03. 26 v 9:12 Helpdesk Seyfor napsal(a):'],
    html: true, attachments: [],
  },
  'windows-1250-body.eml': {
    subject: 'Reset hesla uživatele ŘEHOŘ', from: 'ucetni@stavby-ostrava.cz', messageId: '20260317065514.1A2B3C@stavby-ostrava.cz', date: '2026-03-17T06:55:14.000Z',
    text: ['Příliš žluťoučký kůň úpěl ďábelské ódy.', 'Účetní oddělení'], html: false, attachments: [],
  },
  'cp1250-charset-label.eml': {
    subject: 'Nejde tisk štítků', from: 'sklad@velkoobchod-zlin.cz', messageId: '0102018e4a5b6c7d-sklad@velkoobchod-zlin.cz', date: '2026-03-17T08:00:55.000Z',
    text: ['nejde tisk štítků na skladové tiskárně Zebra, hlásí „chybí médium“.'], attachments: [],
  },
  'iso-8859-2-subject-rfc2047.eml': {
    subject: 'Špatně zobrazená čeština v modulu Spisová služba', from: 'podatelna@obec-lhota.cz', messageId: '53F1A2B4.7060405@obec-lhota.cz',
    date: '2026-03-17T09:14:48.000Z', text: ['se špatně zobrazuje čeština (ěščřžýáíé)'], attachments: [],
  },
  'multi-charset-encoded-words.eml': {
    subject: 'Žádost o přístup do systému Helios', from: 'it@pekarny-jih.cz', messageId: 'e4d3c2b1a0@pekarny-jih.cz', date: '2026-03-17T09:59:51.000Z',
    text: ['pro novou kolegyni Janu Malou'], attachments: [],
  },
  'encoded-word-ticket-tag.eml': {
    subject: '[98570] Nefunkční aplikace', from: 'jan.novak@firma.cz', messageId: 'a1b2c3d4-0002@mail.firma.cz', date: '2026-03-17T10:59:40.000Z',
    text: ['Doplňuji: chyba nastává jen v Chrome.'], attachments: [],
  },
  'raw-8bit-utf8-subject.eml': {
    subject: 'Přístup do VPN nefunguje – naléhavé', from: 'petra.svobodova@seznam.cz', messageId: 'raw8bit.0001@seznam.cz', date: '2026-03-18T10:59:00.000Z',
    text: ['od včerejška se nepřipojím k VPN'], attachments: [],
  },
  'unknown-charset-8bit.eml': {
    subject: 'Dotaz k licenci', from: 'info@stara-firma.cz', messageId: 'x8bit.0001@stara-firma.cz', date: '2026-03-19T07:59:00.000Z',
    text: ['Dobr\uFFFD den,', 'kolik stoji licence?'], attachments: [],
  },
  'rfc2231-filename.eml': {
    subject: 'Podklady ke smlouvě', from: 'obchod@firma.cz', messageId: 'rfc2231.7e8f9a@firma.cz', date: '2026-03-17T11:59:30.000Z',
    text: ['v příloze posílám nabídku'], attachments: [['Nabídka servisní smlouvy 2026.pdf', 'application/pdf', PDF, false]],
  },
  'rfc2047-filename.eml': {
    subject: 'Výkaz práce', from: 'eva.kralova@strojirny-brno.cz', messageId: '000201dab5c2$aa11bb22$cc33dd44$@strojirny-brno.cz', date: '2026-03-17T12:59:10.000Z',
    text: ['posílám výkaz práce za březen'],
    attachments: [['Výkaz práce březen.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 24, false]],
  },
  'nameless-attachment.eml': {
    subject: 'Přílohy bez názvu', from: 'jan.novak@firma.cz', messageId: 'a1b2c3d4-0006@mail.firma.cz', date: null,
    text: ['telefon poslal přílohy bez názvů'],
    attachments: [['priloha-1.png', 'image/png', PNG, false], ['priloha-2.pdf', 'application/pdf', PDF, false], ['priloha-3.ics', 'text/calendar', 116, false]],
  },
  'unsafe-filenames.eml': {
    subject: 'Soubory s divnými názvy', from: 'jan.novak@firma.cz', messageId: 'a1b2c3d4-0007@mail.firma.cz', date: '2026-03-19T09:59:00.000Z',
    text: ['v příloze dva soubory'], attachments: [['passwd', 'text/plain', 10, false], ['zpráva z údržby.txt', 'text/plain', 28, false]],
  },
  'inline-image-cid.eml': {
    subject: 'Chyba při uložení objednávky', from: 'jan.novak@firma.cz', messageId: 'inline-cid.0001@mail.firma.cz', date: '2026-03-17T13:59:00.000Z',
    text: ['posílám snímek chyby:'], html: true,
    attachments: [['image001.png', 'image/png', PNG, true], ['objednavka-4455.pdf', 'application/pdf', PDF, false]],
  },
  'winmail-dat-tnef.eml': {
    subject: 'Výkaz a snímek', from: 'eva.kralova@strojirny-brno.cz', messageId: '000a01dab6a1$1b2c3d40$51866bc0$@strojirny-brno.cz', date: '2026-03-18T06:59:40.000Z',
    text: ['v příloze výkaz a snímek obrazovky.'], attachments: [['výkaz práce.txt', 'text/plain', 53, false], ['snimek.png', 'image/png', PNG, false]],
  },
  'winmail-dat-invalid.eml': {
    subject: 'Výkaz a snímek', from: 'eva.kralova@strojirny-brno.cz', messageId: '000b01dab6a1$2c3d4e50$62977cd0$@strojirny-brno.cz', date: '2026-03-18T06:59:40.000Z',
    text: ['v příloze výkaz a snímek obrazovky.'], attachments: [['winmail.dat', 'application/ms-tnef', 279, false]],
  },
  'zero-byte-attachment.eml': {
    subject: 'Export z účetnictví', from: 'jan.novak@firma.cz', messageId: 'a1b2c3d4-0004@mail.firma.cz', date: '2026-03-18T14:59:00.000Z',
    text: ['export vyšel prázdný'], attachments: [['popis.txt', 'text/plain', 53, false]], skipped: [['export.csv', 'empty']],
  },
  'rfc822-attached.eml': {
    subject: 'FW: Faktura za březen', from: 'jan.novak@firma.cz', messageId: '000c01dab6ff$1a2b3c4d$4e5f6a7b$@firma.cz', date: '2026-03-18T15:59:00.000Z',
    text: ['přeposílám e-mail od kolegy jako přílohu'], notText: ['ve faktuře je špatně IČO'], attachments: [['Faktura za březen.eml', 'message/rfc822', 411, false]],
  },
  'rfc822-inline-forward.eml': {
    subject: 'Fwd: Faktura za březen', from: 'tomas.prochazka@example.cz', messageId: 'fwd-inline.0001@example.cz', date: '2026-03-18T16:29:40.000Z',
    text: ['Přeposílám, viz vložená zpráva.', 'Honzo, ve faktuře je špatně IČO, můžeš to předat podpoře?'], attachments: [['priloha-1.eml', 'message/rfc822', 400, false]],
  },
  'forwarded-request.eml': {
    subject: 'Fwd: Objednávka servisu tiskárny', from: 'jan.novak@firma.cz', messageId: 'CAKx7fwd0001@mail.firma.cz', date: '2026-03-18T11:59:30.000Z',
    text: ['Prosím o vyřízení, viz níže.', '---------- Přeposlaná zpráva ---------', 'tiskárna HP v zasedačce tiskne prázdné stránky'], attachments: [],
  },
  'malformed-missing-boundary.eml': {
    subject: 'Log z aplikace (useknutý)', from: 'jan.novak@firma.cz', messageId: 'malformed.0001@mail.firma.cz', date: '2026-03-18T09:59:00.000Z',
    text: ['příloha se asi nenahrála celá'], attachments: [['aplikace.log', 'text/plain', 66, false]],
  },
  'no-message-id.eml': {
    subject: 'Scan from KM-C3351 2026-03-18', from: 'skener@firma.cz', messageId: null, date: '2026-03-18T09:00:00.000Z',
    text: ['Naskenovaný dokument: reklamační protokol.'], attachments: [['SKM_C3351_20260318100000.pdf', 'application/pdf', PDF, false]],
  },
  'multiple-from-addresses.eml': {
    subject: 'Společný požadavek – sdílená složka', from: null, fromCount: 2, messageId: 'a1b2c3d4-0005@mail.firma.cz', date: '2026-03-19T06:59:00.000Z',
    text: ['prosíme o sdílenou složku pro projekt Lhota'], attachments: [],
  },
  'out-of-office-auto-submitted.eml': {
    subject: 'Automatická odpověď: [98570] - Založen nový ticket: Nefunkční tisk', from: 'eva.kralova@strojirny-brno.cz',
    messageId: '0b7f1c2d-ooo1@AM9PR08MB6275.eurprd08.prod.outlook.com', date: '2026-03-16T08:12:18.000Z', inReplyTo: NOTIFICATION_98570,
    text: ['jsem mimo kancelář bez přístupu k e-mailu'], attachments: [],
  },
  'x-autoreply.eml': {
    subject: 'Nepřítomnost: [98570] Nefunkční aplikace', from: 'petra.svobodova@seznam.cz', messageId: 'autoreply.5Bf.Zm3q.9QpR@seznam.cz', date: '2026-03-16T08:12:38.000Z',
    text: ['jsem na dovolené do 23. 3.'], attachments: [],
  },
  'precedence-bulk.eml': {
    subject: 'Jarní slevy na tonery – až 30 %', from: 'novinky@dodavatel-it.cz', messageId: 'nl-2026-03.42.helpdesk.tech@newsletter.dodavatel-it.cz', date: '2026-03-17T05:00:00.000Z',
    // HTML only: headings keep their case, links are kept, the tracking pixel is skipped
    text: ['Jarní slevy\n\nTonery a válce až o 30 % levněji. Prohlédnout akci [https://dodavatel-it.cz/akce]'], notText: ['JARNÍ', 'pixel.gif'], html: true, attachments: [],
  },
  'list-id-newsletter.eml': {
    subject: '[helios-users] Aktualizace 2026.1 – zkušenosti?', from: 'konference@uzivatele-heliosu.cz', messageId: 'list.7721@uzivatele-heliosu.cz', date: '2026-03-17T06:29:55.000Z',
    text: ['má někdo zkušenost s aktualizací 2026.1?'], attachments: [],
  },
  'read-receipt-mdn.eml': {
    subject: 'Přečteno: [98570] - Založen nový ticket: Nefunkční tisk', from: 'eva.kralova@strojirny-brno.cz', messageId: 'mdn.0b7f1c2d@AM9PR08MB6275.eurprd08.prod.outlook.com',
    date: '2026-03-16T08:39:50.000Z', text: ['Vaše zpráva byla přečtena'], attachments: [['priloha-1.txt', 'message/disposition-notification', 193, false]],
  },
  'x-auto-response-suppress-only.eml': {
    subject: 'Nový uživatel – Petr Malý', from: 'eva.kralova@strojirny-brno.cz', messageId: 'AM9PR08MB6275C3D4E5F6A7B8C9D0E1F2A3B4C@AM9PR08MB6275.eurprd08.prod.outlook.com',
    date: '2026-03-18T12:59:58.000Z', text: ['prosím o založení účtu pro nového kolegu Petra Malého.'], notText: ['\r'], attachments: [],
  },
  'dsn-bounce.eml': {
    subject: 'Undelivered Mail Returned to Sender', from: 'mailer-daemon@mx.seyfor.com', messageId: '20260316081241.4F2A1C0123@mx.seyfor.com', date: '2026-03-16T08:12:41.000Z',
    // the delivery-status part is read into `dsn`, not appended to the text
    text: ['Recipient address rejected: User unknown'], notText: ['Reporting-MTA'], attachments: [['priloha-1.eml', 'message/rfc822', 526, false]],
  },
  'dsn-bounce-headers-only.eml': {
    subject: 'Delivery Status Notification (Failure)', from: 'mailer-daemon@googlemail.com', messageId: '65f5a1b2.050a0220.1c2d3.4e5fSMTPIN_ADDED_BROKEN@mx.google.com',
    date: '2026-03-16T08:20:04.000Z', text: ["Your message wasn't delivered to martin.dvorak.stary@gmail.com"], attachments: [['priloha-1.txt', 'text/rfc822-headers', 245, false]],
  },
  'mailer-daemon-bounce.eml': {
    subject: 'failure notice', from: 'mailer-daemon@mail.stary-server.cz', messageId: 'qmail.20260316082958.1234@mail.stary-server.cz', date: '2026-03-16T08:29:58.000Z',
    text: ['Sorry, no mailbox here by that name. (#5.1.1)', 'Message-ID: <ticket-98573.1773649790.bb88@helpdesk.seyfor.com>'], attachments: [],
  },
  'own-notification-looped.eml': {
    subject: '[98570] - Založen nový ticket: Nefunkční aplikace Docházka', from: 'helpdesk.tech@seyfor.com', messageId: NOTIFICATION_98570, date: '2026-03-16T08:12:00.000Z',
    text: ['Váš požadavek byl přijat pod číslem 98570.'], attachments: [],
  },
  'dmarc-fail.eml': {
    subject: 'Urgentní: změňte mi heslo', from: 'reditel@firma.cz', messageId: 'spoof.0001@podvodnik.example', date: '2026-03-18T13:59:50.000Z',
    text: ['Změňte mi prosím okamžitě heslo'], attachments: [],
  },
  'dmarc-pass.eml': {
    subject: 'Požadavek na nový monitor', from: 'jan.novak@firma.cz', messageId: 'a1b2c3d4-0003@mail.firma.cz', date: '2026-03-18T14:09:50.000Z',
    text: ['prosím o nový monitor pro recepci'], attachments: [],
  },
};

describe('the corpus', () => {
  it('has at least 25 messages, every one with expectations here and a line in README.md', () => {
    const files = fixtureNames();
    expect(files.length).toBeGreaterThanOrEqual(25);
    expect(Object.keys(CORPUS).sort()).toEqual(files);
    const readme = readFileSync(path.join(FIXTURES, 'README.md'), 'utf8');
    for (const f of files) expect(readme, f).toContain(`\`${f}\``);
  });
});

describe('parseMail on every corpus message', () => {
  for (const [file, e] of Object.entries(CORPUS)) {
    it(`${file}: decodes subject, sender, ids, date, text and attachments`, async () => {
      const m = await parsed(file);
      expect(m.subject).toBe(e.subject);
      expect(m.from.address).toBe(e.from);
      expect(m.from.count).toBe(e.fromCount ?? 1);
      expect(m.messageId).toBe(e.messageId);
      expect(m.date === null ? null : m.date.toISOString()).toBe(e.date);
      if (e.inReplyTo !== undefined) expect(m.inReplyTo).toBe(e.inReplyTo);
      for (const s of e.text) expect(m.text).toContain(s);
      for (const s of e.notText ?? []) expect(m.text).not.toContain(s);
      if (e.html !== undefined) expect(m.html !== null).toBe(e.html);
      if (e.attachments) expect(m.attachments.map((a): Att => [a.name, a.type, a.data.length, a.inline])).toEqual(e.attachments);
      expect(m.skipped.map((s) => [s.name, s.reason])).toEqual(e.skipped ?? []);
    });
  }
});

describe('parseMail details', () => {
  it('keeps the From display name in from.raw and lower-cases the addr-spec only in from.address', async () => {
    const m = await parsed('new-request-plain.eml');
    expect(m.from).toEqual({ address: 'jan.novak@firma.cz', raw: '"Jan Novák" <Jan.Novak@Firma.cz>', count: 1 });
    expect(m.to).toEqual(['helpdesk.tech@seyfor.com']);
  });

  it('counts every From address and leaves from.address null when there is more than one', async () => {
    const m = await parsed('multiple-from-addresses.eml');
    expect(m.from.count).toBe(2);
    expect(m.from.address).toBeNull();
    expect(m.from.raw).toContain('petra.svobodova@seznam.cz');
    expect(m.cc).toEqual(['karel.vesely@firma.cz']);
  });

  it('strips <> from In-Reply-To and References', async () => {
    const m = await parsed('gmail-cs-reply-with-quote.eml');
    expect(m.inReplyTo).toBe(NOTIFICATION_98570);
    expect(m.references).toEqual([NOTIFICATION_98570]);
  });

  it('exposes the classification headers raw, with X-Autoreply family and Return-Path <>', async () => {
    expect((await parsed('own-notification-looped.eml')).headers).toMatchObject({ autoSubmitted: 'auto-generated', xHelpdeskTicket: '98570' });
    expect((await parsed('x-autoreply.eml')).headers.xAutoreply).toBe('yes');
    expect((await parsed('precedence-bulk.eml')).headers.precedence).toBe('bulk');
    const list = (await parsed('list-id-newsletter.eml')).headers;
    expect(list.listId).toContain('<helios-users.lists.uzivatele-heliosu.cz>');
    expect(list.listUnsubscribe).toBe('<mailto:helios-users-leave@lists.uzivatele-heliosu.cz>, <https://lists.uzivatele-heliosu.cz/odhlasit>');
    expect((await parsed('dsn-bounce.eml')).headers.returnPath).toBe('<>');
    expect((await parsed('new-request-plain.eml')).headers).toMatchObject({ autoSubmitted: null, precedence: null, xAutoreply: null, listId: null, listUnsubscribe: null, xHelpdeskTicket: null });
  });

  it('gives the top-level Content-Type with its parameters', async () => {
    expect((await parsed('dsn-bounce.eml')).headers.contentType).toEqual({
      value: 'multipart/report',
      params: { 'report-type': 'delivery-status', boundary: '4F2A1C0123.1773648761/mx.seyfor.com' },
    });
    expect((await parsed('new-request-plain.eml')).headers.contentType).toEqual({ value: 'text/plain', params: { charset: 'utf-8' } });
  });

  it('lists Authentication-Results raw, unfolded, top-most first', async () => {
    const m = await parsed('dmarc-fail.eml');
    expect(m.authResults).toHaveLength(2);
    expect(m.authResults[0]).toMatch(/^mx\.seyfor\.com; dkim=none; spf=softfail .* dmarc=fail \(p=REJECT sp=REJECT dis=NONE\) header\.from=firma\.cz$/);
    expect(m.authResults[1]).toBe('mx.seyfor.com; dmarc=pass header.from=firma.cz');
  });

  it('reads the DSN: original Message-ID and status, from the returned message or its headers', async () => {
    expect((await parsed('dsn-bounce.eml')).dsn).toEqual({ originalMessageId: 'ticket-98571.1773648760.ef56@helpdesk.seyfor.com', status: '5.1.1' });
    expect((await parsed('dsn-bounce-headers-only.eml')).dsn).toEqual({ originalMessageId: 'ticket-98572.1773649200.aa77@helpdesk.seyfor.com', status: '5.1.1' });
    expect((await parsed('mailer-daemon-bounce.eml')).dsn).toBeNull();
    expect((await parsed('read-receipt-mdn.eml')).dsn).toBeNull();
  });

  it('stores the returned message of a DSN byte for byte as .eml', async () => {
    const eml = (await parsed('dsn-bounce.eml')).attachments[0]!;
    expect(eml.data.toString('utf8')).toMatch(/^Auto-Submitted: auto-generated\nX-Auto-Response-Suppress: All\nX-Helpdesk-Ticket: 98571\n/);
  });

  it('marks only the cid-referenced image inline and keeps cid: links in the HTML', async () => {
    const m = await parsed('inline-image-cid.eml');
    expect(m.attachments[0]).toMatchObject({ name: 'image001.png', inline: true, contentId: 'image001.png@01DC9A2B.5E6F7A80' });
    expect(m.attachments[1]).toMatchObject({ name: 'objednavka-4455.pdf', inline: false, contentId: '6A1B2C3D4E5F@firma.cz' });
    expect(m.html).toContain('src="cid:image001.png@01DC9A2B.5E6F7A80"');
    expect(m.html).not.toContain('data:image');
  });

  it('does not treat an attachment with a Content-ID but no cid: reference as inline', async () => {
    const m = await parsed('gmail-en-reply.eml');
    expect(m.attachments[0]).toMatchObject({ name: 'chyba.png', inline: false, contentId: 'f_m8t1abcd0' });
  });

  it('unpacks winmail.dat into its files with their real bytes', async () => {
    const m = await parsed('winmail-dat-tnef.eml');
    expect(m.attachments.map((a) => a.name)).not.toContain('winmail.dat');
    expect(m.attachments[0]!.data.toString('utf8')).toBe('Výkaz práce – březen 2026\nServis tiskáren: 4 h\n');
    expect(m.attachments[1]!.data.subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('keeps a corrupt winmail.dat as it is', async () => {
    const m = await parsed('winmail-dat-invalid.eml');
    const tnef = m.attachments[0]!;
    expect(tnef.data.subarray(0, 4)).toEqual(Buffer.from([0x78, 0x9f, 0x3e, 0x22]));
    expect(unpackTnef(tnef.data)).toBeNull();
    expect(unpackTnef(Buffer.from('not a tnef file at all'))).toBeNull();
  });

  it('keeps node-tnef silent on stdout and leaves String.prototype.replaceAll native', async () => {
    const writes: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      await parseMail(raw('winmail-dat-tnef.eml'));
      await parseMail(raw('winmail-dat-invalid.eml'));
    } finally {
      spy.mockRestore();
    }
    expect(writes.filter((w) => w.includes('node-tnef') || w.includes('TNEF'))).toEqual([]);
    expect(String.prototype.replaceAll.toString()).toContain('[native code]');
    expect('a.b.c'.replaceAll('.', '-')).toBe('a-b-c');
  });

  it('renders an explicitly inline message/rfc822 into the text and still stores it as .eml', async () => {
    const m = await parsed('rfc822-inline-forward.eml');
    const eml = m.attachments[0]!;
    expect(eml.data.toString('utf8')).toContain('Message-ID: <inner.faktura.0001@firma.cz>');
  });

  it('never substitutes the current time for a missing or unparseable Date', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
      expect((await parseMail(raw('nameless-attachment.eml'))).date).toBeNull();
      const noDate = raw('new-request-plain.eml').toString('utf8').replace(/^Date: .*\n/m, '');
      expect((await parseMail(Buffer.from(noDate))).date).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it('gives the same result for the same bytes, CRLF or LF', async () => {
    const lf = raw('seznam-reply.eml');
    const crlf = Buffer.from(lf.toString('utf8').replace(/\n/g, '\r\n'));
    const a = await parseMail(lf);
    const b = await parseMail(crlf);
    expect(b.subject).toBe(a.subject);
    expect(b.text).toBe(a.text);
    expect(b.messageId).toBe(a.messageId);
  });

  it('collapses whitespace in a folded subject and returns "" without one', async () => {
    const folded = Buffer.from('From: a@firma.cz\nSubject: Nefunkční\n   aplikace\t\t Docházka\n\ntext\n');
    expect((await parseMail(folded)).subject).toBe('Nefunkční aplikace Docházka');
    const none = await parseMail(Buffer.from('From: a@firma.cz\n\ntext\n'));
    expect(none.subject).toBe('');
    expect(none.messageId).toBeNull();
    expect(none.date).toBeNull();
  });

  it('throws MailParseError for an empty message', async () => {
    await expect(parseMail(Buffer.alloc(0))).rejects.toBeInstanceOf(MailParseError);
    await expect(parseMail(Buffer.from('\r\n\r\n'))).rejects.toMatchObject({ name: 'MailParseError', reason: 'empty message' });
  });

  it('throws MailParseError with mailparser\'s reason when the MIME structure is beyond coping', async () => {
    const bomb = 'From: a@firma.cz\nContent-Type: multipart/mixed; boundary=B\n\n' + Array.from({ length: 1100 }, (_, i) => `--B\nContent-Type: text/plain\n\n${i}\n`).join('') + '--B--\n';
    await expect(parseMail(Buffer.from(bomb))).rejects.toMatchObject({ name: 'MailParseError', reason: 'Max allowed child nodes exceeded' });
  });
});
