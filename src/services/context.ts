import type { Knex } from 'knex';

export interface AttachmentLimits {
  maxBytes: number;
  maxFiles: number;
  /** bytes of attachments one user may upload per hour (web uploads; a shared counter) */
  quotaBytesPerHour: number;
}

/** How our outgoing mail is addressed and linked (EMAIL.md §4.8). */
export interface MailSettings {
  helpdeskAddress: string;
  messageIdDomain: string;
  publicUrl: string;
}

/** Rules of the inbound mail channel (EMAIL.md §4.10). */
export interface InboundSettings {
  trustedAuthservId: string;
  requireDmarcPass: boolean;
  ticketIdDigits: { min: number; max: number };
  senderHourlyLimit: number;
  maxMessageBytes: number;
  maxAttempts: number;
}

/** Invitation and password-reset links (OWASP forgot-password rules): validity and the reset request limits. */
export interface PasswordLinkSettings {
  invitationSeconds: number;
  resetSeconds: number;
  /** reset requests per account (known or not) and per client address in one window */
  resetPerAccount: number;
  resetPerAddress: number;
  resetWindowSeconds: number;
  /** a reset request takes at least this long, so its timing does not tell whether the account exists */
  resetMinMillis: number;
}

/**
 * What every use case needs, built once at start-up and shared by all channels: from the
 * configuration by src/bootstrap.ts serviceContext (its defaults are those of src/config.ts).
 */
/** The phone channel's settings (HOTLINE.md); `codeKey` null: the generated secret kept in the database. */
export interface HotlineSettings {
  authToken: string | null;
  accountSid: string | null;
  /** lower-case host names (with :port where given) recordings may be fetched from */
  recordingHosts: readonly string[];
  codeKey: string | null;
}

export interface ServiceContext {
  db: Knex;
  limits: AttachmentLimits;
  mail: MailSettings;
  inbound: InboundSettings;
  /** absent: the defaults of src/config.ts (DEFAULT_PASSWORD_LINKS in services/password-links.ts) */
  passwordLinks?: PasswordLinkSettings;
  hotline: HotlineSettings;
}

export type Tx = Knex.Transaction;
