/**
 * Quote stripping for comments from mail (EMAIL.md §4.6). Returns '' when nothing but the quote
 * was there; the caller then keeps the full text (§4.5: never store an empty comment).
 */

// ---------------------------------------------------------------------------------------------
// plain text

/** attribution lines that end the new text (tested on one line, or two/three joined when wrapped) */
const ATTRIBUTION: RegExp[] = [
  /^Dne .+ napsal(?:\(a\))?:$/u, // Thunderbird cs, older Gmail cs, Seznam
  /^.+ odesílatel .+ napsal:$/u, // Gmail cs
  /^On .+ wrote:$/, // Gmail en, Thunderbird en, Apple Mail
  /^Am .+ schrieb.*:$/u, // German clients
];

const SEPARATOR = /^-{2,}\s*(?:Původní e-mail|Původní zpráva|Original Message|Forwarded message|Přeposlaná zpráva)\s*-{2,}$/iu;
const OUTLOOK_FROM = /^\*?(?:Od|From):\*?\s/u;
const OUTLOOK_NEXT = /^\*?(?:Odesláno|Sent|Datum|Date|Komu|To):\*?(?:\s|$)/u;
const UNDERSCORES = /^_{20,}$/;

const isQuoted = (line: string | undefined): boolean => line !== undefined && /^\s*>/.test(line);

function nextNonEmpty(lines: string[], from: number): number {
  let i = from;
  while (i < lines.length && lines[i]!.trim() === '') i++;
  return i;
}

function startsQuote(lines: string[], i: number): boolean {
  const line = lines[i]!.trim();
  if (line === '' || isQuoted(lines[i])) return false;
  if (ATTRIBUTION.some((re) => re.test(line))) return true;
  if (SEPARATOR.test(line)) return true;
  if (OUTLOOK_FROM.test(line)) {
    for (let k = i + 1; k <= i + 4 && k < lines.length; k++) if (OUTLOOK_NEXT.test(lines[k]!.trim())) return true;
  }
  if (UNDERSCORES.test(line)) {
    const k = nextNonEmpty(lines, i + 1);
    if (k <= i + 2 && k < lines.length && /^\*?(?:From|Od):/u.test(lines[k]!.trim())) return true;
  }
  // Gmail wraps a long attribution over two or three lines; accept a joined one only when a
  // quote follows, so ordinary sentences ending in "wrote:" are not cut
  for (const extra of [1, 2]) {
    if (i + extra >= lines.length) break;
    const parts = lines.slice(i, i + extra + 1);
    if (parts.some((p) => p.trim() === '' || isQuoted(p))) break;
    const joined = parts.map((p) => p.trim()).join(' ');
    if (ATTRIBUTION.some((re) => re.test(joined))) {
      const k = nextNonEmpty(lines, i + extra + 1);
      if (k >= lines.length || isQuoted(lines[k])) return true;
    }
  }
  return false;
}

/**
 * The new text of a reply: everything before the first quote marker (Gmail cs/en, Outlook cs/en,
 * Thunderbird, Seznam, `-----Původní zpráva-----`, `On … wrote:`, …), then trailing `>`-quoted
 * and blank lines dropped. '' when nothing is left.
 */
export function stripQuotedText(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let end = lines.length;
  for (let i = 0; i < lines.length; i++) {
    if (startsQuote(lines, i)) {
      end = i;
      break;
    }
  }
  while (end > 0 && (lines[end - 1]!.trim() === '' || isQuoted(lines[end - 1]))) end--;
  const kept = lines.slice(0, end).join('\n').replace(/\s+$/, '');
  return kept.trim() === '' ? '' : kept;
}

