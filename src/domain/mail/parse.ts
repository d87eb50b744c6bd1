/**
 * Raw RFC 5322 message → ParsedMail (EMAIL.md §3, §4.4, §4.7). Uses mailparser's simpleParser
 * with `keepCidLinks`; no database, network or clock (a missing or broken Date stays `null`,
 * where mailparser would substitute "now").
 */
import { simpleParser, type AddressObject, type Attachment, type EmailAddress, type HeaderLines, type HeaderValue } from 'mailparser';
import { convert } from 'html-to-text';
import { ensureEml, fallbackName, isTnef, sanitizeFileName, typeForName } from './attachments.js';
import { firstMessageId, messageIdInHeaderBlock, messageIds } from './ids.js';
import { unpackTnef } from './tnef.js';
import { cleanStrings } from '../../domain/text.js';
import type { ContentTypeHeader, DeliveryStatus, MailAttachment, MailHeaders, ParsedMail, SkippedPart } from './types.js';

/** The message cannot be parsed at all; the ingestion quarantines it and keeps the raw mail. */
export class MailParseError extends Error {
  readonly reason: string;
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`cannot parse e-mail: ${reason}`, options);
    this.name = 'MailParseError';
    this.reason = reason;
  }
}

type MpMail = Awaited<ReturnType<typeof simpleParser>>;

const PARSER_OPTIONS = {
  keepCidLinks: true,
  // HTML-only mail is converted by us (images skipped, links kept, no wrapping)
  skipHtmlToText: true,
  // the delivery-status part of a DSN becomes an attachment we read (and drop), not body text
  keepDeliveryStatus: true,
} as const;

export async function parseMail(raw: Buffer): Promise<ParsedMail> {
  if (!Buffer.isBuffer(raw)) throw new MailParseError('input is not a Buffer');
  if (raw.length <= 4096 && /^[\s\0]*$/.test(raw.toString('latin1'))) {
    throw new MailParseError('empty message');
  }
  let mail: MpMail;
  try {
    mail = await simpleParser(raw, PARSER_OPTIONS);
  } catch (err) {
    throw new MailParseError(err instanceof Error ? err.message : String(err), { cause: err });
  }
  try {
    // every text of the result (subject, names, body, file names, ids) loses NUL and the other C0
    // controls but tab and line breaks: PostgreSQL refuses NUL in text (domain/text.ts)
    return cleanStrings(await analyse(raw, mail));
  } catch (err) {
    if (err instanceof MailParseError) throw err;
    throw new MailParseError(err instanceof Error ? err.message : String(err), { cause: err });
  }
}

async function analyse(raw: Buffer, mail: MpMail): Promise<ParsedMail> {
  const lines: HeaderLines = mail.headerLines ?? [];
  const headers = mail.headers ?? new Map<string, HeaderValue>();
  if (lines.length === 0 && (mail.text ?? '').trim() === '' && mail.attachments.length === 0) {
    throw new MailParseError('no headers and no body');
  }

  const fromAddresses = addressList(headers.get('from'));
  const validFrom = fromAddresses.length === 1 && isAddrSpec(fromAddresses[0]!) ? fromAddresses[0]!.toLowerCase() : null;
  const fromObj = headers.get('from');
  const fromRaw = isAddressObject(fromObj) ? fromObj.text : (first(lines, 'from') ?? '');

  const html = typeof mail.html === 'string' ? mail.html : null;
  let text = (mail.text ?? '').replace(/\r\n?/g, '\n');
  if (text.trim() === '' && html !== null) text = htmlToPlain(html);

  const contentType = topContentType(headers.get('content-type'));
  const parts = await collectParts(raw, mail);
  const { attachments, skipped, deliveryStatus } = buildAttachments(parts, html);

  const isReport = contentType.value === 'multipart/report' && (contentType.params['report-type'] ?? '').toLowerCase() === 'delivery-status';
  const dsn: DeliveryStatus | null = isReport || deliveryStatus !== null ? {
    originalMessageId: originalMessageIdFromParts(parts),
    status: deliveryStatus ? statusFromDeliveryStatus(deliveryStatus) : null,
  } : null;

  return {
    messageId: firstMessageId(first(lines, 'message-id')),
    from: { address: validFrom, raw: fromRaw.trim(), count: fromAddresses.length },
    to: addressList(headers.get('to')).map((a) => a.toLowerCase()),
    cc: addressList(headers.get('cc')).map((a) => a.toLowerCase()),
    subject: collapse(typeof mail.subject === 'string' ? mail.subject : ''),
    date: parseDate(first(lines, 'date')),
    inReplyTo: firstMessageId(first(lines, 'in-reply-to')),
    references: messageIds(first(lines, 'references')),
    headers: mailHeaders(lines, contentType),
    authResults: all(lines, 'authentication-results'),
    text,
    html,
    attachments,
    skipped,
    dsn,
  };
}

