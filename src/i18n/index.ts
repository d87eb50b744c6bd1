import { cs } from './cs.js';
import { en, type Catalogue } from './en.js';

export type { Catalogue };

/** The languages of the portal; the first is the default. */
export const LANGUAGES = ['cs', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

const CATALOGUES: Record<Language, Catalogue> = { cs, en };

export function isLanguage(v: unknown): v is Language {
  return typeof v === 'string' && (LANGUAGES as readonly string[]).includes(v);
}

/** The words of a language; anything unknown (null: never chosen) is Czech. */
export function catalogue(lang: string | null | undefined): Catalogue {
  return isLanguage(lang) ? CATALOGUES[lang] : cs;
}

/**
 * The language to show: the user's choice, else the best of the Accept-Language header among
 * ours (by q, then by order; `en-GB` counts as `en`, `*` as the default), else Czech.
 */
export function pickLanguage(userPref: string | null | undefined, acceptLanguage: string | null | undefined): Language {
  if (isLanguage(userPref)) return userPref;
  let best: Language | null = null;
  let bestQ = 0;
  for (const part of (acceptLanguage ?? '').slice(0, 1000).split(',')) {
    const [range = '', ...params] = part.trim().split(';');
    const tag = range.trim().toLowerCase();
    let q = 1;
    for (const p of params) {
      if (!/^\s*q\s*=/i.test(p)) continue;
      // a weight that is no number counts as none
      const m = /^\s*q\s*=\s*([0-9]+(?:\.[0-9]*)?)\s*$/i.exec(p);
      q = m ? Number(m[1]) : 0;
    }
    if (!(q > 0) || q > 1) continue;
    const primary = tag === '*' ? LANGUAGES[0] : tag.split('-')[0];
    if (!isLanguage(primary)) continue;
    if (q > bestQ) [best, bestQ] = [primary, q];
  }
  return best ?? LANGUAGES[0];
}
