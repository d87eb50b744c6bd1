import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dedupeKey, parseMail } from '../../../src/domain/mail/index.js';
import { clone, fixtureNames, parsed, raw } from './helpers.js';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** the same message as delivered by another route: other trace headers on top */
function redelivered(name: string): Buffer {
  const text = raw(name).toString('latin1').replace(/^Return-Path: .*\r?\n/m, '');
  const trace = [
    'Return-Path: <bounces+srs=jan.novak=firma.cz@preposilac.example>',
    'Delivered-To: helpdesk.tech@seyfor.com',
    'X-Original-To: podpora@seyfor.com',
    'Received: from relay.preposilac.example (relay.preposilac.example [198.51.100.150])',
    '\tby mx2.seyfor.com (Postfix) with ESMTPS id 9ZzZ9; Mon, 16 Mar 2026 08:20:00 +0100 (CET)',
    '',
  ].join('\n');
  return Buffer.from(trace + text, 'latin1');
}

describe('dedupeKey', () => {
  it('is mid:<Message-ID>|sha256(lower(from), Date ISO, subject)', async () => {
    const m = await parsed('new-request-plain.eml');
    expect(dedupeKey(m)).toBe(`mid:a1b2c3d4-0001@mail.firma.cz|${sha256(JSON.stringify(['jan.novak@firma.cz', '2026-03-16T07:14:55.000Z', 'Nefunkční aplikace Docházka']))}`);
  });

  it('gives the same key when the same message is parsed twice', async () => {
    for (const name of ['new-request-plain.eml', 'no-message-id.eml', 'winmail-dat-tnef.eml', 'outlook-cs-html-only.eml']) {
      expect(dedupeKey(await parseMail(raw(name))), name).toBe(dedupeKey(await parseMail(raw(name))));
    }
  });

  it('ignores trace headers: other Received, Return-Path, Delivered-To, X-Original-To give the same key', async () => {
    for (const name of ['new-request-plain.eml', 'no-message-id.eml']) {
      const again = await parseMail(redelivered(name));
      expect(again.headers.returnPath).toBe('<bounces+srs=jan.novak=firma.cz@preposilac.example>');
      expect(dedupeKey(again), name).toBe(dedupeKey(await parsed(name)));
    }
  });

  it('gives a different key for the same Message-ID with another From, Date or Subject', async () => {
    const m = await parsed('new-request-plain.eml');
    const key = dedupeKey(m);
    const otherFrom = clone(m, (c) => (c.from = { address: 'petra.svobodova@seznam.cz', raw: 'petra.svobodova@seznam.cz', count: 1 }));
    const otherSubject = clone(m, (c) => (c.subject = 'Nefunkční aplikace Mzdy'));
    const otherDate = clone(m, (c) => (c.date = new Date('2026-03-16T07:14:56.000Z')));
    for (const other of [otherFrom, otherSubject, otherDate]) {
      const k = dedupeKey(other);
      expect(k.startsWith('mid:a1b2c3d4-0001@mail.firma.cz|')).toBe(true);
      expect(k).not.toBe(key);
    }
    // the same from the raw bytes: only the Subject line differs
    const changed = raw('new-request-plain.eml').toString('utf8').replace(/^Subject: .*$/m, 'Subject: Jiný předmět');
    expect(dedupeKey(await parseMail(Buffer.from(changed)))).not.toBe(key);
  });

  it('treats the From address case-insensitively', async () => {
    const m = await parsed('new-request-plain.eml');
    expect(m.from.raw).toContain('Jan.Novak@Firma.cz');
    const lower = raw('new-request-plain.eml').toString('utf8').replace('Jan.Novak@Firma.cz', 'jan.novak@firma.cz');
    expect(dedupeKey(await parseMail(Buffer.from(lower)))).toBe(dedupeKey(m));
  });

  it('fingerprints a message without Message-ID from from, to, date, subject, text and attachment hashes', async () => {
    const m = await parsed('no-message-id.eml');
    const key = dedupeKey(m);
    expect(key).toMatch(/^fp:[0-9a-f]{64}$/);
    const pdf = m.attachments[0]!;
    const expected = sha256(JSON.stringify(['skener@firma.cz', ['helpdesk.tech@seyfor.com'], '2026-03-18T09:00:00.000Z', 'Scan from KM-C3351 2026-03-18', m.text, [createHash('sha256').update(pdf.data).digest('hex')]]));
    expect(key).toBe(`fp:${expected}`);
    expect(dedupeKey(clone(m, (c) => (c.text = `${c.text} `)))).not.toBe(key);
    expect(dedupeKey(clone(m, (c) => (c.attachments = [{ ...pdf, data: Buffer.concat([pdf.data, Buffer.from('x')]) }])))).not.toBe(key);
    expect(dedupeKey(clone(m, (c) => (c.to = ['podpora@seyfor.com'])))).not.toBe(key);
  });

  it('gives every corpus message its own key', async () => {
    const keys = new Set<string>();
    for (const name of fixtureNames()) keys.add(dedupeKey(await parsed(name)));
    expect(keys.size).toBe(fixtureNames().length);
  });
});
