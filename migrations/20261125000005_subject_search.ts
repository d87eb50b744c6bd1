import type { Knex } from 'knex';

/**
 * The staff queue searches subjects with ILIKE '%text%': a trigram index keeps that fast on a
 * million tickets. pg_trgm ships with PostgreSQL (contrib) and is a trusted extension; where
 * a server lacks it, the search still works, only slower.
 */
export async function up(knex: Knex): Promise<void> {
  const available = await knex.raw(`select 1 from pg_available_extensions where name = 'pg_trgm'`);
  if (available.rows.length === 0) return;
  await knex.raw('create extension if not exists pg_trgm');
  await knex.raw('create index tickets_subject_trgm on tickets using gin (subject gin_trgm_ops)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists tickets_subject_trgm');
}