// ---------------------------------------------------------------------------------------------
// headers

/** unfolded, trimmed value of a raw header line `Name: value` */
function headerValue(line: string): string {
  const colon = line.indexOf(':');
  return line.slice(colon + 1).replace(/\r?\n[ \t]+/g, ' ').replace(/[\r\n]+/g, ' ').trim();
}

function all(lines: HeaderLines, key: string): string[] {
  return lines.filter((l) => l.key === key).map((l) => headerValue(l.line));
}

function first(lines: HeaderLines, ...keys: string[]): string | null {
  for (const l of lines) if (keys.includes(l.key)) return headerValue(l.line);
  return null;
}

function mailHeaders(lines: HeaderLines, contentType: ContentTypeHeader): MailHeaders {
  return {
    autoSubmitted: first(lines, 'auto-submitted'),
    precedence: first(lines, 'precedence'),
    xAutoreply: first(lines, 'x-autoreply', 'x-autorespond', 'x-autoreply-from'),
    listId: first(lines, 'list-id'),
    listUnsubscribe: first(lines, 'list-unsubscribe'),
    returnPath: first(lines, 'return-path'),
    xHelpdeskTicket: first(lines, 'x-helpdesk-ticket'),
    contentType,
  };
}

function topContentType(value: HeaderValue | undefined): ContentTypeHeader {
  if (value && typeof value === 'object' && !Array.isArray(value) && 'value' in value && 'params' in value) {
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(value.params)) params[k.toLowerCase()] = v;
    return { value: String(value.value).toLowerCase().trim(), params };
  }
  return { value: 'text/plain', params: {} };
}

function collapse(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim();
}

function parseDate(value: string | null): Date | null {
  if (value === null || value.trim() === '') return null;
  for (const candidate of [value, value.replace(/\([^)]*\)/g, ' ').trim()]) {
    const d = new Date(candidate);
    if (!Number.isNaN(d.getTime())) return d;
  }
  return null;
}

function isAddressObject(v: unknown): v is AddressObject {
  return typeof v === 'object' && v !== null && 'value' in v && Array.isArray((v as AddressObject).value);
}

function flatten(list: EmailAddress[], out: string[]): void {
  for (const e of list) {
    if (e.group) flatten(e.group, out);
    else if (e.address && e.address.trim() !== '') out.push(e.address.trim());
  }
}

function addressList(value: HeaderValue | undefined): string[] {
  const out: string[] = [];
  const objects = Array.isArray(value) ? value : [value];
  for (const o of objects) if (isAddressObject(o)) flatten(o.value, out);
  return out;
}

function isAddrSpec(a: string): boolean {
  return /^[^\s@<>]+@[^\s@<>]+$/.test(a);
}

// ---------------------------------------------------------------------------------------------
// body

function htmlToPlain(html: string): string {
  return convert(html, {
    wordwrap: false,
    selectors: [
      { selector: 'img', format: 'skip' },
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
      ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } })),
      { selector: 'table', options: { uppercaseHeaderCells: false } },
    ],
  })
    .replace(/\r\n?/g, '\n')
    .replace(/\u00a0/g, ' ')
    .replace(/[ \t]+$/gm, '') // Outlook's <p>&nbsp;</p> spacer paragraphs
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

// ---------------------------------------------------------------------------------------------
// attachments

interface Part {
  partId: string | null;
  type: string;
  filename: string | null;
  disposition: string | null;
  cid: string | null;
  related: boolean;
  data: Buffer;
}

