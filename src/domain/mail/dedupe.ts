/**
 * The idempotency key of an inbound message (EMAIL.md §4.1.6). Trace headers (Received,
 * Return-Path, Delivered-To, X-Original-To) never enter it: the same message delivered twice,
 * by different routes, gets the same key. The same Message-ID with a different From, Date or
 * Subject gets a different key (freescout#5591) — the caller logs that case.
 */
import { createHash } from 'node:crypto';
import type { ParsedMail } from './types.js';

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

function fromKey(m: ParsedMail): string {
  return (m.from.address ?? m.from.raw).trim().toLowerCase();
}

/**
 * `mid:<Message-ID>|<sha256(lower(from), Date ISO, subject)>`, or without a Message-ID
 * `fp:<sha256(from, to, Date ISO, subject, text, attachment sha256s)>`. Fields are hashed as a
 * JSON array, so no field can bleed into its neighbour; a missing Date is ''.
 */
export function dedupeKey(m: ParsedMail): string {
  const date = m.date ? m.date.toISOString() : '';
  if (m.messageId !== null && m.messageId.trim() !== '') {
    return `mid:${m.messageId.trim()}|${sha256(JSON.stringify([fromKey(m), date, m.subject]))}`;
  }
  const attachments = m.attachments.map((a) => sha256(a.data));
  return `fp:${sha256(JSON.stringify([fromKey(m), m.to, date, m.subject, m.text, attachments]))}`;
}
