import type { Knex } from 'knex';

export interface AttachmentLimits {
  maxBytes: number;
  maxFiles: number;
}

/** What every use case needs, built once at start-up and shared by all channels. */
export interface ServiceContext {
  db: Knex;
  limits: AttachmentLimits;
}

export type Tx = Knex.Transaction;
