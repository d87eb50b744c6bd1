import { loadConfig } from './config.js';
import { openRuntime } from './bootstrap.js';
import { sharedSecret } from './db/secrets.js';
import { DEMO_USERS, seedDemo } from './db/seed-demo.js';
import { startAutoClose } from './services/auto-close.js';
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
