import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import type { Db } from './knex.js';

const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

interface MigrationModule {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * Knex's own directory loader cannot import TypeScript migrations under every runner
 * (tsx, vitest); importing them ourselves works in both.
 */
class TsMigrationSource implements Knex.MigrationSource<string> {
  async getMigrations(): Promise<string[]> {
    const files = await fs.readdir(MIGRATIONS_DIR);
    return files.filter((f) => /^\d+_[\w-]+\.ts$/.test(f)).sort();
  }
  getMigrationName(migration: string): string {
    return migration;
  }
  async getMigration(migration: string): Promise<MigrationModule> {
    return (await import(pathToFileURL(path.join(MIGRATIONS_DIR, migration)).href)) as MigrationModule;
  }
}

/** Brings the database to the latest migration; safe to call from several processes at once. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource: new TsMigrationSource() })) as [
    number,
    string[],
  ];
  return applied;
}

/** Ticket numbers continue the vendor's old numbering; the start is configurable. */
export async function ensureTicketNumberStart(db: Db, start: number): Promise<void> {
  await db.transaction(async (trx) => {
    await trx.raw('lock table tickets in share row exclusive mode');
    const seq = (await trx.raw('select last_value, is_called from ticket_number_seq')).rows[0] as {
      last_value: number;
      is_called: boolean;
    };
    const max = (await trx('tickets').max('number as max').first())?.max as number | null;
    const seqNext = seq.is_called ? seq.last_value + 1 : seq.last_value;
    const next = Math.max(start, (max ?? 0) + 1, seqNext);
    if (next !== seqNext) await trx.raw('select setval(?, ?, false)', ['ticket_number_seq', next]);
  });
}
