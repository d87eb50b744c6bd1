import type { Knex } from 'knex';

/**
 * The integration API (API.md, issue 14).
 * - api_tokens: one per contract and name; only the SHA-256 of the token (hex) is stored. The
 *   tickets it creates are reported as `user_id` under `paragraph_id` unless the request names
 *   another paragraph of the contract.
 * - api_idempotency: a key's stored response for 24 hours per token (API.md §3). The primary
 *   key makes concurrent first requests collide in the database, not in a check-then-insert;
 *   `status` is null while the first request is in flight (a retry then gets 409).
 * - api_alert_groups: Alertmanager's groupKey → the ticket open for it, with the alerts'
 *   fingerprint → status as last reported, so an unchanged repeat adds nothing.
 * - tickets.external_id: the caller's own reference (API.md §2), filterable per contract.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('api_tokens', (t) => {
    t.bigIncrements('id');
    t.integer('contract_id').notNullable().references('contracts.id').onDelete('cascade');
    t.integer('paragraph_id').notNullable().references('contract_paragraphs.id');
    t.integer('user_id').notNullable().references('users.id');
    t.text('name').notNullable();
    t.text('token_hash').notNullable().unique();
    t.integer('created_by').references('users.id').onDelete('set null');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_used_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
  });
  // a name is unique among a contract's live tokens (a revoked one may be re-created)
  await knex.raw('create unique index api_tokens_live_name on api_tokens (contract_id, name) where revoked_at is null');

  await knex.schema.createTable('api_idempotency', (t) => {
    t.bigInteger('token_id').notNullable().references('api_tokens.id').onDelete('cascade');
    t.text('key').notNullable();
    t.text('request_hash').notNullable(); // sha256 of method, path and body
    t.integer('status'); // null while in flight
    t.jsonb('response');
    t.text('location');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['token_id', 'key']);
  });
  await knex.raw('create index api_idempotency_created on api_idempotency (created_at)');

  await knex.schema.createTable('api_alert_groups', (t) => {
    t.bigInteger('token_id').notNullable().references('api_tokens.id').onDelete('cascade');
    t.text('group_key').notNullable();
    t.bigInteger('ticket_number').notNullable().references('tickets.number');
    t.jsonb('alerts').notNullable().defaultTo('{}'); // fingerprint -> status
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['token_id', 'group_key', 'ticket_number']);
  });

  await knex.raw('alter table tickets add column external_id text');
  await knex.raw('create index tickets_contract_external on tickets (contract_id, external_id) where external_id is not null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table tickets drop column external_id');
  await knex.schema.dropTable('api_alert_groups');
  await knex.schema.dropTable('api_idempotency');
  await knex.schema.dropTable('api_tokens');
}
