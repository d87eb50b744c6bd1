import { loadConfig } from './config.js';
import { openRuntime } from './bootstrap.js';
import { sharedSecret } from './db/secrets.js';
import { DEMO_USERS, seedDemo } from './db/seed-demo.js';
import { startAutoClose } from './services/auto-close.js';
import { createMailPoller } from './mail/poller.js';
import { ingestMail, recordMailFailure } from './services/mail/ingest.js';
import { createTransport, startOutboxWorker } from './services/mail/outbox.js';
import { startSlaRecompute } from './services/sla.js';
import { createApp } from './web/app.js';

const config = loadConfig();
const runtime = await openRuntime(config, (line) => {
  if (/ERROR|FATAL/.test(line)) console.error(`[postgres] ${line}`);
});
const { ctx } = runtime;

if (config.SEED_DEMO && (await seedDemo(ctx))) {
  console.log('Demo data seeded. Sign in as:');
  for (const u of DEMO_USERS) console.log(`  ${u.login} / ${u.password}  (${u.role})`);
}

const secret = config.SESSION_SECRET ?? (await sharedSecret(ctx.db, 'session'));
const web = createApp(ctx, config, secret, runtime.databaseUrl);
const stopJobs = [startAutoClose(ctx, config.AUTO_CLOSE_DAYS), startSlaRecompute(ctx)];
if (config.SMTP_HOST) {
  const transport = createTransport({ host: config.SMTP_HOST, port: config.SMTP_PORT, secure: config.SMTP_SECURE, user: config.SMTP_USER, password: config.SMTP_PASSWORD });
  stopJobs.push(startOutboxWorker(ctx.db, transport, ctx.mail!));
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
  stopJobs.push(() => void poller.stop());
} else {
  console.log('IMAP_HOST is not set: no mailbox is polled (mailgate still works).');
}
const server = web.app.listen(config.PORT, config.HOST, () => {
  console.log(`helpdesk.tech listens on ${config.PUBLIC_URL} (port ${config.PORT})`);
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: shutting down`);
  for (const stop of stopJobs) stop();
  server.close();
  await web.close();
  await runtime.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
