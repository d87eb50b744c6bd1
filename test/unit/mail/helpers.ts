import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseMail, type ParsedMail } from '../../../src/domain/mail/index.js';

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/mail');

export const OWN = { helpdeskAddress: 'helpdesk.tech@seyfor.com', messageIdDomain: 'helpdesk.seyfor.com' } as const;
export const TRUSTED = 'mx.seyfor.com';
/** Message-ID of our notification for ticket 98570 that the replies in the corpus answer */
export const NOTIFICATION_98570 = 'ticket-98570.1773648720.ab12@helpdesk.seyfor.com';

export function fixtureNames(): string[] {
  return readdirSync(FIXTURES).filter((f) => f.endsWith('.eml')).sort();
}

export function raw(name: string): Buffer {
  return readFileSync(path.join(FIXTURES, name));
}

const cache = new Map<string, Promise<ParsedMail>>();
/** parsed once per test file; tests must not mutate the result (use clone()) */
export function parsed(name: string): Promise<ParsedMail> {
  let p = cache.get(name);
  if (!p) {
    p = parseMail(raw(name));
    cache.set(name, p);
  }
  return p;
}

/** a deep copy to tweak a single field for a rule-isolation test */
export function clone(m: ParsedMail, patch: (c: ParsedMail) => void): ParsedMail {
  const c: ParsedMail = {
    ...m,
    from: { ...m.from },
    headers: { ...m.headers, contentType: { value: m.headers.contentType.value, params: { ...m.headers.contentType.params } } },
    to: [...m.to],
    cc: [...m.cc],
    references: [...m.references],
    authResults: [...m.authResults],
    attachments: m.attachments.map((a) => ({ ...a })),
    skipped: m.skipped.map((s) => ({ ...s })),
    dsn: m.dsn ? { ...m.dsn } : null,
  };
  patch(c);
  return c;
}
