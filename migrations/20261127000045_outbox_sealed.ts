import type { Knex } from 'knex';

/**
 * A secret that a queued mail carries without the database holding it readable (issue 13: "the
 * database holds no code in plain text"). The bodies hold a mark where the secret goes; `sealed`
 * holds the secret encrypted (AES-256-GCM under a key derived from the hotline code key). The
 * outbox sender opens it only to hand the mail to SMTP, and clears it once the mail has left
 * or has been given up.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('outbound_mail', (t) => {
    t.text('sealed');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('outbound_mail', (t) => {
    t.dropColumn('sealed');
  });
}
