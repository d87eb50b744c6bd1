import { DateTime } from 'luxon';
import { codeHash } from '../domain/hotline-code.js';
import { loginKey } from '../domain/login.js';
import type { Actor } from '../services/actor.js';
import type { AuditWho } from '../services/admin/records.js';
import { createApiTokenInTx } from '../services/api/tokens.js';
import type { ServiceContext } from '../services/context.js';
import { hotlineCodeKey } from '../services/hotline/code-key.js';
import { storeCodeInTx } from '../services/hotline/codes.js';
import { importDocument } from '../services/import/index.js';
import { hashPassword } from '../services/users.js';

/** Demo sign-ins, shown in the README; each passes the product's password rule (domain/password.ts). */
export const DEMO_USERS = [
  { login: 'tester', password: 'Kiosky2026!', name: 'Pavel Tester', email: 'pavel.tester@kiosky.example', role: 'customer' },
  { login: 'novakova', password: 'HorniLhota2026', name: 'Jana Nováková', email: 'jana.novakova@hornilhota.example', role: 'customer' },
  { login: 'pokorna', password: 'Podpora2026!', name: 'Dana Pokorná', email: 'dana.pokorna@helpdesk.example', role: 'agent' },
  { login: 'jedlicka', password: 'Resitel2026!', name: 'Pavel Jedlička', email: 'pavel.jedlicka@helpdesk.example', role: 'agent' },
  { login: 'admin', password: 'Sprava2026!', name: 'Správce Helpdesku', email: 'admin@helpdesk.example', role: 'admin' },
] as const;

/** The demo's HotLine code (HOTLINE.md §3): Pavel Tester on contract 1, whose hotline runs on working days 8–16. */
export const DEMO_HOTLINE_CODE = '4206021234';

/** What the demo seed made that is shown once: the API token of contract 1 (only its hash is kept). */
export interface DemoSeeded {
  apiToken: string;
}

const OFFICE = { mon: [['08:00', '16:00']], tue: [['08:00', '16:00']], wed: [['08:00', '16:00']], thu: [['08:00', '16:00']], fri: [['08:00', '16:00']], sat: [], sun: [] };
const ALWAYS = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [['00:00', '24:00']]]));

function paragraphs(contractId: number) {
  return [
    { contract_id: contractId, code: 'A1', name: 'Vada bránící provozu', kind: 'incident', sla_applies: true, reaction_method: 'Hod', reaction_amount: 2, resolution_method: 'Hod', resolution_amount: 8, is_email_default: false, is_hotline_default: true },
    { contract_id: contractId, code: 'A2', name: 'Vada omezující provoz', kind: 'incident', sla_applies: true, reaction_method: 'NBD-Hod', reaction_amount: 4, resolution_method: 'Den', resolution_amount: 3, is_email_default: true },
    { contract_id: contractId, code: 'B', name: 'Objednávka služby', kind: 'order', sla_applies: true, reaction_method: 'Den', reaction_amount: 1, resolution_method: 'Den', resolution_amount: 10, is_email_default: false },
    { contract_id: contractId, code: 'D', name: 'Dotaz, konzultace nebo změna', kind: 'question', sla_applies: false, reaction_method: null, reaction_amount: null, resolution_method: null, resolution_amount: null, is_email_default: false },
    { contract_id: contractId, code: 'H', name: 'Hypercare', kind: 'hypercare', sla_applies: false, reaction_method: null, reaction_amount: null, resolution_method: null, resolution_amount: null, is_email_default: false },
  ];
}

/**
 * Seeds the demo data once (two companies, three contracts, users, tickets in every state with
 * weeks of history, the hotline of contracts 1 and 3 with Pavel Tester's code, an API token of
 * contract 1); null when the database has users already.
 */
