/**
 * The shape of an analysed e-mail (EMAIL.md §4). Produced by `parseMail`, consumed by the pure
 * classification, subject, quote and dedupe helpers of this folder. Nothing here touches a
 * database, the network or the clock.
 */

/** The top-level `Content-Type` of a message: lower-cased type plus its parameters (keys lower-cased). */
export interface ContentTypeHeader {
  value: string;
  params: Record<string, string>;
}

/** Raw (unfolded, trimmed) values of the headers the classification needs; `null` = header absent. */
export interface MailHeaders {
  autoSubmitted: string | null;
  precedence: string | null;
  /** value of the first of `X-Autoreply`, `X-Autorespond`, `X-AutoReply-From` present ('' counts as present) */
  xAutoreply: string | null;
  listId: string | null;
  listUnsubscribe: string | null;
  /** e.g. `<>` for a null reverse path */
  returnPath: string | null;
  xHelpdeskTicket: string | null;
  contentType: ContentTypeHeader;
}

export interface MailFrom {
  /**
   * The lower-cased addr-spec when the From header holds exactly one address, otherwise `null`
   * (no address, an unparseable one, or several — §4.2 #5 demands exactly one).
   */
  address: string | null;
  /** the decoded From header as written: display name(s) and address(es) */
  raw: string;
  /** how many addresses the From header holds (group members counted) */
  count: number;
}

export interface MailAttachment {
  /** sanitized file name (§4.7), never empty */
  name: string;
  /** lower-cased MIME type */
  type: string;
  data: Buffer;
  /** an embedded image referenced from the HTML by `cid:` (or sitting in multipart/related) */
  inline: boolean;
  /** Content-ID without `<>` */
  contentId: string | null;
}

export interface SkippedPart {
  name: string;
  /** `empty` for a 0-byte part */
  reason: string;
}

export interface DeliveryStatus {
  /** Message-ID (without `<>`) of the message that bounced, from the returned message or its headers */
  originalMessageId: string | null;
  /** the first per-recipient `Status:` of the delivery-status part, e.g. `5.1.1` */
  status: string | null;
}

export interface ParsedMail {
  /** Message-ID without `<>`, `null` when the header is missing or empty */
  messageId: string | null;
  from: MailFrom;
  /** lower-cased addresses */
  to: string[];
  /** lower-cased addresses */
  cc: string[];
  /** decoded, unfolded, whitespace collapsed, trimmed; '' when missing */
  subject: string;
  /** the Date header, `null` when missing or unparseable (never "now") */
  date: Date | null;
  /** the first Message-ID of In-Reply-To, without `<>` */
  inReplyTo: string | null;
  /** Message-IDs of References in header order, without `<>` */
  references: string[];
  headers: MailHeaders;
  /** raw Authentication-Results header values, top-most (most recent hop) first */
  authResults: string[];
  /** the text/plain body (format=flowed joined) or html-to-text of the HTML; quotes kept; LF line ends */
  text: string;
  html: string | null;
  attachments: MailAttachment[];
  skipped: SkippedPart[];
  /** set for `multipart/report; report-type=delivery-status` messages */
  dsn: DeliveryStatus | null;
}
