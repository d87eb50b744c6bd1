/**
 * `npm start`. The primary process reaches the database (starting the embedded PostgreSQL when
 * there is no DATABASE_URL), migrates and seeds it, then runs WEB_CONCURRENCY web processes on
 * the one port (sessions live in PostgreSQL, so they are interchangeable); the first of them
 * also runs the background jobs (src/jobs.ts). With WEB_CONCURRENCY=1 everything runs in this
 * process. Several nodes (this command on several hosts or ports) may share one database: each
 * job still runs once per period across all of them (docs/operations.md).
 */
import cluster from 'node:cluster';
import { openRuntime, type Runtime } from './bootstrap.js';
import { type Config, loadConfig } from './config.js';
import { sharedSecret } from './db/secrets.js';
import { DEMO_HOTLINE_CODE, DEMO_USERS, seedDemo } from './demo/seed-demo.js';
import { nodeName, startBackgroundJobs } from './jobs.js';
import { createHttpApp } from './http-app.js';

const config = loadConfig();

async function prepare(): Promise<{ runtime: Runtime; secret: string }> {
  const runtime = await openRuntime(config, (line) => {
    if (/ERROR|FATAL/.test(line)) console.error(`[postgres] ${line}`);
  });
  const seeded = config.SEED_DEMO ? await seedDemo(runtime.ctx) : null;
  if (seeded) {
    console.log('Demo data seeded. Sign in as:');
    for (const u of DEMO_USERS) console.log(`  ${u.login} / ${u.password}  (${u.role})`);
    console.log(`HotLine code of tester (contract 1): ${DEMO_HOTLINE_CODE}`);
    // shown this once, like a token an admin creates: only its hash is kept
    console.log(`API token of contract 1 (shown once): ${seeded.apiToken}`);
  }
  const secret = config.SESSION_SECRET ?? (await sharedSecret(runtime.ctx.db, 'session'));
  return { runtime, secret };
}

/** One web process: the portal on PORT, with the background jobs when `jobs`. */
async function serve(cfg: Config, runtime: Runtime, secret: string, jobs: boolean): Promise<() => Promise<void>> {
  const web = createHttpApp(runtime.ctx, cfg, secret, runtime.databaseUrl);
  const stopJobs = jobs ? startBackgroundJobs(runtime.ctx, cfg) : async () => {};
  const server = web.app.listen(cfg.PORT, cfg.HOST);
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return async () => {
    await stopJobs();
    server.close();
    await web.close();
  };
}

function onSignals(shutdown: (signal: string) => Promise<void>) {
  let stopping = false;
  const handle = (signal: string) => {
    if (stopping) return;
    stopping = true;
    void shutdown(signal).finally(() => process.exit(0));
  };
  process.on('SIGINT', () => handle('SIGINT'));
  process.on('SIGTERM', () => handle('SIGTERM'));
}

if (cluster.isPrimary && config.WEB_CONCURRENCY === 1) {
  const { runtime, secret } = await prepare();
  const stop = await serve(config, runtime, secret, true);
  console.log(`helpdesk.tech node ${nodeName(config)} listens on ${config.PUBLIC_URL} (port ${config.PORT})`);
  onSignals(async (signal) => {
    console.log(`${signal}: shutting down`);
    await stop();
    await runtime.close();
  });
} else if (cluster.isPrimary) {
  const { runtime, secret } = await prepare();
  await runtime.ctx.db.destroy();
  let stopping = false;
  const fork = (jobs: boolean) => {
    const worker = cluster.fork({ DATABASE_URL: runtime.databaseUrl, SESSION_SECRET: secret, SEED_DEMO: 'false', HD_JOBS: jobs ? '1' : '0' });
    worker.on('exit', (code) => {
      if (stopping) return;
      console.error(`web process ${worker.process.pid} ended (${code}); starting another`);
      fork(jobs);
    });
  };
  for (let i = 0; i < config.WEB_CONCURRENCY; i++) fork(i === 0);
  console.log(`helpdesk.tech node ${nodeName(config)} listens on ${config.PUBLIC_URL} (port ${config.PORT}, ${config.WEB_CONCURRENCY} web processes)`);
  onSignals(async (signal) => {
    stopping = true;
    console.log(`${signal}: shutting down`);
    const workers = Object.values(cluster.workers ?? {});
    await Promise.all(workers.map((w) => new Promise<void>((resolve) => {
      if (!w || w.isDead()) return resolve();
      w.once('exit', () => resolve());
      w.kill('SIGTERM');
    })));
    await runtime.close();
  });
} else {
  // a worker: DATABASE_URL and SESSION_SECRET come from the primary
  const runtime = await openRuntime(config);
  const stop = await serve(config, runtime, config.SESSION_SECRET!, process.env.HD_JOBS === '1');
  onSignals(async () => {
    await stop();
    await runtime.close();
  });
}