export async function seedDemo(ctx: ServiceContext): Promise<DemoSeeded | null> {
  const { db } = ctx;
  if (await db('users').first('id')) return null;

  const [office] = await db('service_calendars').insert({ name: 'Pracovní dny 8–16', windows: JSON.stringify(OFFICE), holiday_country: 'CZ' }).returning('id');
  const [always] = await db('service_calendars').insert({ name: 'Nepřetržitě 24×7', windows: JSON.stringify(ALWAYS), holiday_country: null }).returning('id');
  const [kiosky] = await db('companies').insert({ name: 'Úřední desky - Kiosky', address: 'Traťová 1; Brno' }).returning('id');
  const [lhota] = await db('companies').insert({ name: 'Město Horní Lhota', address: 'Náměstí Míru 12, Horní Lhota' }).returning('id');
  const [c1] = await db('contracts').insert({ company_id: kiosky.id, number: '1', name: 'Poskytování služby v CLOUD společnosti TECHNISERV IT (SaaS)', calendar_id: office.id, hotline: true }).returning('id');
  const [c2] = await db('contracts').insert({ company_id: kiosky.id, number: '2', name: 'Servisní smlouva ELDAx 24×7', calendar_id: always.id }).returning('id');
  const [c3] = await db('contracts').insert({ company_id: lhota.id, number: '3', name: 'Podpora spisové služby eSSL', calendar_id: office.id, hotline: true }).returning('id');
  for (const c of [c1, c2, c3]) await db('contract_paragraphs').insert(paragraphs(c.id));

  const users: Record<string, Actor> = {};
  for (const u of DEMO_USERS) {
    const [row] = await db('users')
      .insert({ login: u.login, login_key: loginKey(u.login), name: u.name, email: u.email, role: u.role, phone: '+420602123456', password_hash: await hashPassword(u.password) })
      .returning(['id', 'login', 'name', 'email', 'role']);
    users[u.login] = row as Actor;
  }
  const tester = users.tester!, novakova = users.novakova!;
  await db('user_contracts').insert([
    { user_id: tester.id, contract_id: c1.id, sees_all_tickets: true },
    { user_id: tester.id, contract_id: c2.id, sees_all_tickets: false },
    { user_id: novakova.id, contract_id: c3.id, sees_all_tickets: true },
  ]);
  // manual §3.2: mail from these addresses creates tickets on that one contract
  await db('authorized_addresses').insert([
    { address: tester.email, user_id: tester.id, contract_id: c1.id },
    { address: novakova.email, user_id: novakova.id, contract_id: c3.id },
  ]);

  // the tickets' history over the past weeks, written like the migration import writes an old
  // system's tickets (services/import): each state change, message and effort at its own instant,
  // the stored SLA computed from that history, the ticket numbers drawn from the sequence
  const numbers: number[] = [];
  for (let i = 0; i < DEMO_TICKETS.length; i++) numbers.push(Number((await db.raw("select nextval('ticket_number_seq') as n")).rows[0].n));
  await importDocument(db, demoDocument(DateTime.now(), numbers));

  // the phone channel and the API, written as the import and the token command write them
  const who: AuditWho = { actorId: null, source: 'cli' };
  const key = await hotlineCodeKey(ctx);
  const a1 = await db('contract_paragraphs').where({ contract_id: c1.id, code: 'A1' }).first('id');
  const { token } = await db.transaction(async (trx) => {
    await storeCodeInTx(trx, who, { userId: tester.id, contractId: c1.id }, codeHash(key, DEMO_HOTLINE_CODE), 'import');
    return createApiTokenInTx(trx, who, { contract_id: c1.id, paragraph_id: a1.id, user_id: tester.id, name: 'Monitoring (demo)' });
  });
  return { apiToken: token };
}

const ZONE = 'Europe/Prague';
const KIOSKY = 'Úřední desky - Kiosky';
const LHOTA = 'Město Horní Lhota';

/** A step of a demo ticket: hours after its creation, the state it goes to, who, and what the action carries. */
type Step = [hours: number, to: string, by: string | null, extra?: { reason?: string; assignee?: string }];
/** A message: hours after the creation, its author, its text; a staff author's is an answer, else the customer's. */
type Message = [hours: number, author: string, body: string, internal?: boolean];
/** Effort: days after the creation, minutes, who, note, billable (left out: the paragraph's default). */
type Effort = [days: number, minutes: number, by: string, note: string, billable?: boolean];

interface DemoTicket {
  company: string;
  contract: string;
  paragraph: string;
  reporter: string;
  channel: 'web' | 'email' | 'hotline';
  subject: string;
  description: string;
  /** days before today, and the local time of day it came in */
  daysAgo: number;
  at: string;
  steps?: Step[];
  messages?: Message[];
  efforts?: Effort[];
}

const STAFF = new Set(['pokorna', 'jedlicka', 'admin']);

