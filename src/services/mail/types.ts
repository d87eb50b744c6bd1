/** Where a raw message came from: an IMAP mailbox (poller) or standard input (mailgate). */
export interface MailSource {
  /** null for mailgate */
  mailbox: string | null;
  uidvalidity?: number | null;
  uid?: number | null;
  internalDate?: Date | null;
  size?: number | null;
}

export type MailOutcome =
  | 'create_ticket'
  | 'comment_on_ticket'
  | 'reject_unauthorized'
  | 'ignore_auto_reply'
  | 'ignore_bounce'
  | 'duplicate'
  | 'too_large'
  | 'quarantine';

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

/** The IMAP folder a handled message is filed into after the commit. */
export type MailFolder = 'processed' | 'ignored' | 'rejected' | 'quarantine';

const OUTCOMES: readonly string[] = ['create_ticket', 'comment_on_ticket', 'reject_unauthorized', 'ignore_auto_reply', 'ignore_bounce', 'duplicate', 'too_large', 'quarantine'];

/** A duplicate (a re-fetch after a crash, a re-delivery) goes where its first copy went: its reason names that outcome. */
export function folderFor(outcome: MailOutcome, reason?: string): MailFolder {
  if (outcome === 'duplicate' && reason && reason !== 'duplicate' && OUTCOMES.includes(reason)) return folderFor(reason as MailOutcome);
  switch (outcome) {
    case 'create_ticket':
    case 'comment_on_ticket':
    case 'duplicate':
      return 'processed';
    case 'ignore_auto_reply':
    case 'ignore_bounce':
      return 'ignored';
    case 'reject_unauthorized':
    case 'too_large':
      return 'rejected';
    case 'quarantine':
      return 'quarantine';
  }
}
