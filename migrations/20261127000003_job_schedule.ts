import type { Knex } from 'knex';

/**
 * Background jobs on several nodes (issue 8): every periodic job runs once per period across
 * all the portal's nodes (src/db/job-schedule.ts).
 *
 * - job_runs: one row per run, keyed by the job and the period ("slot") it ran for. The key
 *   is the claim: a node runs a job only if its insert of (name, slot_start) went in, so two
 *   nodes can never both run one period, whatever their number. finished_at stays null for a
 *   run whose process died. Rows are pruned after two days (the clean-up job).
 * - job_schedule: one row per job with its counters (runs, failures) and the last run (slot,
 *   node, start, end, outcome), kept for good; next_run_at is the start of the next period.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table job_runs (
      name text not null,
      slot_start timestamptz not null,
      node text not null,
      started_at timestamptz not null,
      finished_at timestamptz,
      ok boolean,
      note text,
      primary key (name, slot_start)
    );

    create table job_schedule (
      name text primary key,
      every_seconds integer not null,
      runs bigint not null default 0,
      failures bigint not null default 0,
      last_slot timestamptz,
      last_run_at timestamptz,
      last_node text,
      last_finished_at timestamptz,
      last_ok boolean,
      last_note text,
      next_run_at timestamptz
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists job_schedule; drop table if exists job_runs;');
}
