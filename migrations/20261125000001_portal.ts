import type { Knex } from 'knex';

const STATES = ['new', 'accepted', 'escalated', 'paused', 'resolved', 'closed', 'complained', 'cancelled'];
const METHODS = ['Hod', 'ND-Hod', 'NBD-Hod', 'Min', 'Min-Cont', 'Den', 'Den-Cont'];
const list = (values: string[]) => values.map((v) => `'${v}'`).join(', ');

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('companies', (t) => {
    t.increments('id');
    t.text('name').notNullable();
    t.text('address');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('service_calendars', (t) => {
    t.increments('id');
    t.text('name').notNullable().unique();
    // {"mon": [["08:00","16:00"]], ..., "sun": []}: local wall-clock, several windows a day allowed
    t.jsonb('windows').notNullable();
    t.text('holiday_country').defaultTo('CZ');
    // extra closed dates (ISO), on top of the country's public holidays
    t.jsonb('extra_closed_dates').notNullable().defaultTo('[]');
    t.integer('service_day_minutes');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('contracts', (t) => {
    t.increments('id');
    t.integer('company_id').notNullable().references('companies.id');
    t.text('number').notNullable().unique();
    t.text('name').notNullable();
    // the SLA clocks run in the contract's zone against its calendar's wall-clock windows
    t.text('timezone').notNullable().defaultTo('Europe/Prague');
    t.integer('calendar_id').notNullable().references('service_calendars.id');
    t.boolean('active').notNullable().defaultTo(true);
    t.index(['company_id']);
  });

  await knex.schema.createTable('contract_paragraphs', (t) => {
    t.increments('id');
    t.integer('contract_id').notNullable().references('contracts.id');
    t.text('code').notNullable();
    t.text('name').notNullable();
    t.text('kind').notNullable();
    t.boolean('sla_applies').notNullable().defaultTo(true);
    t.text('reaction_method');
    t.integer('reaction_amount');
    t.text('resolution_method');
    t.integer('resolution_amount');
    t.boolean('is_email_default').notNullable().defaultTo(false);
    t.boolean('active').notNullable().defaultTo(true);
    t.unique(['contract_id', 'code']);
  });
  await knex.raw(`
    alter table contract_paragraphs
      add constraint paragraph_kind check (kind in ('incident', 'order', 'question', 'hypercare')),
      add constraint paragraph_methods check (
        (reaction_method is null or reaction_method in (${list(METHODS)}))
        and (resolution_method is null or resolution_method in (${list(METHODS)}))),
      add constraint paragraph_amounts check (
        (reaction_amount is null or reaction_amount > 0) and (resolution_amount is null or resolution_amount > 0)),
      add constraint paragraph_sla_complete check (
        not sla_applies or (reaction_method is not null and reaction_amount is not null
                            and resolution_method is not null and resolution_amount is not null));
    create unique index one_email_default_paragraph on contract_paragraphs (contract_id) where is_email_default;
  `);

  await knex.schema.createTable('users', (t) => {
    t.increments('id');
    t.text('login').notNullable();
    t.text('name').notNullable();
    t.text('email').notNullable();
    t.text('phone');
    t.text('role').notNullable();
    t.boolean('active').notNullable().defaultTo(true);
    t.text('password_hash').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`
    alter table users add constraint user_role check (role in ('customer', 'agent', 'admin'));
    create unique index users_login_unique on users (lower(login));
  `);

  await knex.schema.createTable('user_contracts', (t) => {
    t.integer('user_id').notNullable().references('users.id');
    t.integer('contract_id').notNullable().references('contracts.id');
    // false: the customer sees only tickets they reported; true: every ticket of the contract
    t.boolean('sees_all_tickets').notNullable().defaultTo(false);
    t.primary(['user_id', 'contract_id']);
    t.index(['contract_id']);
  });

  await knex.raw('create sequence ticket_number_seq');
  await knex.schema.createTable('tickets', (t) => {
    t.bigInteger('number').primary().defaultTo(knex.raw("nextval('ticket_number_seq')"));
    t.integer('contract_id').notNullable().references('contracts.id');
    t.integer('paragraph_id').notNullable().references('contract_paragraphs.id');
    t.integer('reporter_id').notNullable().references('users.id');
    t.text('contact_phone');
    t.text('contact_email');
    t.text('subject').notNullable();
    t.text('description').notNullable();
    t.date('requested_resolution_date');
    t.text('category');
    t.integer('assignee_id').references('users.id');
    t.text('state').notNullable().defaultTo('new');
    t.text('channel').notNullable();
    t.text('resolution');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('resolved_at', { useTz: true });
    t.timestamp('closed_at', { useTz: true });
  });
  await knex.raw(`
    alter sequence ticket_number_seq owned by tickets.number;
    alter table tickets
      add constraint ticket_state check (state in (${list(STATES)})),
      add constraint ticket_channel check (channel in ('web', 'email', 'hotline', 'api'));
    create index tickets_contract_created on tickets (contract_id, created_at desc);
    create index tickets_reporter_created on tickets (reporter_id, created_at desc);
    create index tickets_state_created on tickets (state, created_at desc);
    create index tickets_assignee on tickets (assignee_id) where assignee_id is not null;
  `);

  await knex.schema.createTable('ticket_messages', (t) => {
    t.bigIncrements('id');
    t.bigInteger('ticket_number').notNullable().references('tickets.number');
    t.integer('author_id').references('users.id');
    t.text('body').notNullable();
    t.text('source').notNullable();
    // staff-only note, never shown to customers
    t.boolean('internal').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['ticket_number', 'id']);
  });
  await knex.raw(`alter table ticket_messages add constraint message_source check (source in ('web', 'email', 'hotline', 'system'))`);

  await knex.schema.createTable('attachment_blobs', (t) => {
    t.specificType('sha256', 'char(64)').primary();
    t.bigInteger('size').notNullable();
    t.binary('data').notNullable();
  });
  await knex.schema.createTable('attachments', (t) => {
    t.bigIncrements('id');
    t.bigInteger('ticket_number').notNullable().references('tickets.number');
    t.bigInteger('message_id').references('ticket_messages.id');
    t.specificType('sha256', 'char(64)').notNullable().references('attachment_blobs.sha256');
    t.text('name').notNullable();
    t.text('content_type').notNullable();
    t.bigInteger('size').notNullable();
    t.integer('uploaded_by').references('users.id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['ticket_number']);
  });

  // Append-only: the source of truth for the ticket's life (state replay, SLA).
  await knex.schema.createTable('ticket_events', (t) => {
    t.bigIncrements('id');
    t.bigInteger('ticket_number').notNullable().references('tickets.number');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.integer('actor_id').references('users.id');
    t.text('kind').notNullable();
    t.text('from_state');
    t.text('to_state');
    t.jsonb('data').notNullable().defaultTo('{}');
    // staff-only events (internal notes) are hidden from customers
    t.boolean('internal').notNullable().defaultTo(false);
    t.index(['ticket_number', 'id']);
  });
  await knex.raw(`
    create function ticket_events_append_only() returns trigger language plpgsql as $$
    begin raise exception 'ticket_events is append-only'; end $$;
    create trigger ticket_events_no_update before update or delete on ticket_events
      for each row execute function ticket_events_append_only();
  `);

  await knex.schema.createTable('efforts', (t) => {
    t.bigIncrements('id');
    t.bigInteger('ticket_number').notNullable().references('tickets.number');
    t.integer('user_id').notNullable().references('users.id');
    t.integer('minutes').notNullable();
    t.date('work_date').notNullable();
    t.text('note');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['ticket_number']);
  });
  await knex.raw('alter table efforts add constraint effort_minutes check (minutes > 0 and minutes <= 1440)');

  // process-wide secrets generated on first start when not configured (session signing key)
  await knex.schema.createTable('app_secrets', (t) => {
    t.text('name').primary();
    t.text('value').notNullable();
  });

  // connect-pg-simple's table
  await knex.raw(`
    create table sessions (sid varchar not null primary key, sess json not null, expire timestamp(6) not null);
    create index sessions_expire on sessions (expire);
  `);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'sessions', 'app_secrets', 'efforts', 'ticket_events', 'attachments', 'attachment_blobs', 'ticket_messages',
    'tickets', 'user_contracts', 'users', 'contract_paragraphs', 'contracts', 'service_calendars', 'companies',
  ]) await knex.schema.dropTableIfExists(table);
  await knex.raw('drop function if exists ticket_events_append_only()');
}
