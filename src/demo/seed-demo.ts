import { loginKey } from '../domain/login.js';
import type { Actor } from '../services/actor.js';
import type { ServiceContext } from '../services/context.js';
import { addMessage } from '../services/conversation.js';
import { createTicket } from '../services/create-ticket.js';
import { logEffort } from '../services/effort.js';
import {
  acceptTicket, cancelTicket, closeTicket, escalateTicket, fileComplaint, pauseTicket, rejectComplaint, resolveTicket,
} from '../services/transitions.js';
import { hashPassword } from '../services/users.js';

/** Demo sign-ins, shown in the README. */
export const DEMO_USERS = [
  { login: 'tester', password: 'Tester2026!', name: 'Pavel Tester', email: 'pavel.tester@kiosky.example', role: 'customer' },
  { login: 'novakova', password: 'Novakova2026!', name: 'Jana Nováková', email: 'jana.novakova@hornilhota.example', role: 'customer' },
  { login: 'pokorna', password: 'Pokorna2026!', name: 'Dana Pokorná', email: 'dana.pokorna@helpdesk.example', role: 'agent' },
  { login: 'jedlicka', password: 'Jedlicka2026!', name: 'Pavel Jedlička', email: 'pavel.jedlicka@helpdesk.example', role: 'agent' },
  { login: 'admin', password: 'Admin2026pass!', name: 'Správce Helpdesku', email: 'admin@helpdesk.example', role: 'admin' },
] as const;

const OFFICE = { mon: [['08:00', '16:00']], tue: [['08:00', '16:00']], wed: [['08:00', '16:00']], thu: [['08:00', '16:00']], fri: [['08:00', '16:00']], sat: [], sun: [] };
const ALWAYS = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [['00:00', '24:00']]]));

function paragraphs(contractId: number) {
  return [
    { contract_id: contractId, code: 'A1', name: 'Vada bránící provozu', kind: 'incident', sla_applies: true, reaction_method: 'Hod', reaction_amount: 2, resolution_method: 'Hod', resolution_amount: 8, is_email_default: false },
    { contract_id: contractId, code: 'A2', name: 'Vada omezující provoz', kind: 'incident', sla_applies: true, reaction_method: 'NBD-Hod', reaction_amount: 4, resolution_method: 'Den', resolution_amount: 3, is_email_default: true },
    { contract_id: contractId, code: 'B', name: 'Objednávka služby', kind: 'order', sla_applies: true, reaction_method: 'Den', reaction_amount: 1, resolution_method: 'Den', resolution_amount: 10, is_email_default: false },
    { contract_id: contractId, code: 'D', name: 'Dotaz, konzultace nebo změna', kind: 'question', sla_applies: false, reaction_method: null, reaction_amount: null, resolution_method: null, resolution_amount: null, is_email_default: false },
    { contract_id: contractId, code: 'H', name: 'Hypercare', kind: 'hypercare', sla_applies: false, reaction_method: null, reaction_amount: null, resolution_method: null, resolution_amount: null, is_email_default: false },
  ];
}