function toPart(a: Attachment): Part {
  return {
    partId: a.partId ?? null,
    type: (a.contentType || 'application/octet-stream').toLowerCase(),
    filename: a.filename ?? null,
    disposition: a.contentDisposition ? a.contentDisposition.toLowerCase() : null,
    cid: a.cid ? a.cid : null,
    related: a.related === true,
    data: a.content,
  };
}

function comparePartIds(a: string | null, b: string | null): number {
  const pa = (a ?? '').split('.').map(Number);
  const pb = (b ?? '').split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? -1;
    const y = pb[i] ?? -1;
    if (x !== y) return x - y;
  }
  return 0;
}

/**
 * mailparser renders a `message/rfc822` part with `Content-Disposition: inline` into the body
 * text instead of listing it; §4.7 wants every embedded message stored as .eml, so those are
 * fetched by a second pass that keeps all embedded messages as attachments.
 */
async function collectParts(raw: Buffer, mail: MpMail): Promise<Part[]> {
  const parts = mail.attachments.map(toPart);
  if (!/message\/rfc822/i.test(raw.toString('latin1'))) return parts;
  let again: MpMail;
  try {
    again = await simpleParser(raw, { ...PARSER_OPTIONS, ignoreEmbedded: true });
  } catch {
    return parts;
  }
  const known = new Set(parts.map((p) => p.partId));
  const extra = again.attachments.filter((a) => a.contentType.toLowerCase() === 'message/rfc822' && !known.has(a.partId ?? null)).map(toPart);
  if (extra.length === 0) return parts;
  return [...parts, ...extra].sort((a, b) => comparePartIds(a.partId, b.partId));
}

function buildAttachments(parts: Part[], html: string | null): { attachments: MailAttachment[]; skipped: SkippedPart[]; deliveryStatus: Buffer | null } {
  const attachments: MailAttachment[] = [];
  const skipped: SkippedPart[] = [];
  let deliveryStatus: Buffer | null = null;
  const htmlLower = (html ?? '').toLowerCase();
  let ordinal = 0;
  for (const p of parts) {
    if (p.type === 'message/delivery-status') {
      deliveryStatus ??= p.data;
      continue;
    }
    ordinal++;
    const given = sanitizeFileName(p.filename);
    const isMessage = p.type === 'message/rfc822';
    const name = isMessage ? ensureEml(given ?? `priloha-${ordinal}`) : (given ?? fallbackName(ordinal, p.type));
    if (p.data.length === 0) {
      skipped.push({ name, reason: 'empty' });
      continue;
    }
    if (isTnef(p.type, given)) {
      const files = unpackTnef(p.data);
      if (files) {
        files.forEach((f, i) => {
          const fname = sanitizeFileName(f.name) ?? `priloha-${ordinal}-${i + 1}.bin`;
          if (f.data.length === 0) skipped.push({ name: fname, reason: 'empty' });
          else attachments.push({ name: fname, type: typeForName(fname), data: f.data, inline: false, contentId: null });
        });
        continue;
      }
      attachments.push({ name: given ?? 'winmail.dat', type: 'application/ms-tnef', data: p.data, inline: false, contentId: null });
      continue;
    }
    const referenced = p.cid !== null && htmlLower.includes(`cid:${p.cid.toLowerCase()}`);
    const inline = p.cid !== null && (referenced || (p.related && p.disposition !== 'attachment'));
    attachments.push({ name, type: p.type, data: p.data, inline, contentId: p.cid });
  }
  return { attachments, skipped, deliveryStatus };
}

// ---------------------------------------------------------------------------------------------
// delivery status notifications (RFC 3464)

function originalMessageIdFromParts(parts: Part[]): string | null {
  for (const p of parts) {
    if (p.type !== 'message/rfc822' && p.type !== 'text/rfc822-headers') continue;
    const id = messageIdInHeaderBlock(p.data);
    if (id) return id;
  }
  return null;
}

function statusFromDeliveryStatus(data: Buffer): string | null {
  const m = /^status:[ \t]*([245]\.\d{1,3}\.\d{1,3})/im.exec(data.toString('latin1'));
  return m ? (m[1] ?? null) : null;
}
