import type { Knex } from 'knex';

/**
 * The staff queue counts its tickets per state under its filter (services/reads/lists.ts
 * queueStateCounts: one capped count per state). Without a filter each count is an index-only
 * scan of tickets_state_created; the two views the queue offers in one click, Moje (one
 * assignee) and nepřiděleno (no assignee), get the same: an index by assignee and state, and
 * one by state over the unassigned tickets only. Without them a state with few matching tickets
 * (an agent's new ones, the unassigned closed ones) scanned every ticket of that state.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('create index tickets_assignee_state on tickets (assignee_id, state, created_at desc) where assignee_id is not null');
  await knex.raw('create index tickets_unassigned_state on tickets (state, created_at desc) where assignee_id is null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists tickets_unassigned_state');
  await knex.raw('drop index if exists tickets_assignee_state');
}
