/**
 * Subject analysis: ticket-id candidates (EMAIL.md §4.3.2) and the title of a new ticket (§4.4).
 * The subject must already be decoded (parseMail does that: a tag may sit in an encoded-word).
 */

export interface DigitRange {
  min: number;
  max: number;
}

const DEFAULT_DIGITS: DigitRange = { min: 5, max: 8 };

const BEFORE = '(?<![\\p{L}\\p{N}_])';
const AFTER = '(?![\\p{L}\\p{N}_])';

function isYear(s: string): boolean {
  return s.length === 4 && /^(19|20)\d\d$/.test(s);
}

/**
 * Ticket-id candidates from a subject, in priority order (§4.3.2): `[98570]`, `[#98570]`,
 * `#98570`, `Ticket|Tiket|Požadavek|Incident` + optional `č.`/`#`/`:` + id, then bare numbers of
 * `digits` width. Leading zeros never form an id; 4-digit years (1900–2099) never qualify as bare
 * numbers. Deduplicated, first occurrence kept. Existence and ownership are the caller's checks.
 */
export function ticketCandidates(subject: string, digits: DigitRange = DEFAULT_DIGITS): number[] {
  const min = Math.max(1, Math.floor(digits.min));
  const max = Math.max(min, Math.floor(digits.max));
  const id = `([1-9]\\d{${min - 1},${max - 1}})(?!\\d)`;
  const patterns: { re: RegExp; bare?: boolean }[] = [
    { re: new RegExp(`\\[\\s*${id}\\s*\\]`, 'gu') },
    { re: new RegExp(`\\[\\s*#\\s*${id}\\s*\\]`, 'gu') },
    { re: new RegExp(`(?<![\\p{L}\\p{N}_&])#${id}`, 'gu') },
    { re: new RegExp(`${BEFORE}(?:ticket|tiket|požadavek|incident)\\s*(?:č\\.|#|:)?\\s*${id}`, 'giu') },
    { re: new RegExp(`${BEFORE}(?<!\\d)${id}${AFTER}`, 'gu'), bare: true },
  ];
  const out: number[] = [];
  for (const { re, bare } of patterns) {
    for (const m of subject.matchAll(re)) {
      const digitsText = m[1];
      if (!digitsText || (bare && isYear(digitsText))) continue;
      const n = Number(digitsText);
      if (Number.isSafeInteger(n) && !out.includes(n)) out.push(n);
    }
  }
  return out;
}

/** `Re:`, `RE:`, `Fw:`, `FW:`, `Fwd:`, `Odp:`, `Př:`, `AW:`, `WG:` and counted forms like `Re[2]:` */
const REPLY_PREFIX = /^(?:re|fw|fwd|odp|př|aw|wg)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*/iu;

export const EMPTY_TITLE = '(bez předmětu)';
const MAX_TITLE = 255;

/**
 * The title of a ticket created from mail (§4.4): whitespace collapsed, leading reply/forward
 * prefixes stripped repeatedly, other tags (`[99999]`) kept, at most 255 characters,
 * `(bez předmětu)` when nothing is left.
 */
export function cleanTitle(subject: string): string {
  // eslint-disable-next-line no-control-regex
  let s = subject.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim();
  for (;;) {
    const next = s.replace(REPLY_PREFIX, '');
    if (next === s) break;
    s = next.trim();
  }
  const chars = Array.from(s);
  if (chars.length > MAX_TITLE) s = chars.slice(0, MAX_TITLE).join('').trimEnd();
  return s === '' ? EMPTY_TITLE : s;
}
