/**
 * The portal under load, in a process of its own so the load generator never shares its
 * event loop. Started by bench/portal/run.ts as `node --import tsx bench/portal/server.ts`
 * with BENCH_SERVER_DB_URL (and optionally BENCH_DB_POOL) in the environment; prints
 * `LISTENING <port>` on stdout once it accepts connections and stops on SIGTERM/SIGINT.
 */
import cluster from 'node:cluster';
import crypto from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { AddressInfo } from 'node:net';
import { serviceContext } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';
import { createDb } from '../../src/db/knex.js';
import { createHttpApp } from '../../src/http-app.js';

const url = process.env.BENCH_SERVER_DB_URL ?? '';
if (!url) {
  console.error('server.ts: BENCH_SERVER_DB_URL is not set');
  process.exit(2);
}
const poolMax = Number(process.env.BENCH_DB_POOL ?? 10);

// as `npm start` runs it: one web process per core (WEB_CONCURRENCY), sessions shared in PostgreSQL
const workers = Number(process.env.BENCH_WORKERS ?? process.env.WEB_CONCURRENCY ?? Math.min(4, availableParallelism()));

if (cluster.isPrimary && workers > 1) {
  const secret = crypto.randomBytes(32).toString('base64url');
  let ready = 0;
  cluster.on('listening', (_w, address) => {
    ready += 1;
    if (ready === workers) process.stdout.write(`LISTENING ${address.port}\n`);
  });
  for (let i = 0; i < workers; i++) cluster.fork({ BENCH_SESSION_SECRET: secret });
  const stopAll = () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stopAll);
  process.on('SIGINT', stopAll);
  process.on('disconnect', stopAll);
} else {
  await serveOne();
}

async function serveOne(): Promise<void> {
  const config = loadConfig({
    NODE_ENV: 'production',
    SEED_DEMO: 'false',
    LOGIN_RATE_LIMIT: '100000',
    DATABASE_URL: url,
    PUBLIC_URL: 'http://127.0.0.1:3000',
  });
  const ctx = serviceContext(createDb(url, poolMax), config);
  const web = createHttpApp(ctx, config, process.env.BENCH_SESSION_SECRET ?? crypto.randomBytes(32).toString('base64url'), url);
  const server = web.app.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    if (!cluster.isWorker) process.stdout.write(`LISTENING ${port}\n`);
  });
  // keep-alive sockets of the load generator must not outlive a benchmark phase
  server.keepAliveTimeout = 5000;

  let stopping = false;
  async function stop(): Promise<void> {
    if (stopping) return;
    stopping = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    // in-flight queries of cut connections may still fail here; the process ends either way
    await web.close().catch(() => undefined);
    await ctx.db.destroy().catch(() => undefined);
    process.exit(0);
  }
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  // the parent went away without a signal (killed hard): do not linger
  process.on('disconnect', () => void stop());
}
