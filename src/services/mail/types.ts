/** Where a raw message came from: an IMAP mailbox (poller) or standard input (mailgate). */
export interface MailSource {
  /** null for mailgate */
  mailbox: string | null;
  uidvalidity?: number | null;
  uid?: number | null;
  internalDate?: Date | null;
  size?: number | null;
}

/** What the ingestion can do with a message (EMAIL.md); the audit log also records `failed` attempts. */
export const MAIL_OUTCOMES = [
  'create_ticket', 'comment_on_ticket', 'duplicate', 'ignore_auto_reply', 'ignore_bounce', 'reject_unauthorized', 'too_large', 'quarantine',
] as const;
export type MailOutcome = (typeof MAIL_OUTCOMES)[number];

export const isMailOutcome = (v: unknown): v is MailOutcome => (MAIL_OUTCOMES as readonly unknown[]).includes(v);

/** What the ingestion did with one message; mailgate prints it as JSON. */
export interface IngestResult {
  outcome: MailOutcome;
  ticket?: number;
  reason?: string;
  title?: string;
  text?: string;
  reporter?: string;
  contract?: string;
  paragraph?: string;
  attachments?: { name: string; type: string; size: number; sha256: string; inline: boolean }[];
  notifications?: { to: string; subject: string; text: string }[];
}
