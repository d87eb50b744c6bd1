import path from 'node:path';
import { type Config, ConfigError, loadConfig } from './config.js';
import { startEmbeddedPostgres, type EmbeddedServer } from './db/embedded.js';
import { createDb, type Db } from './db/knex.js';
import { ensureTicketNumberStart, migrateToLatest } from './db/migrate.js';
import type { ServiceContext } from './services/context.js';

/** The use cases' context from the configuration. */
export function serviceContext(db: Db, config: Config): ServiceContext {
  const [min, max] = config.MAIL_TICKET_ID_DIGITS.split('-').map(Number) as [number, number];
  return {
    db,
    limits: {
      maxBytes: config.ATTACHMENT_MAX_BYTES,
      maxFiles: config.ATTACHMENT_MAX_FILES,
      quotaBytesPerHour: config.UPLOAD_QUOTA_BYTES_PER_HOUR,
    },
    mail: { helpdeskAddress: config.HELPDESK_ADDRESS, messageIdDomain: config.HELPDESK_MESSAGE_ID_DOMAIN, publicUrl: config.PUBLIC_URL },
    inbound: {
      trustedAuthservId: config.MAIL_TRUSTED_AUTHSERV_ID,
      requireDmarcPass: config.MAIL_REQUIRE_DMARC_PASS,
      ticketIdDigits: { min, max },
      senderHourlyLimit: config.MAIL_SENDER_HOURLY_LIMIT,
      maxMessageBytes: config.MAIL_MAX_MESSAGE_BYTES,
      maxAttempts: config.MAIL_MAX_ATTEMPTS,
    },
    passwordLinks: {
      invitationSeconds: config.INVITATION_VALID_DAYS * 86_400,
      resetSeconds: config.RESET_LINK_VALID_MINUTES * 60,
      resetPerAccount: config.RESET_RATE_LIMIT,
      resetPerAddress: config.RESET_ADDRESS_LIMIT,
      resetWindowSeconds: config.RESET_WINDOW_MINUTES * 60,
      resetMinMillis: config.RESET_MIN_RESPONSE_MS,
    },
    hotline: {
      authToken: config.HOTLINE_AUTH_TOKEN ?? null,
      accountSid: config.HOTLINE_ACCOUNT_SID ?? null,
      recordingHosts: config.HOTLINE_RECORDING_HOSTS.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean),
      codeKey: config.HOTLINE_CODE_KEY ?? null,
    },
  };
}

export interface Runtime {
  ctx: ServiceContext;
  databaseUrl: string;
  close(): Promise<void>;
}

/**
 * What every command does first (start, and later sla/mailgate/import): reach the database
 * (DATABASE_URL or the embedded server under DATA_DIR) and bring it to the latest migration.
 */
export async function openRuntime(config: Config, log: (line: string) => void = () => {}): Promise<Runtime> {
  let embedded: EmbeddedServer | null = null;
  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres({ dataDir: path.join(config.DATA_DIR, 'pg'), port: config.EMBEDDED_PG_PORT, log });
    databaseUrl = embedded.url('postgres');
  }
  const db: Db = createDb(databaseUrl, config.DB_POOL_MAX);
  await migrateToLatest(db);
  await ensureTicketNumberStart(db, config.TICKET_NUMBER_START);
  return {
    ctx: serviceContext(db, config),
    databaseUrl,
    close: async () => {
      await db.destroy();
      await embedded?.stop();
    },
  };
}

/**
 * A command's run on the runtime (the database reached and migrated): a configuration error is
 * printed on standard error and gives exit code 1; the runtime is closed whatever happens.
 */
export async function withRuntime(run: (runtime: Runtime) => Promise<number>, config: () => Config = () => loadConfig()): Promise<number> {
  let runtime: Runtime;
  try {
    runtime = await openRuntime(config());
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
  try {
    return await run(runtime);
  } finally {
    await runtime.close();
  }
}
