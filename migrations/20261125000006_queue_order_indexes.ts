import type { Knex } from 'knex';

/**
 * The staff queue lists every ticket (or one solver's) newest or oldest first and counts at most
 * COUNT_LIMIT of them: in index order, a page and its count stop early instead of sorting a
 * million tickets (all: 268 → 6 ms, one solver: 149 → 27 ms at 1,000,000 tickets).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create index tickets_created on tickets (created_at desc, number desc)');
  await knex.raw('create index tickets_assignee_created on tickets (assignee_id, created_at desc) where assignee_id is not null');
  await knex.raw('drop index if exists tickets_assignee');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('create index tickets_assignee on tickets (assignee_id) where assignee_id is not null');
  await knex.raw('drop index if exists tickets_assignee_created');
  await knex.raw('drop index if exists tickets_created');
}
