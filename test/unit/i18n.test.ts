import { describe, expect, it } from 'vitest';
import { cs } from '../../src/i18n/cs.js';
import { en } from '../../src/i18n/en.js';
import { catalogue, LANGUAGES, pickLanguage } from '../../src/i18n/index.js';
import { translateFields, translateMessage } from '../../src/web/translate.js';

type Kind = 'string' | 'function' | 'array' | 'object' | 'other';
const kindOf = (v: unknown): Kind =>
  typeof v === 'string' ? 'string' : typeof v === 'function' ? 'function' : Array.isArray(v) ? 'array' : v && typeof v === 'object' ? 'object' : 'other';

/** Every leaf path of both catalogues where one lacks the key or has another kind of value. */
function differences(a: unknown, b: unknown, path = ''): string[] {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka !== kb) return [`${path || '(root)'}: ${ka} in cs, ${kb} in en`];
  if (ka === 'array') {
    const la = (a as unknown[]).length;
    const lb = (b as unknown[]).length;
    return la === lb ? [] : [`${path}: ${la} lines in cs, ${lb} in en`];
  }
  if (ka !== 'object') return [];
  const oa = a as Record<string, unknown>;
  const ob = b as Record<string, unknown>;
  const out: string[] = [];
  for (const k of Object.keys(oa)) {
    const p = path ? `${path}.${k}` : k;
    if (!(k in ob)) out.push(`${p}: only in cs`);
    else out.push(...differences(oa[k], ob[k], p));
  }
  for (const k of Object.keys(ob)) if (!(k in oa)) out.push(`${path ? `${path}.${k}` : k}: only in en`);
  return out;
}

describe('the English catalogue', () => {
  it('has exactly the keys of the Czech one, a function where cs has a function and a string where it has a string', () => {
    expect(differences(cs, en)).toEqual([]);
  });

  it('reports a key missing on either side and a function against a string, by path', () => {
    expect(differences({ a: { b: 'x', c: () => 'y' }, d: 'z' }, { a: { b: 'x', c: 'y' }, e: 'z' })).toEqual([
      'a.c: function in cs, string in en',
      'd: only in cs',
      'e: only in en',
    ]);
  });

  it('gives the functions of cs their English texts with the same arguments', () => {
    expect(en.errors.tooLong(500)).toBe('The text is too long (at most 500 characters).');
    expect(en.login.locked(1)).toContain('1 minute.');
    expect(en.passwordLinks.validity(2 * 86_400)).toBe('2 days');
    expect(en.mail.createdBody(7, 'Printer')[1]).toBe('your request “Printer” has been received by helpdesk.tech under number 7.');
  });
});

describe('picking the language', () => {
  it('prefers the user’s choice, then the best of Accept-Language among cs and en, then Czech', () => {
    expect(LANGUAGES).toEqual(['cs', 'en']);
    expect(pickLanguage('en', 'cs')).toBe('en');
    expect(pickLanguage('cs', 'en-GB')).toBe('cs');
    expect(pickLanguage(null, 'en-GB,en;q=0.9')).toBe('en');
    expect(pickLanguage(null, 'de-DE,de;q=0.9,en;q=0.5,cs;q=0.8')).toBe('cs');
    expect(pickLanguage(null, 'de-DE,fr;q=0.5')).toBe('cs');
    expect(pickLanguage(undefined, undefined)).toBe('cs');
    expect(pickLanguage(null, 'en;q=0, cs;q=0')).toBe('cs');
    expect(pickLanguage('xx', 'EN-us')).toBe('en');
    expect(pickLanguage(null, ';;;q=,,en-;q=abc')).toBe('cs');
  });

  it('falls back to the Czech catalogue for an unknown or missing language', () => {
    expect(catalogue('en')).toBe(en);
    expect(catalogue(null)).toBe(cs);
    expect(catalogue('de')).toBe(cs);
  });
});

