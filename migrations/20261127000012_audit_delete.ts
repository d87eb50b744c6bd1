import type { Knex } from 'knex';

/**
 * The audit log records removals too (issue 10, users): an admin takes a contract from a user or
 * withdraws their authorised e-mail address; those rows are deleted, and the log keeps the row
 * as it was (before) with no after.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table audit_log drop constraint if exists audit_log_action_check;
    alter table audit_log add constraint audit_log_action_check check (action in ('create', 'update', 'delete'));
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table audit_log drop constraint if exists audit_log_action_check;
    alter table audit_log add constraint audit_log_action_check check (action in ('create', 'update'));
  `);
}
