import type { Knex } from 'knex';

/**
 * The customer overview walks one contract's tickets of one list newest first (bench/portal).
 * The index carries every column the list shows or filters on, so the page is an index-only
 * scan: the tickets of a contract are spread over the whole table.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create index tickets_contract_state_created on tickets (contract_id, state, created_at desc)
      include (reporter_id, number, resolved_at, closed_at, assignee_id, subject)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists tickets_contract_state_created');
}
