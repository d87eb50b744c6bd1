/**
 * HTML escaping of `<%= %>` output, as EJS's own escapeXML (& < > " ' become &amp; &lt; &gt;
 * &#34; &#39;; null and undefined print nothing), without a regular expression replace for
 * text that has nothing to escape, which is most of a page's values.
 */
const SPECIAL = /[&<>"']/;

export function escapeHtml(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = typeof value === 'string' ? value : String(value);
  const first = text.search(SPECIAL);
  if (first < 0) return text;
  let out = text.slice(0, first);
  let last = first;
  for (let i = first; i < text.length; i++) {
    let entity: string;
    switch (text.charCodeAt(i)) {
      case 38: entity = '&amp;'; break;
      case 60: entity = '&lt;'; break;
      case 62: entity = '&gt;'; break;
      case 34: entity = '&#34;'; break;
      case 39: entity = '&#39;'; break;
      default: continue;
    }
    if (last < i) out += text.slice(last, i);
    out += entity;
    last = i + 1;
  }
  return last < text.length ? out + text.slice(last) : out;
}
