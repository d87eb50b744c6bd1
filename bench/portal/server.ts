/**
 * The portal under load, in a process of its own so the load generator never shares its
 * event loop. Started by the benchmarks as `node --import tsx bench/portal/server.ts`
 * with BENCH_SERVER_DB_URL (and optionally BENCH_DB_POOL) in the environment; prints
 * `LISTENING <port>` on stdout once it accepts connections and stops on SIGTERM/SIGINT.
 */
import crypto from 'node:crypto';
import { serviceContext } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';
import { createDb } from '../../src/db/knex.js';
import { createHttpApp } from '../../src/http-app.js';
import { serveLikeNpmStart } from '../support/serve.js';

const url = process.env.BENCH_SERVER_DB_URL ?? '';
if (!url) {
  console.error('server.ts: BENCH_SERVER_DB_URL is not set');
  process.exit(2);
}
const poolMax = Number(process.env.BENCH_DB_POOL ?? 10);

await serveLikeNpmStart(
  () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      SEED_DEMO: 'false',
      LOGIN_RATE_LIMIT: '100000',
      DATABASE_URL: url,
      PUBLIC_URL: 'http://127.0.0.1:3000',
    });
    const ctx = serviceContext(createDb(url, poolMax), config);
    const web = createHttpApp(ctx, config, process.env.BENCH_SESSION_SECRET ?? crypto.randomBytes(32).toString('base64url'), url);
    return { app: web.app, close: () => web.close().catch(() => undefined).then(() => ctx.db.destroy()) };
  },
  // sessions live in PostgreSQL: any web process must accept the cookie another one signed
  { forkEnv: { BENCH_SESSION_SECRET: crypto.randomBytes(32).toString('base64url') }, stopWaitMs: 2000 },
);
