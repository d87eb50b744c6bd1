import type { Knex } from 'knex';

/** A message written through the integration API (API.md §2) says so in ticket_messages.source. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table ticket_messages drop constraint message_source,
    add constraint message_source check (source in ('web', 'email', 'hotline', 'api', 'system'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`update ticket_messages set source = 'web' where source = 'api'`);
  await knex.raw(`alter table ticket_messages drop constraint message_source,
    add constraint message_source check (source in ('web', 'email', 'hotline', 'system'))`);
}