// ---------------------------------------------------------------------------------------------
// HTML

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
const RAW_TEXT = new Set(['script', 'style', 'title', 'textarea', 'xmp']);
const TAG = /<!--[\s\S]*?(?:-->|$)|<![^>]*>|<\?[^>]*>|<(\/?)([a-zA-Z][a-zA-Z0-9:-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g;
const ATTR = /([^\s=/"'>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;

function attributes(source: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const m of source.matchAll(ATTR)) {
    const name = (m[1] ?? '').toLowerCase();
    if (!attrs.has(name)) attrs.set(name, m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attrs;
}

function hasClass(attrs: Map<string, string>, cls: string): boolean {
  return (attrs.get('class') ?? '').split(/\s+/).includes(cls);
}

/** §4.6 HTML markers: where the quoted part of a reply begins */
function isQuoteStart(tag: string, attrs: Map<string, string>): boolean {
  const id = (attrs.get('id') ?? '').toLowerCase();
  if (id === 'divrplyfwdmsg' || id === 'appendonsend') return true; // Outlook web / new Outlook
  if (hasClass(attrs, 'moz-cite-prefix')) return true; // Thunderbird
  if (tag === 'div' && hasClass(attrs, 'gmail_quote')) return true; // Gmail
  if (tag === 'blockquote' && (attrs.get('type') ?? '').toLowerCase() === 'cite') return true; // Thunderbird, Apple Mail
  if (tag === 'div') {
    const style = (attrs.get('style') ?? '').toLowerCase();
    if (/border-top\s*:\s*solid\s+#(?:e1e1e1|b5c4df)/.test(style)) return true; // Outlook desktop
  }
  return false;
}

/** drop whitespace, `&nbsp;`, `<br>` and a separating `<hr>` at the end (no backtracking regex on the whole string) */
function trimTrailingBreaks(s: string): string {
  let out = s.trimEnd();
  for (;;) {
    const tail = out.slice(-300);
    const m = /(?:&nbsp;|<br\s*\/?>|<hr\b[^<>]*>)$/i.exec(tail);
    if (!m) return out;
    out = out.slice(0, out.length - m[0].length).trimEnd();
  }
}

const ENTITY = /&(?:nbsp|#160|#xa0);/gi;

/** true when the HTML shows nothing: no text and no image */
function isBlank(html: string): boolean {
  if (/<img\b/i.test(html)) return false;
  const text = html
    .replace(/<(script|style|title)\b[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<[^>]*>/g, '')
    .replace(ENTITY, ' ');
  return text.trim() === '';
}

/**
 * The new part of an HTML reply: cut at the first `div.gmail_quote`, `blockquote[type=cite]`,
 * `#divRplyFwdMsg`, `#appendonsend`, Outlook's `border-top:solid #E1E1E1`/`#B5C4DF` separator div
 * or `.moz-cite-prefix`; a separating `<hr>` and trailing breaks before the cut are dropped and
 * the elements still open are closed. '' when nothing visible is left; the input unchanged when
 * there is no marker.
 */
export function stripQuotedHtml(html: string): string {
  const open: string[] = [];
  let cut = -1;
  TAG.lastIndex = 0;
  for (let m = TAG.exec(html); m !== null; m = TAG.exec(html)) {
    const name = (m[2] ?? '').toLowerCase();
    if (name === '') continue; // comment, doctype, processing instruction
    if (m[1] === '/') {
      const at = open.lastIndexOf(name);
      if (at >= 0) open.length = at;
      continue;
    }
    const attrs = attributes(m[3] ?? '');
    if (isQuoteStart(name, attrs)) {
      cut = m.index;
      break;
    }
    if (RAW_TEXT.has(name)) {
      const close = new RegExp(`</${name}\\s*>`, 'ig');
      close.lastIndex = TAG.lastIndex;
      const c = close.exec(html);
      TAG.lastIndex = c ? close.lastIndex : html.length;
      continue;
    }
    if (!VOID.has(name) && !/\/\s*$/.test(m[3] ?? '')) open.push(name);
  }
  if (cut < 0) return html;
  const head = trimTrailingBreaks(html.slice(0, cut));
  if (isBlank(head)) return '';
  return head + open.reverse().map((t) => `</${t}>`).join('');
}
