import type { Knex } from 'knex';

/** The customer overview walks one contract's tickets of one list newest first (bench/portal). */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create index tickets_contract_state_created on tickets (contract_id, state, created_at desc)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists tickets_contract_state_created');
}
