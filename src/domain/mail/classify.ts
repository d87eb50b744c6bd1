/**
 * Pure classification signals of EMAIL.md §4.2 (rows 2, 3, 4 and 6). The ingestion applies them
 * in the order of the table; nothing here looks at the database.
 */
import { messageIdInHeaderBlock } from './ids.js';
import type { ParsedMail } from './types.js';

export interface OwnIdentity {
  /** the helpdesk address, or every address we send from */
  helpdeskAddress: string | readonly string[];
  /** the domain of our Message-IDs, e.g. `helpdesk.seyfor.com` ('' = not checked) */
  messageIdDomain: string;
}

const ADDRESS_RE = /[^\s<>"',;:()[\]]+@[^\s<>"',;:()[\]]+/g;

/** every address in the From header (also when it holds several), lower-cased */
function fromAddresses(m: ParsedMail): string[] {
  const out = new Set<string>();
  if (m.from.address) out.add(m.from.address);
  for (const a of m.from.raw.match(ADDRESS_RE) ?? []) out.add(a.toLowerCase());
  return [...out];
}

/**
 * §4.2 #2: the message is our own (a loop): From is a helpdesk address, or the Message-ID has our
 * domain, or it carries our `X-Helpdesk-Ticket` header.
 */
export function isOwnMessage(m: ParsedMail, own: OwnIdentity): boolean {
  const ours = (typeof own.helpdeskAddress === 'string' ? [own.helpdeskAddress] : [...own.helpdeskAddress])
    .map((a) => a.trim().toLowerCase())
    .filter((a) => a !== '');
  if (fromAddresses(m).some((a) => ours.includes(a))) return true;
  const domain = own.messageIdDomain.trim().replace(/^@/, '').toLowerCase();
  if (domain !== '' && m.messageId !== null) {
    const at = m.messageId.lastIndexOf('@');
    if (at >= 0 && m.messageId.slice(at + 1).replace(/>$/, '').toLowerCase() === domain) return true;
  }
  return m.headers.xHelpdeskTicket !== null;
}

function isDeliveryReport(m: ParsedMail): boolean {
  const ct = m.headers.contentType;
  return ct.value === 'multipart/report' && (ct.params['report-type'] ?? '').trim().toLowerCase() === 'delivery-status';
}

function isDaemonSender(m: ParsedMail): boolean {
  return fromAddresses(m).some((a) => {
    const local = a.slice(0, a.lastIndexOf('@')).toLowerCase();
    return local === 'mailer-daemon' || local === 'postmaster';
  });
}

function hasNullReturnPath(m: ParsedMail): boolean {
  const rp = m.headers.returnPath;
  return rp !== null && /^<\s*>$/.test(rp.trim());
}

/** `Message-ID: <…>` lines in a bounce's text (non-RFC 3464 bounces quote the original's headers) */
function messageIdInText(m: ParsedMail): string | null {
  for (const match of m.text.matchAll(/^[ \t>]*message-id:[ \t]*<([^<>\s]+)>/gim)) {
    const id = match[1];
    if (id && id !== m.messageId) return id;
  }
  return null;
}

/**
 * §4.2 #3: a bounce (RFC 3464 report, a mailer-daemon/postmaster sender, or a null Return-Path)
 * with the bounced message's Message-ID when it can be found — from the DSN, a returned message
 * or its headers, or (for the first two kinds) the quoted headers in the text. `null` = no bounce.
 */
export function bounceInfo(m: ParsedMail): { originalMessageId: string | null } | null {
  const report = isDeliveryReport(m);
  const daemon = isDaemonSender(m);
  if (!report && !daemon && !hasNullReturnPath(m)) return null;
  let originalMessageId = m.dsn?.originalMessageId ?? null;
  if (originalMessageId === null) {
    for (const a of m.attachments) {
      if (a.type !== 'message/rfc822' && a.type !== 'text/rfc822-headers') continue;
      originalMessageId = messageIdInHeaderBlock(a.data);
      if (originalMessageId !== null) break;
    }
  }
  // a null Return-Path alone is also how auto-replies are sent: do not guess from their text
  if (originalMessageId === null && (report || daemon)) originalMessageId = messageIdInText(m);
  return { originalMessageId };
}

const BULK_PRECEDENCE = new Set(['bulk', 'junk', 'list', 'auto_reply', 'auto-reply']);

/** header value without RFC 5322 comments and parameters, lower-cased */
function token(value: string): string {
  return value.replace(/\([^)]*\)/g, ' ').split(';')[0]!.trim().toLowerCase();
}

/**
 * §4.2 #4: why the message is an automatic one (`null` = it is not). `X-Auto-Response-Suppress`
 * is deliberately no signal. Besides the table, a read receipt
 * (`multipart/report; report-type=disposition-notification`, RFC 8098) counts as automatic.
 */
export function autoReplyReason(m: ParsedMail): string | null {
  const h = m.headers;
  if (h.autoSubmitted !== null) {
    const v = token(h.autoSubmitted);
    if (v !== 'no') return `Auto-Submitted: ${v || '(empty)'}`;
  }
  if (h.precedence !== null) {
    const v = token(h.precedence);
    if (BULK_PRECEDENCE.has(v)) return `Precedence: ${v}`;
  }
  if (h.xAutoreply !== null) return 'X-Autoreply';
  if (h.listId !== null) return 'List-Id';
  if (h.listUnsubscribe !== null) return 'List-Unsubscribe';
  const ct = h.contentType;
  if (ct.value === 'multipart/report' && (ct.params['report-type'] ?? '').trim().toLowerCase() === 'disposition-notification') {
    return 'read receipt (disposition-notification)';
  }
  return null;
}

/**
 * Subject words of out-of-office replies. §4.2 #4: logged as a hint only, never a reason to ignore.
 */
