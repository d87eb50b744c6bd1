import type { Knex } from 'knex';

/**
 * rate_counters becomes UNLOGGED (issue 14, bench/api): every API request counts itself in it
 * (600 a minute per token, API.md §1), and a transaction that writes only unlogged tables
 * commits without waiting for the WAL to reach the disk. Measured with bench/api (BENCH_WAITS=1):
 * 80–90 % of the active backends' time went to WalSync and WALWrite, and a read of one ticket
 * wrote nothing else. The price: after a crash of PostgreSQL (not a clean restart) and on a
 * promoted standby the counters start from zero — a sign-in, reset-link, upload or API limit
 * window begins anew, which a limit of minutes to an hour can afford.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table rate_counters set unlogged');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table rate_counters set logged');
}
