import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { serviceContext } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config.js';
import { createDb, type Db } from '../../src/db/knex.js';
import { ensureTicketNumberStart } from '../../src/db/migrate.js';
import { withDatabase } from '../../src/db/url.js';
import type { ServiceContext } from '../../src/services/context.js';

export interface TestDatabase {
  db: Db;
  url: string;
  ctx: ServiceContext;
  drop(): Promise<void>;
}

/**
 * A clean, migrated database of this test file's own, cloned from the run's template, with the
 * use cases' context as npm start builds it (src/bootstrap.ts) from the default configuration
 * and `env`.
 */
export async function freshDatabase(env: Record<string, string> = {}): Promise<TestDatabase> {
  const serverUrl = inject('pgServerUrl');
  const template = inject('templateDb');
  const name = `hd_test_${process.ppid}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name} template ${template}`);
  await admin.end();
  const url = withDatabase(serverUrl, name);
  const db = createDb(url, 5);
  await ensureTicketNumberStart(db, 98000);
  return {
    db,
    url,
    ctx: serviceContext(db, loadConfig({ NODE_ENV: 'test', SEED_DEMO: 'false', ...env })),
    drop: async () => {
      await db.destroy();
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
