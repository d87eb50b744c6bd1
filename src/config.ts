import { availableParallelism } from 'node:os';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Every setting the portal reads from the environment; validated once at start. */
const settings = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** web processes sharing PORT (sessions live in PostgreSQL); default: one per core, at most 4 */
  WEB_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(Math.min(4, availableParallelism())),
  HOST: z.string().default('0.0.0.0'),
  /** External base URL, used in links (e-mails) and to decide on secure cookies; default http://localhost:PORT. */
  PUBLIC_URL: z.string().url().optional(),
  /** Absent: an embedded PostgreSQL is started with its data under DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().default('./data'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  SESSION_SECRET: z.string().min(16).optional(),
  /** Number of reverse proxies in front of the app (for client IP and TLS detection). */
  TRUST_PROXY: z.coerce.number().int().min(0).default(0),
  SEED_DEMO: bool.default('true'),
  TICKET_NUMBER_START: z.coerce.number().int().min(1).default(98000),
  ATTACHMENT_MAX_BYTES: z.coerce.number().int().min(1).default(20 * 1024 * 1024),
  ATTACHMENT_MAX_FILES: z.coerce.number().int().min(1).max(100).default(10),
  UPLOAD_QUOTA_BYTES_PER_HOUR: z.coerce.number().int().min(1).default(2 * 1024 * 1024 * 1024),
  /** failed sign-ins per account (any address) in LOGIN_WINDOW_MINUTES before it is locked for the rest of the window */
  LOGIN_RATE_LIMIT: z.coerce.number().int().min(1).default(10),
  /** failed sign-ins per client address (any login) in LOGIN_WINDOW_MINUTES */
  LOGIN_ADDRESS_LIMIT: z.coerce.number().int().min(1).default(30),
  LOGIN_WINDOW_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  /** invitation links (issue 10) are valid this many days, password-reset links this many minutes */
  INVITATION_VALID_DAYS: z.coerce.number().int().min(1).max(60).default(7),
  RESET_LINK_VALID_MINUTES: z.coerce.number().int().min(5).max(24 * 60).default(60),
  /** password-reset requests per account (known or not) and per client address in RESET_WINDOW_MINUTES; over them no mail, the same answer */
  RESET_RATE_LIMIT: z.coerce.number().int().min(1).default(5),
  RESET_ADDRESS_LIMIT: z.coerce.number().int().min(1).default(20),
  RESET_WINDOW_MINUTES: z.coerce.number().int().min(1).max(1440).default(60),
  /** a reset request is answered after at least this many milliseconds, whether or not the account exists */
  RESET_MIN_RESPONSE_MS: z.coerce.number().int().min(0).max(5000).default(250),
  /** a session ends after this long without a request, and in any case SESSION_MAX_HOURS after sign-in */
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(5).max(7 * 24 * 60).default(120),
  SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12),
  /** Resolved tickets are closed automatically after this many days (0 = never). */
  AUTO_CLOSE_DAYS: z.coerce.number().int().min(0).default(14),
  LOG_REQUESTS: bool.default('false'),

  // Several nodes (docs/operations.md): this node's name in logs and the job run log; default hostname:PORT.
  NODE_NAME: z.string().min(1).max(200).optional(),
  // Background jobs: each runs once per period across all nodes (src/jobs.ts); periods in seconds.
  /** how often a node asks at most whether a job is due (a job with a short period: a fifth of it) */
  JOB_TICK_SECONDS: z.coerce.number().min(0.05).max(3600).default(5),
  JOB_OUTBOX_SECONDS: z.coerce.number().int().min(1).default(5),
  JOB_SLA_SECONDS: z.coerce.number().int().min(1).default(300),
  /** the recomputation of every open ticket's SLA */
  JOB_SLA_FULL_SECONDS: z.coerce.number().int().min(1).default(86400),
  JOB_AUTO_CLOSE_SECONDS: z.coerce.number().int().min(1).default(3600),
  /** staff SLA alerts (issue 12): how often open tickets' stored dues are checked, and how long before a due staff are warned */
  JOB_SLA_ALERT_SECONDS: z.coerce.number().int().min(1).default(60),
  SLA_WARNING_MINUTES: z.coerce.number().int().min(1).max(7 * 24 * 60).default(60),
  /** deletes expired sessions, rate counters and old job runs */
  JOB_CLEANUP_SECONDS: z.coerce.number().int().min(1).default(900),

  // E-mail (EMAIL.md §4.10). Without IMAP_HOST no mailbox is polled; without SMTP_HOST mail waits in the outbox.
  HELPDESK_ADDRESS: z.string().email().default('helpdesk.tech@seyfor.com'),
  HELPDESK_MESSAGE_ID_DOMAIN: z.string().min(1).default('helpdesk.seyfor.com'),
  IMAP_HOST: z.string().optional(),
  IMAP_PORT: z.coerce.number().int().min(1).max(65535).default(993),
  IMAP_SECURE: bool.default('true'),
  IMAP_USER: z.string().optional(),
  IMAP_PASSWORD: z.string().optional(),
  IMAP_MAILBOX: z.string().default('INBOX'),
  IMAP_PROCESSED_FOLDER: z.string().default('Helpdesk/Processed'),
  IMAP_IGNORED_FOLDER: z.string().default('Helpdesk/Ignored'),
  IMAP_REJECTED_FOLDER: z.string().default('Helpdesk/Rejected'),
  IMAP_QUARANTINE_FOLDER: z.string().default('Helpdesk/Quarantine'),
  MAIL_POLL_SECONDS: z.coerce.number().min(1).default(60),
  MAIL_MAX_MESSAGE_BYTES: z.coerce.number().int().min(1).default(25 * 1024 * 1024),
  MAIL_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(5),
  MAIL_TRUSTED_AUTHSERV_ID: z.string().default(''),
  MAIL_REQUIRE_DMARC_PASS: bool.default('false'),
  MAIL_TICKET_ID_DIGITS: z.string().regex(/^\d+-\d+$/).default('5-8'),
  MAIL_SENDER_HOURLY_LIMIT: z.coerce.number().int().min(1).default(20),
  SMTP_HOST: z.string().optional(),
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(587),
  SMTP_SECURE: bool.default('false'),
  SMTP_USER: z.string().optional(),
  SMTP_PASSWORD: z.string().optional(),

  // HotLine (HOTLINE.md): without HOTLINE_AUTH_TOKEN the /hotline webhooks answer 404.
  /** the telephony provider's auth token: signs its webhooks (X-Twilio-Signature) and, with the account SID, fetches recordings */
  HOTLINE_AUTH_TOKEN: z.string().optional(),
  /** the provider's account SID: the user name of the recording download's basic auth (none when absent) */
  HOTLINE_ACCOUNT_SID: z.string().optional(),
  /** comma-separated hosts recordings may be downloaded from (host: any port; host:port: that port); nothing else is ever fetched */
  HOTLINE_RECORDING_HOSTS: z.string().default('api.twilio.com'),
  /** the key of the codes' keyed hash (HMAC-SHA-256); absent: a secret generated once and kept in the database */
  HOTLINE_CODE_KEY: z.string().min(16).optional(),
});

/** The settings with the defaults that depend on others: PUBLIC_URL follows PORT unless set. */
export const configSchema = settings.transform((c) => ({ ...c, PUBLIC_URL: c.PUBLIC_URL ?? `http://localhost:${c.PORT}` }));

export type Config = z.output<typeof configSchema>;

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')),
  );
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
