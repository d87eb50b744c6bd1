import type { Knex } from 'knex';

/**
 * The SLA clocks are computed from the history; the current due instants and verdicts are
 * stored so the staff queue can sort and filter without computing per row.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('tickets', (t) => {
    // null unless the clock is running (paused, stopped, awaiting a complaint decision, no SLA)
    t.timestamp('reaction_due_at', { useTz: true });
    t.timestamp('resolution_due_at', { useTz: true });
    // verdict as of sla_computed_at; final once the clock has stopped
    t.boolean('reaction_breached');
    t.boolean('resolution_breached');
    t.timestamp('sla_computed_at', { useTz: true });
  });
  await knex.raw(`
    create index tickets_sla_due on tickets (least(reaction_due_at, resolution_due_at))
      where reaction_due_at is not null or resolution_due_at is not null;
    create index tickets_sla_breached on tickets (number) where reaction_breached or resolution_breached;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index if exists tickets_sla_due; drop index if exists tickets_sla_breached');
  await knex.schema.alterTable('tickets', (t) => {
    t.dropColumns('reaction_due_at', 'resolution_due_at', 'reaction_breached', 'resolution_breached', 'sla_computed_at');
  });
}
