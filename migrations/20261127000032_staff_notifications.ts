import type { Knex } from 'knex';

/**
 * Staff notifications (issue 12, part 2).
 *
 * - staff_contracts: the contracts an agent or admin serves, when an admin narrowed them. A staff
 *   member with no row serves every contract (the default); with rows, only those. It decides
 *   who is told about a new ticket and, on an unassigned ticket, about its SLA. It grants or
 *   takes no access: staff see every ticket as before.
 * - staff_alerts: one row per SLA alert queued (ticket, clock, kind, the due instant it was
 *   about). The key is the once-only guarantee: the SLA alert job inserts here with ON CONFLICT
 *   DO NOTHING and queues mail only for the rows that went in, in the same transaction, so a
 *   restart or two processes never send one twice. A due moved later (a pause, a
 *   reclassification) is another instant and may be alerted again.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table staff_contracts (
      user_id integer not null references users (id) on delete cascade,
      contract_id integer not null references contracts (id) on delete cascade,
      primary key (user_id, contract_id)
    );
    create index staff_contracts_contract on staff_contracts (contract_id);

    create table staff_alerts (
      ticket_number bigint not null references tickets (number) on delete cascade,
      clock text not null check (clock in ('reaction', 'resolution')),
      kind text not null check (kind in ('sla_warning', 'sla_breached')),
      due_at timestamptz not null,
      created_at timestamptz not null default now(),
      primary key (ticket_number, clock, kind, due_at)
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop table if exists staff_alerts; drop table if exists staff_contracts;');
}
