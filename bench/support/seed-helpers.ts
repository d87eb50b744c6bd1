/**
 * What the set-based seeders (bench/portal/seed.ts, bench/report/seed.ts) share: loading in
 * timed phases of one transaction each, with the big tables' secondary indexes dropped before
 * and rebuilt after, and the row counts they report.
 */
import type { Knex } from 'knex';
import type { Db } from '../../src/db/knex.js';

/** What every seeder is told: the first ticket number, and where its progress lines go. */
export interface SeedOptionsBase {
  firstNumber: number;
  log: (line: string) => void;
}

/** What every seeder reports: its phases, their total, and the rows it made. */
export interface SeedFigures {
  phases: { name: string; ms: number }[];
  totalMs: number;
  counts: Record<string, number>;
}

export interface SeedPhases {
  /** the role may switch foreign-key triggers off (and change server settings) */
  superuser: boolean;
  /** every phase's name and time, in order */
  phases: { name: string; ms: number }[];
  /** runs `body` in one transaction with the loading settings, timed and logged as a phase */
  phase<T>(name: string, body: (trx: Knex.Transaction) => Promise<T>): Promise<T>;
  /** runs `body` outside a transaction (VACUUM cannot run in one), timed and logged as a phase */
  timed(name: string, body: () => Promise<void>, label?: string): Promise<void>;
}

/**
 * Phases whose transactions start with `settings` (`set local …`), and with foreign-key
 * triggers off when the role may (session_replication_role = replica, superuser only: the data
 * is consistent by construction). Each phase is logged as `  seed <name padded to width> 12.3 s`.
 */
export async function seedPhases(db: Db, opts: { settings: string[]; width: number; log: (line: string) => void }): Promise<SeedPhases> {
  const superuser = await isSuperuser(db);
  const phases: { name: string; ms: number }[] = [];
  const done = (name: string, label: string, start: number) => {
    const ms = performance.now() - start;
    phases.push({ name, ms });
    opts.log(`  seed ${label.padEnd(opts.width)} ${(ms / 1000).toFixed(1).padStart(6)} s`);
  };
  return {
    superuser,
    phases,
    async phase(name, body) {
      const start = performance.now();
      const result = await db.transaction(async (trx) => {
        for (const setting of opts.settings) await trx.raw(setting);
        if (superuser) await trx.raw(`set local session_replication_role = replica`);
        return body(trx);
      });
      done(name, name, start);
      return result;
    },
    async timed(name, body, label = name) {
      const start = performance.now();
      await body();
      done(name, label, start);
    },
  };
}

export async function isSuperuser(db: Db): Promise<boolean> {
  const row = (await db.raw(`select rolsuper from pg_roles where rolname = current_user`)).rows[0] as { rolsuper: boolean } | undefined;
  return row?.rolsuper ?? false;
}

export interface IndexDefinition {
  indexname: string;
  indexdef: string;
}

/** The tables' indexes that no constraint owns, with the statements that make them again. */
export async function secondaryIndexes(db: Db, tables: string[]): Promise<IndexDefinition[]> {
  return (
    await db.raw(
      `select i.indexname, i.indexdef from pg_indexes i
       where i.schemaname = current_schema() and i.tablename = any(?)
         and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`,
      [tables],
    )
  ).rows as IndexDefinition[];
}

export async function dropIndexes(trx: Knex.Transaction, indexes: IndexDefinition[]): Promise<void> {
  for (const ix of indexes) await trx.raw(`drop index ??`, [ix.indexname]);
}

/** Builds the indexes again, two at a time (two cores), each with `maintenanceWorkMem`. */
export async function rebuildIndexes(db: Db, indexes: IndexDefinition[], maintenanceWorkMem: string): Promise<void> {
  const queue = [...indexes];
  const worker = async () => {
    for (let ix = queue.shift(); ix; ix = queue.shift()) {
      const def = ix.indexdef;
      await db.transaction(async (trx) => {
        await trx.raw(`set local maintenance_work_mem = '${maintenanceWorkMem}'`);
        await trx.raw(`set local max_parallel_maintenance_workers = 0`);
        await trx.raw(def);
      });
    }
  };
  await Promise.all([worker(), worker()]);
}

/**
 * `count` agents (Řešitel 1, 2, …) logging in as `<login>1`, `<login>2`, …, with phone numbers
 * `<phone>001`, `<phone>002`, …, all with the password `hash`.
 */
export async function insertAgents(trx: Knex.Transaction, opts: { login: string; phone: string; count: number; hash: string }): Promise<void> {
  await trx.raw(
    `insert into users (login, login_key, name, email, phone, role, password_hash)
     select :login || g, :login || g, 'Řešitel ' || g, :login || g || '@helpdesk.example', :phone || lpad(g::text, 3, '0'), 'agent', :hash
     from generate_series(1, :count::int) g order by g`,
    opts,
  );
}

/** Row counts by table. */
export async function rowCounts(db: Db, tables: string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) counts[table] = Number((await db.raw(`select count(*) as n from ??`, [table])).rows[0].n);
  return counts;
}
