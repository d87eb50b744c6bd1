import { describe, expect, it } from 'vitest';
import { cleanTitle, EMPTY_TITLE, parseMail, ticketCandidates } from '../../../src/domain/mail/index.js';
import { parsed } from './helpers.js';

describe('ticketCandidates', () => {
  it.each<[string, number[]]>([
    ['Re: [98570] Nefunkční aplikace', [98570]],
    ['RE: #98570', [98570]],
    ['Odp: Ticket 98570', [98570]],
    ['Fw: Požadavek č. 98570', [98570]],
    ['FW: Re: Ticket: 98570', [98570]],
    ['Re: [#98570] Application error', [98570]],
    ['Re: Požadavek č.98570 - pomalé VPN', [98570]],
    ['Incident#98571 a tiket 98572', [98571, 98572]],
    ['TICKET #98570', [98570]],
    ['[ 98570 ] mezery uvnitř závorek', [98570]],
    ['Nefunkční aplikace 98570', [98570]],
  ])('%s → %j', (subject, expected) => {
    expect(ticketCandidates(subject)).toEqual(expected);
  });

  it('orders by pattern priority, not by position: [id], [#id], #id, Ticket id, bare number', () => {
    expect(ticketCandidates('Objednávka 4455123 k tiketu Ticket 98573, viz #98572, [#98571] a [98570]')).toEqual([98570, 98571, 98572, 98573, 4455123]);
  });

  it('deduplicates, keeping the first occurrence', () => {
    expect(ticketCandidates('Re: [98570] Re: #98570 Ticket 98570 / 98570 / [98571] 98571')).toEqual([98570, 98571]);
  });

  it('never takes a 4-digit year, even when the width allows 4 digits', () => {
    expect(ticketCandidates('Faktura 2026 za březen')).toEqual([]);
    expect(ticketCandidates('Termín 16.03.2026, 2026-03-16')).toEqual([]);
    expect(ticketCandidates('Uzávěrka 2026, zakázka 4455', { min: 4, max: 8 })).toEqual([4455]);
  });

  it('respects the configured width and ignores longer numbers, numbers inside words and leading zeros', () => {
    expect(ticketCandidates('Tel. 602123456 a IČO 12345678')).toEqual([12345678]);
    expect(ticketCandidates('Objednávka ABC98570 a č98571 a 98572x')).toEqual([]);
    expect(ticketCandidates('[012345] a 00123')).toEqual([]);
    expect(ticketCandidates('[1234] Ticket 123', { min: 3, max: 4 })).toEqual([1234, 123]);
    expect(ticketCandidates('[98570] 1234567', { min: 6, max: 7 })).toEqual([1234567]);
  });

  it('is empty for a subject without numbers', () => {
    expect(ticketCandidates('Nefunkční aplikace')).toEqual([]);
    expect(ticketCandidates('')).toEqual([]);
  });

  it('finds a tag that only exists after parseMail decoded the encoded-word (=5B98570=5D)', async () => {
    const m = await parseMail(Buffer.from('From: jan.novak@firma.cz\nSubject: =?utf-8?Q?=5B98570=5D?=\n\ntext\n'));
    expect(m.subject).toBe('[98570]');
    expect(ticketCandidates(m.subject)).toEqual([98570]);
    expect(ticketCandidates((await parsed('encoded-word-ticket-tag.eml')).subject)).toEqual([98570]);
  });

  it('finds the tags of the corpus replies', async () => {
    expect(ticketCandidates((await parsed('gmail-cs-reply-with-quote.eml')).subject)).toEqual([98570]);
    expect(ticketCandidates((await parsed('outlook-cs-html-only.eml')).subject)).toEqual([98570]);
    expect(ticketCandidates((await parsed('outlook-en-reply.eml')).subject)).toEqual([98570]);
    expect(ticketCandidates((await parsed('thunderbird-reply.eml')).subject)).toEqual([98570]);
    expect(ticketCandidates((await parsed('no-message-id.eml')).subject)).toEqual([]);
  });
});

describe('cleanTitle', () => {
  it.each<[string, string]>([
    ['Re: [98570] Nefunkční aplikace', '[98570] Nefunkční aplikace'],
    ['RE: #98570', '#98570'],
    ['Odp: Ticket 98570', 'Ticket 98570'],
    ['Fw: Požadavek č. 98570', 'Požadavek č. 98570'],
    ['FW: Re: Ticket: 98570', 'Ticket: 98570'],
    ['Fwd: FWD: re: Objednávka servisu', 'Objednávka servisu'],
    ['Př: PŘ: Odp: AW: WG: Faktura za březen', 'Faktura za březen'],
    ['Re[2]: Re(3): Faktura', 'Faktura'],
    ['RE : Faktura', 'Faktura'],
    ['Re:Re:Faktura', 'Faktura'],
    ['[99999] unknown tag kept in title', '[99999] unknown tag kept in title'],
    ['Re: [99999] Nefunkční tisk', '[99999] Nefunkční tisk'],
    ['Automatická odpověď: Re: Nefunkční tisk', 'Automatická odpověď: Re: Nefunkční tisk'],
    ['Reklamace: vadný toner', 'Reklamace: vadný toner'],
    ['Fwdx: test', 'Fwdx: test'],
    ['   Nefunkční \t aplikace \n Docházka  ', 'Nefunkční aplikace Docházka'],
    ['Faktura\u0000\u0007 březen', 'Faktura březen'],
  ])('%j → %j', (subject, title) => {
    expect(cleanTitle(subject)).toBe(title);
  });

  it.each(['', '   ', 'Re:', 'RE: Fw: '])('%j becomes (bez předmětu)', (subject) => {
    expect(cleanTitle(subject)).toBe(EMPTY_TITLE);
    expect(EMPTY_TITLE).toBe('(bez předmětu)');
  });

  it('cuts to 255 characters without splitting a surrogate pair', () => {
    expect(cleanTitle('ž'.repeat(300))).toBe('ž'.repeat(255));
    const emoji = cleanTitle('😀'.repeat(300));
    expect(Array.from(emoji)).toHaveLength(255);
    expect(emoji).toBe('😀'.repeat(255));
  });

  it('gives the titles of the corpus requests', async () => {
    expect(cleanTitle((await parsed('forwarded-request.eml')).subject)).toBe('Objednávka servisu tiskárny');
    expect(cleanTitle((await parsed('rfc822-attached.eml')).subject)).toBe('Faktura za březen');
    expect(cleanTitle((await parsed('multi-charset-encoded-words.eml')).subject)).toBe('Žádost o přístup do systému Helios');
    expect(cleanTitle((await parsed('outlook-cs-html-only.eml')).subject)).toBe('Ticket 98570 – Nefunkční tisk');
  });
});
