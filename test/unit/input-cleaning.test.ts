import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { boundedInt, INT4_ID, INT4_MAX } from '../../src/domain/numbers.js';
import { cleanStrings, stripControls } from '../../src/domain/text.js';
import { id, optionalEmail, optionalId, optionalText, phone, requiredText, wholeNumber } from '../../src/services/validate.js';

const NOT_NUMBERS = ['Infinity', '-Infinity', 'NaN', '-1', '0', '1e309', '1e3', '0x10', ' 5', '5 ', ' 5 ', '5.5', '+5', '1_000', '١٢', '', '12345678901234567890'];

describe('boundedInt: the one parser of outside numbers', () => {
  it('takes plain decimal digits within the bounds only', () => {
    for (const raw of NOT_NUMBERS) expect(boundedInt(raw, { min: 1, max: Number.MAX_SAFE_INTEGER }), raw).toBeUndefined();
    expect(boundedInt('5', INT4_ID)).toBe(5);
    expect(boundedInt('007', INT4_ID)).toBe(7);
    expect(boundedInt(String(INT4_MAX), INT4_ID)).toBe(INT4_MAX);
    expect(boundedInt(String(INT4_MAX + 1), INT4_ID)).toBeUndefined();
    expect(boundedInt('9007199254740991', { min: 1, max: Number.MAX_SAFE_INTEGER })).toBe(Number.MAX_SAFE_INTEGER);
    // 16 digits above the safe range round, and are still refused
    expect(boundedInt('9007199254740993', { min: 1, max: Number.MAX_SAFE_INTEGER })).toBeUndefined();
    expect(boundedInt(['1', '2'], INT4_ID)).toBeUndefined();
    expect(boundedInt(5, INT4_ID)).toBe(5);
    for (const n of [Infinity, NaN, 5.5, -1, 0, 2 ** 53]) expect(boundedInt(n, INT4_ID), String(n)).toBeUndefined();
  });
});

describe('service schemas', () => {
  it('id accepts plain decimal integers (or safe integers) within int4 only', () => {
    for (const raw of [...NOT_NUMBERS, String(INT4_MAX + 1), Infinity, 1e3 + 0.5, undefined, null, ['1']]) {
      expect(id.safeParse(raw).success, String(raw)).toBe(false);
    }
    expect(id.parse('42')).toBe(42);
    expect(id.parse(42)).toBe(42);
    expect(optionalId.parse('')).toBeUndefined();
    expect(optionalId.parse(undefined)).toBeUndefined();
    expect(optionalId.safeParse('1e3').success).toBe(false);
    expect(wholeNumber(1, 1440, 'm').safeParse('1441').success).toBe(false);
    expect(z.object({ minutes: wholeNumber(1, 1440, 'm') }).parse({ minutes: '90' })).toEqual({ minutes: 90 });
  });

  it('text helpers remove NUL and the other C0 controls but tab and line breaks', () => {
    expect(requiredText(100).parse(' a\u0000b\u0001\tc\r\nd\u001f ')).toBe('ab\tc\nd');
    expect(requiredText(100).safeParse('\u0000\u0000').success).toBe(false);
    expect(optionalText(100).parse('\u0000 ')).toBeUndefined();
    expect(optionalText(100).parse('x\u0000y')).toBe('xy');
    expect(optionalEmail.parse('a\u0000@example.cz')).toBe('a@example.cz');
    expect(phone.parse('602\u0000123456')).toBe('+420602123456');
  });
});

describe('cleanStrings', () => {
  it('cleans strings in place through objects and arrays, leaving buffers, dates and keys', () => {
    const buffer = Buffer.from([0, 1, 2]);
    const date = new Date(0);
    const sparse: string[] = [];
    sparse[1_000_000_000] = 'x\u0000';
    const value = { a: 'a\u0000', list: ['b\u0001', { c: 'c\u001b\n' }], buffer, date, n: 5, 'k\u0000': 'v', sparse };
    expect(cleanStrings(value)).toBe(value);
    expect(value).toMatchObject({ a: 'a', list: ['b', { c: 'c\n' }], n: 5, 'k\u0000': 'v' });
    expect(value.buffer).toBe(buffer);
    expect(value.buffer[0]).toBe(0);
    expect(value.date).toBe(date);
    expect(value.sparse[1_000_000_000]).toBe('x');
    expect(cleanStrings('\u0000')).toBe('');
    expect(stripControls('\t\n\r')).toBe('\t\n\r');
  });
});
