import { createRequire } from 'node:module';
import ejs from 'ejs';
import { describe, expect, it } from 'vitest';
import { parseTimestamptz } from '../../src/db/knex.js';
import { escapeHtml } from '../../src/web/escape.js';

// pg's own timestamptz parser (pg-types uses it), untyped
const parsePostgresDate = createRequire(import.meta.url)('postgres-date') as (text: string) => unknown;

/** What pg's own parser gives, for comparison: a Date (by its time), a number (infinity) or null. */
const same = (a: unknown, b: unknown) =>
  a instanceof Date && b instanceof Date ? Object.is(a.getTime(), b.getTime()) : Object.is(a, b);

describe('timestamptz fast path (db/knex.ts)', () => {
  it('reads what pg reads, on edge cases and whatever goes to the slow path', () => {
    const samples = [
      '2026-11-25 08:15:02.123456+00', '2026-11-25 08:15:02+00', '2026-11-25 08:15:02.1+00', '2026-11-25 08:15:02.999999+00',
      '2026-11-25 08:15:02.29+00', '1999-12-31 23:59:59.57+00', '2000-02-29 23:59:59.9995+00', '0100-03-01 00:00:00+00',
      '0400-02-29 12:00:00+00', '1600-02-29 12:00:00.5+00', '1970-01-01 00:00:00+00', '1969-12-31 23:59:59.999999+00',
      // slow path: another zone, years before 100, BC, infinity, odd forms
      '2026-11-25 08:15:02.123+01', '2026-11-25 08:15:02-05:30', '0050-01-01 00:00:00+00', '2026-11-25 08:15:02 BC',
      'infinity', '-infinity', '2026-13-45 08:15:02+00', '2026-11-25 08:15:02.+00', '2026-11-25 08:15:02.12a+00',
      '2026-11-25 08:15:02.1234567+00', '12026-11-25 08:15:02+00', '2026-11-25T08:15:02+00',
    ];
    for (const s of samples) expect(same(parseTimestamptz(s), parsePostgresDate(s)), s).toBe(true);
  });

  it('reads 200,000 random instants of four centuries exactly as pg does', () => {
    for (let i = 0; i < 200_000; i++) {
      const iso = new Date(Date.UTC(1800, 0, 1) + Math.floor(Math.random() * 400 * 365.25 * 86_400_000)).toISOString();
      const micros = String(Math.floor(Math.random() * 1e6)).padStart(6, '0').replace(/0+$/, '');
      const text = `${iso.slice(0, 10)} ${iso.slice(11, 19)}${micros ? `.${micros}` : ''}+00`;
      const [fast, slow] = [parseTimestamptz(text) as Date, parsePostgresDate(text) as Date];
      if (fast.getTime() !== slow.getTime()) expect(fast.getTime(), text).toBe(slow.getTime());
    }
  });
});

describe('HTML escaping (web/escape.ts)', () => {
  it('escapes as EJS does', () => {
    const values = [
      'Nefunkční tisk', '<script>alert("x")</script>', `a & b ' c " d > e < f`, '&&', '<', "'", '"', '>', '&amp;', 'x<', '<x',
      '', 0, 98123, -1.5, true, false, null, undefined, { toString: () => '<b>' }, ['a', '<b>'], '\u0000<\u2028>',
    ];
    for (const v of values) expect(escapeHtml(v), String(v)).toBe(ejs.escapeXML(v as string));
  });
});