/**
 * The demo's tickets: created over the past seven weeks (last month's make a monthly report
 * with figures), by web, e-mail and phone (hotline); some met their SLA, some breached it
 * (an incident still open after two weeks, a new one nobody reacted to), one waits paused for
 * the customer, one was complained about, efforts billable and not.
 */
export const DEMO_TICKETS: DemoTicket[] = [
  {
    company: KIOSKY, contract: '1', paragraph: 'A1', reporter: 'tester', channel: 'web', daysAgo: 50, at: '08:40',
    subject: 'Kiosek na radnici nereaguje na dotyk', description: 'Dobrý den,\nkiosek ve vstupní hale radnice od rána nereaguje na dotyk.\nDěkuji, Pavel Tester',
    steps: [[0.4, 'accepted', 'pokorna'], [5, 'resolved', 'pokorna', { reason: 'Překalibrována dotyková vrstva a vyměněn kabel USB.' }], [74, 'closed', null]],
    messages: [[0.5, 'pokorna', 'Dobrý den, požadavek jsme převzali, technik je na cestě.'], [3, 'tester', 'Děkuji, kiosek je dostupný v přízemí u vchodu.']],
    efforts: [[0, 90, 'pokorna', 'výjezd technika a kalibrace']],
  },
  {
    company: KIOSKY, contract: '1', paragraph: 'A2', reporter: 'tester', channel: 'email', daysAgo: 46, at: '10:05',
    subject: 'Chyba při ukládání v DMS', description: 'Nelze mi uložit dokument s názvem faktura1, aplikace hlásí „Přístup odepřen“.',
    steps: [[2, 'accepted', 'pokorna'], [22, 'resolved', 'pokorna', { reason: 'Opravena oprávnění ke složce Faktury.' }], [70, 'closed', null]],
    efforts: [[1, 60, 'pokorna', 'úprava oprávnění', true]],
  },
  {
    company: LHOTA, contract: '3', paragraph: 'A1', reporter: 'novakova', channel: 'hotline', daysAgo: 42, at: '07:50',
    subject: 'Nelze odeslat datovou zprávu', description: 'Při odeslání datové zprávy se zobrazí chyba 500. Volala paní Nováková.',
    steps: [[1, 'accepted', 'pokorna'], [2, 'escalated', 'pokorna', { assignee: 'jedlicka' }], [100, 'resolved', 'jedlicka', { reason: 'Obnoven certifikát pro rozhraní ISDS.' }], [170, 'closed', null]],
    messages: [[2.2, 'jedlicka', 'Dobrý den, chyba je v certifikátu rozhraní, nový certifikát vydá certifikační autorita do několika dnů.'], [6, 'jedlicka', 'Certifikát objednán u správce podatelny.', true]],
    efforts: [[0, 120, 'jedlicka', 'analýza logů rozhraní'], [1, 45, 'jedlicka', 'výměna certifikátu']],
  },
  {
    company: KIOSKY, contract: '1', paragraph: 'D', reporter: 'tester', channel: 'web', daysAgo: 38, at: '13:20',
    subject: 'Dotaz na export do PDF', description: 'Lze exportovat seznam dokumentů do PDF?',
    steps: [[2, 'accepted', 'jedlicka'], [4, 'resolved', 'jedlicka', { reason: 'Ano, v menu Seznam → Export → PDF.' }], [26, 'closed', 'jedlicka']],
    efforts: [[0, 30, 'jedlicka', 'odpověď s návodem']],
  },
  {
    company: KIOSKY, contract: '2', paragraph: 'A2', reporter: 'tester', channel: 'email', daysAgo: 35, at: '09:10',
    subject: 'Tisk štítků nefunguje', description: 'Tiskárna Zebra netiskne štítky z modulu Sklad.',
    steps: [[1, 'accepted', 'pokorna'], [2, 'paused', 'pokorna', { reason: 'Prosíme o verzi ovladače tiskárny.' }], [26, 'accepted', 'tester'], [30, 'resolved', 'pokorna', { reason: 'Nainstalován aktuální ovladač tiskárny.' }], [80, 'closed', null]],
    messages: [[25.5, 'tester', 'Verze ovladače je 5.1.17, snímek obrazovky posílám e-mailem.']],
    efforts: [[1, 50, 'pokorna', 'instalace ovladače', true]],
  },
  {
    company: LHOTA, contract: '3', paragraph: 'A2', reporter: 'novakova', channel: 'web', daysAgo: 33, at: '11:00',
    subject: 'Chybný tisk podacího archu', description: 'Na podacím archu chybí čárový kód.',
    steps: [[1, 'accepted', 'jedlicka'], [6, 'resolved', 'jedlicka', { reason: 'Opravena šablona podacího archu.' }], [26, 'complained', 'novakova', { reason: 'Čárový kód stále chybí u doporučených zásilek.' }],
      [29, 'resolved', 'jedlicka', { reason: 'Doporučené zásilky tiskne Česká pošta, ne aplikace.' }], [120, 'closed', null]],
    efforts: [[0, 40, 'jedlicka', 'úprava šablony'], [1, 20, 'jedlicka', 'posouzení reklamace', false]],
  },
  {
    company: KIOSKY, contract: '1', paragraph: 'B', reporter: 'tester', channel: 'email', daysAgo: 31, at: '14:30',
    subject: 'Objednávka dalšího kiosku', description: 'Objednáváme instalaci kiosku na pobočce v Líšni.',
    steps: [[5, 'accepted', 'pokorna'], [150, 'resolved', 'pokorna', { reason: 'Kiosek nainstalován a předán.' }], [200, 'closed', null]],
    efforts: [[6, 240, 'pokorna', 'instalace a předání kiosku']],
  },
  {
    company: KIOSKY, contract: '1', paragraph: 'A1', reporter: 'tester', channel: 'hotline', daysAgo: 20, at: '07:45',
    subject: 'Systém eSSL je nedostupný', description: 'Od 7:30 se nelze přihlásit do spisové služby. Hlášeno telefonicky.',
    steps: [[0.3, 'accepted', 'pokorna'], [1, 'escalated', 'pokorna', { assignee: 'jedlicka' }], [3, 'resolved', 'jedlicka', { reason: 'Restartována aplikační služba, doplněn monitoring.' }], [60, 'closed', null]],
    messages: [[1.1, 'jedlicka', 'Dobrý den, na problému pracujeme, ozveme se do hodiny.']],
    efforts: [[0, 75, 'jedlicka', 'obnova služby'], [0, 15, 'pokorna', 'telefonát se zákazníkem']],
  },
  {
    company: KIOSKY, contract: '1', paragraph: 'A1', reporter: 'tester', channel: 'web', daysAgo: 16, at: '09:30',
    subject: 'Kiosek se restartuje', description: 'Kiosek v přízemí se každých 10 minut restartuje.',
    steps: [[1, 'accepted', 'pokorna']],
    messages: [[1.2, 'pokorna', 'Dobrý den, čekáme na náhradní zdroj od dodavatele.'], [50, 'tester', 'Je už známý termín výměny?']],
    efforts: [[0, 30, 'pokorna', 'diagnostika na místě']],
  },
  {
    company: LHOTA, contract: '3', paragraph: 'A1', reporter: 'novakova', channel: 'email', daysAgo: 14, at: '10:15',
    subject: 'Spisová služba hlásí chybu 500', description: 'Při otevření spisu se zobrazí chyba 500.',
    steps: [[1.5, 'accepted', 'pokorna'], [2, 'escalated', 'pokorna', { assignee: 'jedlicka' }]],
    messages: [[3, 'jedlicka', 'Chyba je v indexu databáze, připravujeme opravu.', true]],
    efforts: [[0, 60, 'jedlicka', 'analýza chyby']],
  },
  {
    company: KIOSKY, contract: '2', paragraph: 'A2', reporter: 'tester', channel: 'web', daysAgo: 9, at: '12:40',
    subject: 'Tisk štítků ze skladu je pomalý', description: 'Tisk jednoho štítku trvá přes minutu.',
    steps: [[1, 'accepted', 'pokorna'], [3, 'paused', 'pokorna', { reason: 'Prosíme o zaslání snímku obrazovky s chybou a verze ovladače tiskárny.' }]],
  },
  {
    company: KIOSKY, contract: '1', paragraph: 'A2', reporter: 'tester', channel: 'hotline', daysAgo: 6, at: '08:20',
    subject: 'Pomalé načítání úřední desky', description: 'Úřední deska se načítá přes 30 sekund.',
    steps: [[2, 'accepted', 'pokorna'], [26, 'resolved', 'pokorna', { reason: 'Vyčištěna mezipaměť a přidán index do databáze. Načtení nyní trvá pod 1 s.' }]],
    efforts: [[1, 45, 'pokorna', 'analýza a oprava indexu']],
  },
  {
    company: LHOTA, contract: '3', paragraph: 'A1', reporter: 'novakova', channel: 'hotline', daysAgo: 7, at: '09:00',
    subject: 'Podatelna nenačítá e-maily', description: 'Od rána nepřicházejí do podatelny žádné e-maily.',
    steps: [[0.5, 'accepted', 'jedlicka'], [5, 'resolved', 'jedlicka', { reason: 'Obnoveno heslo k poštovní schránce podatelny.' }], [48, 'complained', 'novakova', { reason: 'E-maily chodí, ale bez příloh.' }]],
    efforts: [[0, 35, 'jedlicka', 'obnova přístupu ke schránce']],
  },
  {
    company: KIOSKY, contract: '1', paragraph: 'A1', reporter: 'tester', channel: 'web', daysAgo: 4, at: '10:00',
    subject: 'Duplicitní hlášení – kiosek', description: 'Omlouvám se, zadáno podruhé.',
    steps: [[1, 'cancelled', 'pokorna', { reason: 'Duplicitní požadavek, řešíme v původním.' }]],
  },
  {
    company: LHOTA, contract: '3', paragraph: 'D', reporter: 'novakova', channel: 'email', daysAgo: 3, at: '13:10',
    subject: 'Dotaz na skartační řízení', description: 'Jak v systému spustit skartační řízení za rok 2015?',
    steps: [[2, 'accepted', 'jedlicka']],
  },
  {
    company: KIOSKY, contract: '1', paragraph: 'A1', reporter: 'tester', channel: 'web', daysAgo: 3, at: '08:15',
    subject: 'Nefunkční aplikace', description: 'Dobrý den,\nkiosek na radnici od rána ukazuje chybu „Služba není dostupná“.\nDěkuji, Pavel Tester',
  },
  {
    company: LHOTA, contract: '3', paragraph: 'A2', reporter: 'novakova', channel: 'web', daysAgo: 0, at: '00:00',
    subject: 'Nelze přihlásit nového uživatele', description: 'Nová kolegyně se nemůže přihlásit, systém hlásí neplatné heslo.',
  },
];

