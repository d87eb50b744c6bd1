import type { Knex } from 'knex';

/**
 * Administration without SQL (issue 10).
 *
 * - companies.active: a deactivated company keeps its contracts and tickets visible.
 * - contracts.hotline / hotline_calendar_id: the phone channel's availability (HOTLINE.md §4),
 *   contract_paragraphs.is_hotline_default: the paragraph a phone ticket gets (one per contract).
 * - user_tokens: invitation and password-reset links. Only the SHA-256 of the token is kept
 *   (OWASP: the token is a password for one use); used_at makes it single use.
 * - audit_log: who changed which administered object, when, before and after; append-only.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table companies add column active boolean not null default true;
    create unique index companies_name_unique on companies (name);

    alter table contracts
      add column hotline boolean not null default false,
      add column hotline_calendar_id integer references service_calendars (id);

    alter table contract_paragraphs add column is_hotline_default boolean not null default false;
    create unique index one_hotline_default_paragraph on contract_paragraphs (contract_id) where is_hotline_default;

    create table user_tokens (
      id bigserial primary key,
      user_id integer not null references users (id),
      purpose text not null check (purpose in ('invitation', 'reset')),
      token_hash char(64) not null unique,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      used_at timestamptz,
      created_by integer references users (id)
    );
    create index user_tokens_user on user_tokens (user_id);

    create table audit_log (
      id bigserial primary key,
      at timestamptz not null default now(),
      actor_id integer references users (id),
      -- 'web' (an admin's form), 'import' (the command or the upload), 'csv'
      source text not null,
      object_type text not null,
      object_id text not null,
      action text not null check (action in ('create', 'update')),
      before jsonb,
      after jsonb
    );
    create index audit_log_object on audit_log (object_type, object_id, id desc);
    create index audit_log_at on audit_log (at desc, id desc);

    create function audit_log_append_only() returns trigger language plpgsql as $$
    begin raise exception 'audit_log is append-only'; end $$;
    create trigger audit_log_no_update before update or delete on audit_log
      for each row execute function audit_log_append_only();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists audit_log;
    drop function if exists audit_log_append_only();
    drop table if exists user_tokens;
    drop index if exists one_hotline_default_paragraph;
    alter table contract_paragraphs drop column if exists is_hotline_default;
    alter table contracts drop column if exists hotline, drop column if exists hotline_calendar_id;
    drop index if exists companies_name_unique;
    alter table companies drop column if exists active;
  `);
}
