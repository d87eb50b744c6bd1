import type { Knex } from 'knex';

/** E-mail channel (EMAIL.md): authorised addresses, inbound audit, mailbox state, outbox. */
export async function up(knex: Knex): Promise<void> {
  // manual §3.2: an address is authorised for exactly one company and contract
  await knex.schema.createTable('authorized_addresses', (t) => {
    t.text('address').primary(); // lower-cased addr-spec
    t.integer('user_id').notNullable().references('users.id');
    t.integer('contract_id').notNullable().references('contracts.id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['user_id']);
  });
  await knex.raw(`alter table authorized_addresses add constraint authorized_address_lower check (address = lower(address))`);

  await knex.schema.alterTable('users', (t) => {
    // notification kinds the user switched off; absent key = on (default: all)
    t.jsonb('notify_prefs').notNullable().defaultTo('{}');
  });

  // raw messages, content-addressed (kept for audit and re-import)
  await knex.schema.createTable('raw_mails', (t) => {
    t.specificType('sha256', 'char(64)').primary();
    t.integer('size').notNullable();
    t.binary('data').notNullable();
  });

  await knex.schema.createTable('mailbox_state', (t) => {
    t.text('mailbox').primary();
    t.bigInteger('uidvalidity');
    t.bigInteger('last_uid').notNullable().defaultTo(0);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('inbound_mail', (t) => {
    t.bigIncrements('id');
    t.text('mailbox'); // null: mailgate (standard input)
    t.bigInteger('uidvalidity');
    t.bigInteger('uid');
    t.timestamp('internal_date', { useTz: true });
    t.integer('size');
    t.text('message_id');
    t.text('dedupe_key').notNullable().unique();
    t.timestamp('date_header', { useTz: true });
    t.text('from_raw');
    t.text('from_address');
    t.text('to_addresses');
    t.text('subject');
    t.text('in_reply_to');
    t.specificType('references', 'text[]');
    t.jsonb('auth_results');
    t.specificType('raw_sha256', 'char(64)').references('raw_mails.sha256');
    // create_ticket | comment_on_ticket | duplicate | ignore_auto_reply | ignore_bounce | reject_unauthorized | too_large | quarantine | failed
    t.text('outcome').notNullable();
    t.text('reason');
    t.text('matched_by');
    t.bigInteger('ticket_number').references('tickets.number');
    t.bigInteger('ticket_message_id').references('ticket_messages.id');
    t.integer('attempts').notNullable().defaultTo(1);
    t.text('last_error');
    // for quarantined mail: pending staff decision | released | discarded
    t.text('review');
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('processed_at', { useTz: true });
    t.index(['message_id']);
    t.index(['outcome', 'received_at']);
  });

  await knex.schema.alterTable('ticket_messages', (t) => {
    // the Message-ID of the mail a comment came from (threading)
    t.text('email_message_id');
    t.index(['email_message_id']);
  });
  await knex.schema.alterTable('attachments', (t) => {
    // inline images of an e-mail (cid: parts)
    t.boolean('inline').notNullable().defaultTo(false);
    t.text('content_id');
  });

  // the outbox: written in the transaction of the change, sent afterwards by a worker
  await knex.schema.createTable('outbound_mail', (t) => {
    t.bigIncrements('id');
    t.bigInteger('ticket_number').references('tickets.number');
    t.text('message_id').notNullable().unique();
    t.text('to_address').notNullable();
    t.text('subject').notNullable();
    t.text('text_body').notNullable();
    t.text('html_body');
    // created | state_changed | staff_message | complaint_decided | confirmation | imported
    t.text('purpose').notNullable();
    t.text('in_reply_to');
    t.specificType('references', 'text[]');
    // pending | sent | failed (gave up) | delivery_failed (bounced) | imported (sent by the old system)
    t.text('status').notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('last_error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('sent_at', { useTz: true });
    t.index(['ticket_number']);
  });
  await knex.raw(`create index outbound_mail_due on outbound_mail (next_attempt_at) where status = 'pending'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('outbound_mail');
  await knex.schema.alterTable('attachments', (t) => t.dropColumns('inline', 'content_id'));
  await knex.schema.alterTable('ticket_messages', (t) => t.dropColumn('email_message_id'));
  await knex.schema.dropTableIfExists('inbound_mail');
  await knex.schema.dropTableIfExists('mailbox_state');
  await knex.schema.dropTableIfExists('raw_mails');
  await knex.schema.alterTable('users', (t) => t.dropColumn('notify_prefs'));
  await knex.schema.dropTableIfExists('authorized_addresses');
}