export function autoReplySubjectHint(m: ParsedMail): string | null {
  const match = /^(automatická odpověď|automaticka odpoved|nepřítomnost|mimo kancelář|out of (the )?office|auto(matic)?[ -]?reply|autoreply|automatische antwort|abwesenheitsnotiz)/iu.exec(m.subject);
  return match ? match[0] : null;
}

// ---------------------------------------------------------------------------------------------
// Authentication-Results (RFC 8601)

export interface AuthMethodResult {
  /** lower-cased method, e.g. `dmarc` */
  method: string;
  /** lower-cased result, e.g. `pass` */
  result: string;
  /** `ptype.property` values (`header.from`, `smtp.mailfrom`, …) and `reason`/`action` */
  props: Record<string, string>;
}

export interface AuthenticationResults {
  /** lower-cased authserv-id */
  authservId: string;
  results: AuthMethodResult[];
}

/** remove RFC 5322 comments (nested parentheses), leaving quoted strings alone */
function stripComments(s: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      if (depth === 0) out += c + s[i + 1]!;
      i++;
    } else if (quoted) {
      out += c;
      if (c === '"') quoted = false;
    } else if (c === '(') {
      depth++;
    } else if (c === ')' && depth > 0) {
      depth--;
      if (depth === 0) out += ' ';
    } else if (depth === 0) {
      if (c === '"') quoted = true;
      out += c;
    }
  }
  return out;
}

const PROP_KEYS = new Set(['reason', 'action', 'policy']);

/** Parse one Authentication-Results header value; `null` when it has no authserv-id. */
export function parseAuthenticationResults(value: string): AuthenticationResults | null {
  const clean = stripComments(value).replace(/\s+/g, ' ').trim();
  // split at semicolons outside quoted strings
  const [head, ...segments] = clean.split(/;(?=(?:[^"]*"[^"]*")*[^"]*$)/);
  const authservId = (head ?? '').trim().split(' ')[0]?.toLowerCase() ?? '';
  // a value that starts with `method=result` has no authserv-id (malformed): it cannot be trusted
  if (authservId === '' || authservId.includes('=')) return null;
  const results: AuthMethodResult[] = [];
  for (const segment of segments) {
    let current: AuthMethodResult | null = null;
    for (const t of segment.matchAll(/([^\s=]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s]+)/g)) {
      const key = (t[1] ?? '').toLowerCase();
      const val = (t[2] ?? '').replace(/^"|"$/g, '');
      if (key.includes('.') || PROP_KEYS.has(key)) {
        if (current) current.props[key] = val;
      } else {
        current = { method: key.split('/')[0]!, result: val.toLowerCase(), props: {} };
        results.push(current);
      }
    }
  }
  return { authservId, results };
}

/** Every Authentication-Results stamped with the trusted authserv-id, top-most (most recent hop) first. */
function trusted(m: ParsedMail, trustedAuthservId: string): AuthenticationResults[] {
  const id = trustedAuthservId.trim().toLowerCase();
  if (id === '') return [];
  return m.authResults.map(parseAuthenticationResults).filter((ar): ar is AuthenticationResults => ar !== null && ar.authservId === id);
}

export interface TrustedVerdicts {
  spf: string | null;
  /** `pass` when any DKIM signature passed, else the first DKIM result */
  dkim: string | null;
  dmarc: string | null;
}

/**
 * The spf/dkim/dmarc verdicts of the trusted MTA for the audit record (§4.9); `null` when no
 * Authentication-Results carries the trusted authserv-id. Each method is read from the FIRST
 * (top-most) trusted header that reports it: a receiving MTA often stamps one header per filter
 * (OpenDKIM, OpenDMARC, SPF policy), all with its own id and all above anything the sender wrote.
 */
export function trustedAuthResults(m: ParsedMail, trustedAuthservId: string): TrustedVerdicts | null {
  const headers = trusted(m, trustedAuthservId);
  if (headers.length === 0) return null;
  const firstFor = (method: string): string[] => {
    for (const ar of headers) {
      const found = ar.results.filter((r) => r.method === method).map((r) => r.result);
      if (found.length > 0) return found;
    }
    return [];
  };
  const dkim = firstFor('dkim');
  return { spf: firstFor('spf')[0] ?? null, dkim: dkim.includes('pass') ? 'pass' : (dkim[0] ?? null), dmarc: firstFor('dmarc')[0] ?? null };
}

export interface DmarcOptions {
  /** §4.2 #6 flag: with dmarc=none (or no dmarc result) treat `spf=fail` without any `dkim=pass` as fail */
  spfFailWithoutDkimPass?: boolean;
}

/**
 * §4.2 #6. Only Authentication-Results whose authserv-id equals `trustedAuthservId` count, and of
 * those the FIRST (top-most) one that reports dmarc (headers further down may be forged by the
 * sender; see trustedAuthResults). An empty trusted id → 'none'.
 * 'fail' = reject as spoofed. With `requireDmarcPass`, anything but dmarc=pass (including a
 * missing trusted header) is 'fail'.
 */
export function dmarcVerdict(m: ParsedMail, trustedAuthservId: string, requireDmarcPass: boolean, options: DmarcOptions = {}): 'pass' | 'fail' | 'none' {
  if (trustedAuthservId.trim() === '') return 'none';
  const v = trustedAuthResults(m, trustedAuthservId);
  if (v?.dmarc === 'pass') return 'pass';
  if (v?.dmarc === 'fail') return 'fail';
  if (options.spfFailWithoutDkimPass && v && (v.dmarc === null || v.dmarc === 'none') && v.spf === 'fail' && v.dkim !== 'pass') return 'fail';
  return requireDmarcPass ? 'fail' : 'none';
}