/**
 * The import document of the demo's tickets relative to `now`: each ticket at its day and time
 * in Prague (today's ticket an hour ago), its steps, messages and efforts after it.
 */
export function demoDocument(now: DateTime, numbers: number[]) {
  const local = now.setZone(ZONE);
  const tickets = DEMO_TICKETS.map((t, i) => {
    const [hh, mm] = t.at.split(':').map(Number) as [number, number];
    const created = t.daysAgo === 0 ? local.minus({ hours: 1 }) : local.minus({ days: t.daysAgo }).set({ hour: hh, minute: mm, second: 0, millisecond: 0 });
    const at = (hours: number) => created.plus({ minutes: Math.round(hours * 60) });
    const steps = t.steps ?? [];
    const last = steps.at(-1);
    const assignee = [...steps].reverse().find((s) => s[3]?.assignee)?.[3]?.assignee ?? steps.find((s) => s[2] !== null && STAFF.has(s[2]))?.[2] ?? null;
    return {
      number: numbers[i]!,
      company: t.company,
      contract: t.contract,
      paragraph: t.paragraph,
      reporter: t.reporter,
      contact_phone: '+420602123456',
      subject: t.subject,
      description: t.description,
      channel: t.channel,
      state: last ? last[1] : 'new',
      assignee,
      created_at: created.toISO()!,
      events: steps.map(([hours, to, by, extra]) => ({ at: at(hours).toISO()!, to, by, assignee: extra?.assignee ?? null, reason: extra?.reason ?? null })),
      messages: (t.messages ?? []).map(([hours, author, body, internal]) => ({
        at: at(hours).toISO()!,
        author,
        direction: STAFF.has(author) ? 'out' : 'in',
        body,
        kind: internal ? 'internal' : 'comment',
      })),
      efforts: (t.efforts ?? []).map(([days, minutes, by, note, billable]) => ({
        date: created.plus({ days }).toISODate()!,
        minutes,
        by,
        note,
        ...(billable === undefined ? {} : { billable }),
      })),
    };
  });
  return { calendars: [], companies: [], contracts: [], users: [], tickets };
}
