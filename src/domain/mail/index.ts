/** Pure e-mail analysis for the ingestion (EMAIL.md §3–§4.7): parse, classify, subject, quotes, dedupe. */
export type { ContentTypeHeader, DeliveryStatus, MailAttachment, MailFrom, MailHeaders, ParsedMail, SkippedPart } from './types.js';
export { MailParseError, parseMail } from './parse.js';
export {
  autoReplyReason,
  autoReplySubjectHint,
  bounceInfo,
  dmarcVerdict,
  isOwnMessage,
  parseAuthenticationResults,
  trustedAuthResults,
  type AuthMethodResult,
  type AuthenticationResults,
  type DmarcOptions,
  type OwnIdentity,
  type TrustedVerdicts,
} from './classify.js';
export { cleanTitle, EMPTY_TITLE, ticketCandidates, type DigitRange } from './subject.js';
export { stripQuotedHtml, stripQuotedText } from './quotes.js';
export { dedupeKey } from './dedupe.js';
export { firstMessageId, messageIds } from './ids.js';
export { extensionForType, sanitizeFileName } from './attachments.js';
export { unpackTnef, type TnefFile } from './tnef.js';
