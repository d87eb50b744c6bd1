import { cs } from '../i18n/cs.js';
import type { Catalogue } from '../i18n/index.js';

/*
 * The use cases refuse input with Czech messages taken from cs.ts (services know no request, so
 * no language). A page in another language shows them in its catalogue: a message that is a
 * string of cs.ts becomes the same key's string, one made by a function of cs.ts (e.g.
 * errors.tooLong(500)) is matched against the function's text with its arguments as holes and
 * made again by the same key's function with the arguments found (themselves translated when
 * they are catalogue words, such as a state's name). Anything else is shown as it came.
 */

type Path = readonly string[];
const HOLE = (i: number) => `\u0001${i}\u0001`;
const MIN_LITERAL = 6;

const exact = new Map<string, Path>();
/** order: the argument each group of the pattern captures (a text may name its arguments in another order) */
const patterns: { path: Path; re: RegExp; holes: number; order: number[] }[] = [];
/** functions of numbers only (their text may depend on the number: plurals), tried with the message's numbers */
const numeric: { path: Path; fn: (...a: number[]) => unknown }[] = [];

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function index(node: unknown, path: Path): void {
  if (typeof node === 'string') {
    if (!exact.has(node)) exact.set(node, path);
  } else if (typeof node === 'function') {
    const holes = node.length;
    if (holes === 0) return;
    numeric.push({ path, fn: node as (...a: number[]) => unknown });
    let text: unknown;
    try {
      text = (node as (...a: string[]) => unknown)(...Array.from({ length: holes }, (_, i) => HOLE(i)));
    } catch {
      return;
    }
    if (typeof text !== 'string') return;
    const literal = text.replace(/\u0001\d+\u0001/g, '');
    if (literal.replace(/[^\p{L}]/gu, '').length < MIN_LITERAL) return;
    // each argument must appear once for it to be found again
    const order = [...text.matchAll(/\u0001(\d+)\u0001/g)].map((m) => Number(m[1]));
    if (order.length !== holes || new Set(order).size !== holes) return;
    const re = new RegExp(`^${text.split(/\u0001\d+\u0001/).map(escapeRe).join('(.+?)')}$`, 's');
    patterns.push({ path, re, holes, order });
  } else if (node && typeof node === 'object' && !Array.isArray(node)) {
    for (const [k, v] of Object.entries(node)) index(v, [...path, k]);
  }
}
index(cs, []);

function at(t: Catalogue, path: Path): unknown {
  let node: unknown = t;
  for (const k of path) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[k] : undefined;
  return node;
}

function word(message: string, t: Catalogue): string {
  const path = exact.get(message);
  const found = path && at(t, path);
  return typeof found === 'string' ? found : message;
}

/** A Czech message of cs.ts in the catalogue `t` (as it came when it is not one of cs.ts). */
export function translateMessage(message: string, t: Catalogue): string {
  if ((t as unknown) === cs || typeof message !== 'string') return message;
  const path = exact.get(message);
  if (path) return word(message, t);
  // a message made from numbers: the same numbers, in order, made again by a function of cs.ts
  const numbers = (message.match(/\d+/g) ?? []).map(Number);
  if (numbers.length > 0) {
    for (const f of numeric) {
      if (f.fn.length > numbers.length) continue;
      const args = numbers.slice(0, f.fn.length);
      let made: unknown;
      try {
        made = f.fn(...args);
      } catch {
        continue;
      }
      if (made !== message) continue;
      const fn = at(t, f.path);
      if (typeof fn === 'function') {
        const out = (fn as (...a: number[]) => unknown)(...args);
        if (typeof out === 'string') return out;
      }
    }
  }
  for (const p of patterns) {
    const m = p.re.exec(message);
    if (!m) continue;
    const fn = at(t, p.path);
    if (typeof fn !== 'function') continue;
    const args: unknown[] = [];
    p.order.forEach((arg, group) => {
      const a = m[group + 1]!;
      args[arg] = /^\d+$/.test(a) ? Number(a) : word(a, t);
    });
    try {
      const out = (fn as (...a: unknown[]) => unknown)(...args);
      if (typeof out === 'string') return out;
    } catch {
      // a function whose argument was not what the text suggested: keep the message
    }
  }
  return message;
}

/** Every message of a refused form in the catalogue `t`. */
export function translateFields<T extends Record<string, unknown>>(fields: T, t: Catalogue): T {
  if ((t as unknown) === cs || Array.isArray(fields)) return fields;
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, typeof v === 'string' ? translateMessage(v, t) : v])) as T;
}
