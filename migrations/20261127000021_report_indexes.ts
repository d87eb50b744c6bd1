import type { Knex } from 'knex';

/**
 * The monthly report's reads (services/reads/report.ts, bench/report):
 *
 * - ticket_events_transitions: a ticket's state transitions in time order, carrying every column
 *   the report reads of them, so its transitions from the month's start are an index-only scan
 *   per ticket of the contract instead of a scan of every contract's events and a sort of
 *   a third of a million rows spilling to disk (bench/report: 550 → 300 ms in the database).
 * - ticket_events_reclassified: the few field changes (reclassifications among them), read apart.
 * - tickets_contract_number: a contract's tickets in number order, the order both reads join and
 *   return them in.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create index ticket_events_transitions on ticket_events (ticket_number, at, id)
      include (kind, from_state, to_state) where to_state is not null;
    create index ticket_events_reclassified on ticket_events (ticket_number, at, id) where kind = 'field_changed';
    create index tickets_contract_number on tickets (contract_id, number);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop index if exists ticket_events_transitions;
    drop index if exists ticket_events_reclassified;
    drop index if exists tickets_contract_number;
  `);
}
