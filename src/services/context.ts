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

export const DEFAULT_MAIL_SETTINGS: MailSettings = {
  helpdeskAddress: 'helpdesk.tech@seyfor.com',
  messageIdDomain: 'helpdesk.seyfor.com',
  publicUrl: 'http://localhost:3000',
};

/** Rules of the inbound mail channel (EMAIL.md §4.10). */
export interface InboundSettings {
  trustedAuthservId: string;
  requireDmarcPass: boolean;
  ticketIdDigits: { min: number; max: number };
  senderHourlyLimit: number;
  maxMessageBytes: number;
  maxAttempts: number;
}

export const DEFAULT_INBOUND_SETTINGS: InboundSettings = {
  trustedAuthservId: '',
  requireDmarcPass: false,
  ticketIdDigits: { min: 5, max: 8 },
  senderHourlyLimit: 20,
  maxMessageBytes: 25 * 1024 * 1024,
  maxAttempts: 5,
};

/** What every use case needs, built once at start-up and shared by all channels. */
export interface ServiceContext {
  db: Knex;
  limits: AttachmentLimits;
  /** absent: DEFAULT_MAIL_SETTINGS */
  mail?: MailSettings;
  /** absent: DEFAULT_INBOUND_SETTINGS */
  inbound?: InboundSettings;
}

export type Tx = Knex.Transaction;
