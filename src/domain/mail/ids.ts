/** Message-ID helpers shared by parse.ts and classify.ts (pure). */

function cleanId(id: string): string | null {
  const s = id.replace(/\s+/g, '');
  return s === '' ? null : s;
}

/** The first `<id>` of a header value (or its first token when it has no brackets), without `<>`. */
export function firstMessageId(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const bracketed = /<([^<>]*)>/.exec(value);
  if (bracketed) return cleanId(bracketed[1] ?? '');
  return cleanId(value.trim().split(/[\s,]+/)[0] ?? '');
}

/** Every Message-ID of a header value (References), in order, without `<>`, deduplicated. */
export function messageIds(value: string | null | undefined): string[] {
  if (value === null || value === undefined) return [];
  const found = [...value.matchAll(/<([^<>]*)>/g)].map((m) => cleanId(m[1] ?? ''));
  const ids = found.length > 0 ? found : value.split(/[\s,]+/).map(cleanId);
  const out: string[] = [];
  for (const id of ids) if (id !== null && !out.includes(id)) out.push(id);
  return out;
}

/** The Message-ID in the header block at the start of `data` (an embedded message or text/rfc822-headers). */
export function messageIdInHeaderBlock(data: Buffer | string): string | null {
  const s = typeof data === 'string' ? data.slice(0, 65536) : data.subarray(0, 65536).toString('latin1');
  const end = s.search(/\r?\n\r?\n/);
  const block = (end >= 0 ? s.slice(0, end) : s).replace(/\r?\n[ \t]+/g, ' ');
  const m = /^message-id:[ \t]*(.*)$/im.exec(block);
  return m ? firstMessageId(m[1] ?? '') : null;
}
