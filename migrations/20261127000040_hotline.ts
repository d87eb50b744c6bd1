import type { Knex } from 'knex';

/**
 * The phone channel (HOTLINE.md, issue 13).
 * - hotline_codes: one 10-digit code per customer user and hotline contract, stored only as a
 *   keyed hash (HMAC-SHA-256 with the server's code key, hex), unique, so a look-up needs no
 *   plain code and a leaked table reveals none. Re-issuing replaces the hash.
 * - hotline_calls: the state of a call keyed by the provider's CallSid, so any web process
 *   answers any step; it also is the staff's hotline log (outcome, duration, retry).
 * - hotline_attempts: every code attempt (time, caller number, outcome; never the digits),
 *   also the source of the caller-number lockout (HOTLINE.md §3).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('hotline_codes', (t) => {
    t.bigIncrements('id');
    t.integer('user_id').notNullable().references('users.id').onDelete('cascade');
    t.integer('contract_id').notNullable().references('contracts.id').onDelete('cascade');
    t.text('code_hash').notNullable().unique();
    t.text('source').notNullable().defaultTo('staff'); // staff | import
    t.integer('issued_by').references('users.id').onDelete('set null');
    t.timestamp('issued_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['user_id', 'contract_id']);
  });
  await knex.raw(`alter table hotline_codes add constraint hotline_code_source check (source in ('staff', 'import'))`);

  await knex.schema.createTable('hotline_calls', (t) => {
    t.bigIncrements('id');
    t.text('call_sid').notNullable().unique();
    t.text('caller').notNullable().defaultTo(''); // From, as the provider sent it
    t.text('called').notNullable().defaultTo(''); // To
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('ended_at', { useTz: true });
    /** where the call is: code (asking for it), recording, menu, saving, ended */
    t.text('step').notNullable().defaultTo('code');
    t.integer('wrong_codes').notNullable().defaultTo(0);
    t.integer('user_id').references('users.id').onDelete('set null');
    t.integer('contract_id').references('contracts.id').onDelete('set null');
    t.text('recording_url');
    t.text('recording_sid');
    t.integer('recording_seconds');
    /** no_code, wrong_code, locked_out, outside_hours, hung_up, ticket, download_failed (null while the call goes on) */
    t.text('outcome');
    t.bigInteger('ticket_number').references('tickets.number');
    t.text('failure'); // why the download failed, for staff (no secrets)
  });
  await knex.raw(`alter table hotline_calls add constraint hotline_call_step check (step in ('code', 'recording', 'menu', 'saving', 'ended'))`);
  await knex.raw(`alter table hotline_calls add constraint hotline_call_outcome check (outcome in
    ('no_code', 'wrong_code', 'locked_out', 'outside_hours', 'hung_up', 'ticket', 'download_failed'))`);
  await knex.raw('create index hotline_calls_started on hotline_calls (started_at desc)');
  await knex.raw(`create index hotline_calls_failed on hotline_calls (started_at desc) where outcome = 'download_failed'`);

  await knex.schema.createTable('hotline_attempts', (t) => {
    t.bigIncrements('id');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('caller').notNullable();
    t.text('call_sid').notNullable();
    t.text('outcome').notNullable(); // accepted | wrong | locked_out
    t.integer('user_id').references('users.id').onDelete('set null');
  });
  await knex.raw(`alter table hotline_attempts add constraint hotline_attempt_outcome check (outcome in ('accepted', 'wrong', 'locked_out'))`);
  await knex.raw('create index hotline_attempts_caller on hotline_attempts (caller, at desc)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('hotline_attempts');
  await knex.schema.dropTable('hotline_calls');
  await knex.schema.dropTable('hotline_codes');
}