describe('a use case’s Czech message on an English page', () => {
  it('becomes the same key’s English, a function’s message made again with its arguments', () => {
    expect(translateMessage(cs.errors.required, en)).toBe(en.errors.required);
    expect(translateMessage(cs.errors.tooLong(200), en)).toBe(en.errors.tooLong(200));
    expect(translateMessage(cs.errors.transition(cs.actions.close, cs.states.new), en)).toBe(en.errors.transition(en.actions.close, en.states.new));
    expect(translateFields({ subject: cs.errors.required, email: cs.errors.email }, en)).toEqual({ subject: en.errors.required, email: en.errors.email });
  });

  it('stays as it came when it is not a message of cs.ts, or when the page is Czech', () => {
    expect(translateMessage('Něco úplně jiného.', en)).toBe('Něco úplně jiného.');
    expect(translateMessage(cs.errors.required, cs)).toBe(cs.errors.required);
  });
});

describe('the services’ messages made by functions of cs.ts', () => {
  it('each become the English function’s message with the same arguments', () => {
    const cases: [string, string][] = [
      [cs.login.locked(1), en.login.locked(1)],
      [cs.login.locked(3), en.login.locked(3)],
      [cs.login.locked(15), en.login.locked(15)],
      [cs.errors.tooLong(2000), en.errors.tooLong(2000)],
      [cs.errors.fieldTooLong(100), en.errors.fieldTooLong(100)],
      [cs.errors.fileTooLarge(25), en.errors.fileTooLarge(25)],
      [cs.errors.textTooLong(5000), en.errors.textTooLong(5000)],
      [cs.errors.tooManyFiles(10), en.errors.tooManyFiles(10)],
      [cs.errors.transition(cs.actions.resolve, cs.states.closed), en.errors.transition(en.actions.resolve, en.states.closed)],
      [cs.admin.calendars.savedRecomputed(1), en.admin.calendars.savedRecomputed(1)],
      [cs.admin.calendars.savedRecomputed(7), en.admin.calendars.savedRecomputed(7)],
      [cs.admin.companies.recomputed(2), en.admin.companies.recomputed(2)],
      [cs.admin.users.addressTaken('a@b.cz', 'Alice', 'Alfa', 'A-1'), en.admin.users.addressTaken('a@b.cz', 'Alice', 'Alfa', 'A-1')],
      [cs.admin.users.addressTakenNow('a@b.cz'), en.admin.users.addressTakenNow('a@b.cz')],
      [cs.admin.usersCsv.tooLarge(512), en.admin.usersCsv.tooLarge(512)],
      [cs.admin.usersCsv.tooManyRows(5000), en.admin.usersCsv.tooManyRows(5000)],
      [cs.admin.usersCsv.badHeader('a;b', 'jmeno;email'), en.admin.usersCsv.badHeader('a;b', 'jmeno;email')],
      [cs.admin.migration.invalidJson('Unexpected token'), en.admin.migration.invalidJson('Unexpected token')],
      [cs.overview.notFound('123'), en.overview.notFound('123')],
      [cs.flash.ticketCreated(98001), en.flash.ticketCreated(98001)],
      [cs.admin.calendars.problems.overlap('08:00-12:00', '11:00-13:00'), en.admin.calendars.problems.overlap('08:00-12:00', '11:00-13:00')],
    ];
    for (const [czech, english] of cases) expect(translateMessage(czech, en)).toBe(english);
  });

  it('leaves no plain string of cs.ts in Czech on an English page unless the English is the same', () => {
    const untranslated: string[] = [];
    const walk = (a: unknown, b: unknown, path: string) => {
      if (typeof a === 'string') {
        if (translateMessage(a, en) === a && a !== b) untranslated.push(path);
      } else if (a && typeof a === 'object' && !Array.isArray(a)) {
        for (const [k, v] of Object.entries(a)) walk(v, (b as Record<string, unknown>)[k], `${path}.${k}`);
      }
    };
    walk(cs, en, 'cs');
    expect(untranslated).toEqual([]);
  });
});

describe('a page’s errors of another shape', () => {
  it('keeps what is not a message: arrays, and values that are not strings', () => {
    const rows = [{ line: 2, errors: [cs.errors.required] }];
    expect(translateFields(rows as unknown as Record<string, unknown>, en)).toBe(rows);
    expect(translateFields({ a: cs.errors.required, b: 3, c: null }, en)).toEqual({ a: en.errors.required, b: 3, c: null });
  });
});
