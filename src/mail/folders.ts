import { isMailOutcome, type MailOutcome } from '../services/mail/types.js';

/** The IMAP folder a handled message is filed into after the commit. */
export type MailFolder = 'processed' | 'ignored' | 'rejected' | 'quarantine';

/** A duplicate (a re-fetch after a crash, a re-delivery) goes where its first copy went: its reason names that outcome. */
export function folderFor(outcome: MailOutcome, reason?: string): MailFolder {
  if (outcome === 'duplicate' && reason !== 'duplicate' && isMailOutcome(reason)) return folderFor(reason);
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
