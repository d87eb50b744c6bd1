/**
 * The portal with the HotLine on, under load, in a process of its own (as bench/portal/server.ts,
 * with the same process count as bench/portal/ceiling.ts). Started by bench/hotline/run.ts with
 * BENCH_SERVER_DB_URL and the HOTLINE_* and PUBLIC_URL settings in the environment; prints
 * `LISTENING <port>` once it accepts connections and stops on SIGTERM/SIGINT.
 */
import cluster from 'node:cluster';
import crypto from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { serviceContext } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';
import { createDb } from '../../src/db/knex.js';
import { createHttpApp } from '../../src/http-app.js';

const env = process.env;
const url = env.BENCH_SERVER_DB_URL ?? '';
if (!url) {
  console.error('server.ts: BENCH_SERVER_DB_URL is not set');
  process.exit(2);
}
const workers = Number(env.BENCH_WORKERS ?? env.WEB_CONCURRENCY ?? Math.min(4, availableParallelism()));

if (cluster.isPrimary && workers > 1) {
  let ready = 0;
  cluster.on('listening', (_w, address) => {
    ready += 1;
    if (ready === workers) process.stdout.write(`LISTENING ${address.port}\n`);
  });
  for (let i = 0; i < workers; i++) cluster.fork();
  const stopAll = () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stopAll);
  process.on('SIGINT', stopAll);
  process.on('disconnect', stopAll);
} else {
  const config = loadConfig({
    NODE_ENV: 'production',
    SEED_DEMO: 'false',
    DATABASE_URL: url,
    PUBLIC_URL: env.PUBLIC_URL ?? 'http://127.0.0.1:3000',
    ...Object.fromEntries(
      ['HOTLINE_AUTH_TOKEN', 'HOTLINE_ACCOUNT_SID', 'HOTLINE_RECORDING_HOSTS', 'HOTLINE_CODE_KEY'].flatMap((k) => (env[k] ? [[k, env[k]]] : [])),
    ),
  });
  const ctx = serviceContext(createDb(url, Number(env.BENCH_DB_POOL ?? 10)), config);
  const web = createHttpApp(ctx, config, crypto.randomBytes(32).toString('base64url'), url);
  const server = web.app.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    if (!cluster.isWorker) process.stdout.write(`LISTENING ${port}\n`);
  });
  server.keepAliveTimeout = 5000;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await web.close().catch(() => undefined);
    await ctx.db.destroy().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.on('disconnect', () => void stop());
}
