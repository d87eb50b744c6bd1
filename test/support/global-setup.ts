import { mkdtemp, chmod, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../src/db/embedded.js';
import { createDb } from '../../src/db/knex.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { withDatabase } from '../../src/db/url.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** server URL without database name; each test file creates its own database from TEMPLATE_DB */
    pgServerUrl: string;
    templateDb: string;
  }
}

const TEMPLATE_DB = `helpdesk_template_${process.pid}`;

/** One PostgreSQL for the whole run (embedded, or TEST_DATABASE_URL) with a migrated template database. */
export default async function setup(project: TestProject) {
  let server: EmbeddedServer | null = null;
  let tmp: string | null = null;
  let serverUrl: string;
  if (process.env.TEST_DATABASE_URL) {
    serverUrl = process.env.TEST_DATABASE_URL;
  } else {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'helpdesk-test-'));
    await chmod(tmp, 0o755);
    const port = 56000 + (process.pid % 5000);
    server = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'pg'), port });
    serverUrl = server.url('postgres');
  }
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${TEMPLATE_DB}`);
  await admin.query(`create database ${TEMPLATE_DB}`);
  const templateUrl = withDatabase(serverUrl, TEMPLATE_DB);
  const db = createDb(templateUrl, 2);
  await migrateToLatest(db);
  await db.destroy();
  project.provide('pgServerUrl', serverUrl);
  project.provide('templateDb', TEMPLATE_DB);

  return async () => {
    await admin.query(
      `select pg_terminate_backend(pid) from pg_stat_activity where datname like 'hd_test_%' or datname = $1`,
      [TEMPLATE_DB],
    );
    const dbs = await admin.query(`select datname from pg_database where datname like 'hd_test_${process.pid}_%'`);
    for (const row of dbs.rows) await admin.query(`drop database if exists "${row.datname}"`);
    await admin.query(`drop database if exists ${TEMPLATE_DB}`);
    await admin.end();
    await server?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  };
}
