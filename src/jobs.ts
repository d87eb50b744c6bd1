import type { Config } from './config.js';
import { createMailPoller } from './mail/poller.js';
import { startAutoClose } from './services/auto-close.js';
import type { ServiceContext } from './services/context.js';
import { ingestMail, recordMailFailure } from './services/mail/ingest.js';
import { createTransport, startOutboxWorker } from './services/mail/outbox.js';
import { startSlaRecompute } from './services/sla.js';

/** Starts the in-process background work (auto-close, SLA recomputation, outbox, IMAP poller); returns their stop functions. */
export function startBackgroundJobs(ctx: ServiceContext, config: Config): (() => void)[] {
  const stops = [startAutoClose(ctx, config.AUTO_CLOSE_DAYS), startSlaRecompute(ctx)];
  if (config.SMTP_HOST) {
    const transport = createTransport({ host: config.SMTP_HOST, port: config.SMTP_PORT, secure: config.SMTP_SECURE, user: config.SMTP_USER, password: config.SMTP_PASSWORD });
    stops.push(startOutboxWorker(ctx.db, transport, ctx.mail!));
  } else {
    console.log('SMTP_HOST is not set: notifications wait in the outbox.');
  }
  if (config.IMAP_HOST) {
    const poller = createMailPoller({
      db: ctx.db,
      imap: { host: config.IMAP_HOST, port: config.IMAP_PORT, secure: config.IMAP_SECURE, user: config.IMAP_USER ?? '', password: config.IMAP_PASSWORD ?? '' },
      mailbox: config.IMAP_MAILBOX,
      folders: { processed: config.IMAP_PROCESSED_FOLDER, ignored: config.IMAP_IGNORED_FOLDER, rejected: config.IMAP_REJECTED_FOLDER, quarantine: config.IMAP_QUARANTINE_FOLDER },
      maxMessageBytes: config.MAIL_MAX_MESSAGE_BYTES,
      maxAttempts: config.MAIL_MAX_ATTEMPTS,
      pollSeconds: config.MAIL_POLL_SECONDS,
      ingest: (raw, source) => ingestMail(ctx, raw, source),
      recordFailure: (raw, source, error) => recordMailFailure(ctx, raw, source, error),
      log: (line) => console.log(`[imap] ${line}`),
    });
    poller.start();
    stops.push(() => void poller.stop());
  } else {
    console.log('IMAP_HOST is not set: no mailbox is polled (mailgate still works).');
  }
  return stops;
}
