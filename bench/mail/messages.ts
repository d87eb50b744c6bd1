/**
 * Real-shaped inbound mail for the mail benchmark: Czech senders and subjects, text or
 * text+HTML bodies, some small attachments, some replies (In-Reply-To an earlier message of the
 * same sender), some auto-replies and some mail from unknown senders. Deterministic (seeded).
 */
import MailComposer from 'nodemailer/lib/mail-composer/index.js';

export interface Sender {
  name: string;
  address: string;
  /** authorised for the helpdesk (seeded) or a stranger */
  known: boolean;
}

export interface Generated {
  raw: Buffer;
  messageId: string;
  sender: Sender;
  kind: 'new' | 'reply' | 'auto_reply' | 'stranger';
  attachment: boolean;
}

const FIRST = ['Jan', 'Petr', 'Jana', 'Marie', 'Tomáš', 'Lucie', 'Martin', 'Eva', 'Jiří', 'Kateřina', 'Pavel', 'Zuzana', 'Lukáš', 'Veronika', 'Ondřej'];
const LAST = ['Novák', 'Svoboda', 'Dvořák', 'Černý', 'Procházka', 'Kučera', 'Veselý', 'Horák', 'Němec', 'Marek', 'Pokorný', 'Růžička', 'Beneš', 'Fiala', 'Šimek'];
const SUBJECTS = [
  'Nefunkční aplikace',
  'Chyba při tisku faktur',
  'Nelze se přihlásit do systému',
  'Požadavek na nového uživatele',
  'Pomalé načítání přehledu zakázek',
  'Export do Excelu nefunguje',
  'Dotaz k licenci – prodloužení',
  'Objednávka: rozšíření o modul Sklad',
  'Upozornění: chybná DPH na dokladu',
  'Žádost o změnu oprávnění (účetní)',
  'Synchronizace s bankou selhává',
  'Výpadek VPN v pobočce Ostrava',
  'Prosba o konzultaci – uzávěrka měsíce',
  'Nová tiskárna – nastavení ovladače',
  'Záloha databáze skončila chybou',
];
const LINES = [
  'Dobrý den,',
  'od rána nám nefunguje tisk faktur, aplikace hlásí chybu „Přístup odepřen“.',
  'Prosím o prověření co nejdříve, účtárna stojí.',
  'Stejný problém má i kolegyně z vedlejší kanceláře.',
  'Zkoušeli jsme restart počítače i aplikace, bez výsledku.',
  'V příloze posílám snímek obrazovky s chybovou hláškou.',
  'Potřebovali bychom to vyřešit do konce týdne kvůli uzávěrce.',
  'Děkuji za rychlou odpověď.',
];

/** xorshift32, deterministic */
function rng(seed: number) {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const strip = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();

export function senders(known: number, strangers: number): Sender[] {
  const out: Sender[] = [];
  for (let i = 0; i < known + strangers; i++) {
    const first = FIRST[i % FIRST.length] as string;
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length] as string;
    const k = i < known;
    const domain = k ? `firma${(i % 10) + 1}.example` : `neznamy${i}.example`;
    out.push({ name: `${first} ${last}`, address: `${strip(first)}.${strip(last)}${i}@${domain}`, known: k });
  }
  return out;
}

/** `count` messages; `known` senders are the authorised ones (index = company via i % 10). */
export async function generateMessages(count: number, people: Sender[], seed = 42): Promise<Generated[]> {
  const r = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)] as T;
  const knownPeople = people.filter((p) => p.known);
  const strangers = people.filter((p) => !p.known);
  const lastOf = new Map<string, { id: string; subject: string }>();
  const out: Generated[] = [];
  const base = Date.UTC(2026, 10, 2, 7, 0, 0);
  for (let i = 0; i < count; i++) {
    const roll = r();
    let kind: Generated['kind'] = roll < 0.05 ? 'stranger' : roll < 0.08 ? 'auto_reply' : roll < 0.28 ? 'reply' : 'new';
    const sender = kind === 'stranger' && strangers.length ? pick(strangers) : pick(knownPeople);
    if (kind === 'stranger' && !strangers.length) kind = 'new';
    const prev = lastOf.get(sender.address);
    if (kind === 'reply' && !prev) kind = 'new';
    const messageId = `<bench.${i}.${Math.floor(r() * 1e9).toString(36)}@${sender.address.split('@')[1]}>`;
    let subject = `${pick(SUBJECTS)} (${1000 + i})`;
    const headers: Record<string, string> = {};
    let inReplyTo: string | undefined;
    if (kind === 'reply' && prev) {
      subject = `Re: ${prev.subject}`;
      inReplyTo = prev.id;
    } else if (kind === 'auto_reply') {
      subject = `Automatická odpověď: ${pick(SUBJECTS)}`;
      headers['Auto-Submitted'] = 'auto-replied';
      headers['X-Autoreply'] = 'yes';
    }
    const lines = [LINES[0] as string];
    const n = 2 + Math.floor(r() * 4);
    for (let j = 0; j < n; j++) lines.push(pick(LINES.slice(1)));
    lines.push('', 'S pozdravem', sender.name, 'tel. +420 603 123 456');
    if (kind === 'reply' && prev) lines.push('', `Dne 2. 11. 2026 v 9:00 helpdesk napsal(a):`, `> ${prev.subject}`, '> Děkujeme za Váš požadavek.');
    const text = lines.join('\n');
    const attachment = kind !== 'auto_reply' && r() < 0.15;
    const attachments = attachment
      ? [
          {
            filename: pick(['snimek-obrazovky.png', 'chyba.pdf', 'faktura-2026-0815.pdf', 'výpis logu.txt']),
            content: Buffer.from(Array.from({ length: 2048 + Math.floor(r() * 18_000) }, () => Math.floor(r() * 256))),
          },
        ]
      : undefined;
    const html = r() < 0.5 ? `<html><body>${lines.map((l) => `<p>${l.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p>`).join('')}</body></html>` : undefined;
    const raw = await new MailComposer({
      from: { name: sender.name, address: sender.address },
      to: 'helpdesk.tech@seyfor.com',
      subject,
      text,
      html,
      messageId,
      inReplyTo,
      references: inReplyTo ? [inReplyTo] : undefined,
      date: new Date(base + i * 37_000),
      headers,
      attachments,
    })
      .compile()
      .build();
    if (kind === 'new') lastOf.set(sender.address, { id: messageId, subject });
    out.push({ raw, messageId, sender, kind, attachment });
  }
  return out;
}