/** Seeds the demo data once (two companies, three contracts, users, tickets in every state). */
export async function seedDemo(ctx: ServiceContext): Promise<boolean> {
  const { db } = ctx;
  if (await db('users').first('id')) return false;

  const [office] = await db('service_calendars').insert({ name: 'Pracovní dny 8–16', windows: JSON.stringify(OFFICE), holiday_country: 'CZ' }).returning('id');
  const [always] = await db('service_calendars').insert({ name: 'Nepřetržitě 24×7', windows: JSON.stringify(ALWAYS), holiday_country: null }).returning('id');
  const [kiosky] = await db('companies').insert({ name: 'Úřední desky - Kiosky', address: 'Traťová 1; Brno' }).returning('id');
  const [lhota] = await db('companies').insert({ name: 'Město Horní Lhota', address: 'Náměstí Míru 12, Horní Lhota' }).returning('id');
  const [c1] = await db('contracts').insert({ company_id: kiosky.id, number: '1', name: 'Poskytování služby v CLOUD společnosti TECHNISERV IT (SaaS)', calendar_id: office.id }).returning('id');
  const [c2] = await db('contracts').insert({ company_id: kiosky.id, number: '2', name: 'Servisní smlouva ELDAx 24×7', calendar_id: always.id }).returning('id');
  const [c3] = await db('contracts').insert({ company_id: lhota.id, number: '3', name: 'Podpora spisové služby eSSL', calendar_id: office.id }).returning('id');
  for (const c of [c1, c2, c3]) await db('contract_paragraphs').insert(paragraphs(c.id));

  const users: Record<string, Actor> = {};
  for (const u of DEMO_USERS) {
    const [row] = await db('users')
      .insert({ login: u.login, login_key: loginKey(u.login), name: u.name, email: u.email, role: u.role, phone: '+420602123456', password_hash: await hashPassword(u.password) })
      .returning(['id', 'login', 'name', 'email', 'role']);
    users[u.login] = row as Actor;
  }
  const tester = users.tester!, novakova = users.novakova!, pokorna = users.pokorna!, jedlicka = users.jedlicka!;
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

  const para = async (contractId: number, code: string) => (await db('contract_paragraphs').where({ contract_id: contractId, code }).first('id')).id as number;
  const open = async (who: Actor, contractId: number, code: string, subject: string, description: string) =>
    (await createTicket(ctx, who, { contract_id: contractId, paragraph_id: await para(contractId, code), contact_phone: '602 123 456', subject, description })).number;

  const n1 = await open(tester, c1.id, 'A1', 'Nefunkční aplikace', 'Dobrý den,\nkiosek na radnici od rána ukazuje chybu „Služba není dostupná“.\nDěkuji, Pavel Tester');
  void n1;
  const n2 = await open(tester, c1.id, 'A2', 'Chyba při ukládání v DMS', 'Nelze mi dnes v 9:00 uložit dokument s názvem faktura1.');
  await acceptTicket(ctx, pokorna, n2, {});

  const n3 = await open(tester, c1.id, 'A1', 'Systém eSSL je nedostupný', 'Od 7:30 se nelze přihlásit do spisové služby.');
  await acceptTicket(ctx, pokorna, n3, {});
  await escalateTicket(ctx, pokorna, n3, { assignee_id: jedlicka.id });
  await addMessage(ctx, jedlicka, n3, { body: 'Dobrý den, na problému pracujeme, ozveme se do hodiny.' });

  const n4 = await open(tester, c2.id, 'A2', 'Tisk štítků nefunguje', 'Tiskárna Zebra netiskne štítky z modulu Sklad.');
  await acceptTicket(ctx, pokorna, n4, {});
  await pauseTicket(ctx, pokorna, n4, { cooperation: 'Prosíme o zaslání snímku obrazovky s chybou a verze ovladače tiskárny.' });

  const n5 = await open(tester, c1.id, 'A2', 'Pomalé načítání úřední desky', 'Úřední deska se načítá přes 30 sekund.');
  await acceptTicket(ctx, pokorna, n5, {});
  await resolveTicket(ctx, pokorna, n5, { resolution: 'Vyčištěna mezipaměť a přidán index do databáze. Načtení nyní trvá pod 1 s.' });
  await logEffort(ctx, pokorna, n5, { minutes: 45, note: 'analýza a oprava indexu' });

  const n6 = await open(tester, c1.id, 'D', 'Dotaz na export do PDF', 'Lze exportovat seznam dokumentů do PDF?');
  await acceptTicket(ctx, jedlicka, n6, {});
  await resolveTicket(ctx, jedlicka, n6, { resolution: 'Ano, v menu Seznam → Export → PDF.' });
  await closeTicket(ctx, jedlicka, n6, {});

  const n7 = await open(tester, c1.id, 'A1', 'Kiosek se restartuje', 'Kiosek v přízemí se každých 10 minut restartuje.');
  await acceptTicket(ctx, pokorna, n7, {});
  await resolveTicket(ctx, pokorna, n7, { resolution: 'Aktualizován firmware kiosku.' });
  await fileComplaint(ctx, tester, n7, { reason: 'Kiosek se restartuje dál, jen méně často.' });

  const n8 = await open(tester, c1.id, 'A1', 'Duplicitní hlášení – kiosek', 'Omlouvám se, zadáno podruhé.');
  await cancelTicket(ctx, pokorna, n8, { reason: 'Duplicitní ticket, řešíme v původním požadavku.' });

  const m1 = await open(novakova, c3.id, 'A1', 'Nelze odeslat datovou zprávu', 'Při odeslání datové zprávy se zobrazí chyba 500.');
  await acceptTicket(ctx, jedlicka, m1, {});
  const m2 = await open(novakova, c3.id, 'A2', 'Chybný tisk podacího archu', 'Na podacím archu chybí čárový kód.');
  await acceptTicket(ctx, jedlicka, m2, {});
  await resolveTicket(ctx, jedlicka, m2, { resolution: 'Opravena šablona podacího archu.' });
  await fileComplaint(ctx, novakova, m2, { reason: 'Čárový kód stále chybí u doporučených zásilek.' });
  await rejectComplaint(ctx, jedlicka, m2, { reason: 'Doporučené zásilky tiskne Česká pošta, ne aplikace.' });
  return true;
}
