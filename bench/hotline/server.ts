/**
 * The portal with the HotLine on, under load, in a process of its own (served as
 * bench/portal/server.ts is, bench/support/serve.ts). Started by bench/hotline/run.ts with
 * BENCH_SERVER_DB_URL and the HOTLINE_* and PUBLIC_URL settings in the environment; prints
 * `LISTENING <port>` once it accepts connections and stops on SIGTERM/SIGINT.
 */
import crypto from 'node:crypto';
import { serviceContext } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';
import { createDb } from '../../src/db/knex.js';
import { createHttpApp } from '../../src/http-app.js';
import { serveLikeNpmStart } from '../support/serve.js';

const env = process.env;
const url = env.BENCH_SERVER_DB_URL ?? '';
if (!url) {
  console.error('server.ts: BENCH_SERVER_DB_URL is not set');
  process.exit(2);
}

await serveLikeNpmStart(
  () => {
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
    return { app: web.app, close: () => web.close().catch(() => undefined).then(() => ctx.db.destroy()) };
  },
  { stopWaitMs: 2000 },
);
