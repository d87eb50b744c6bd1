import type { Knex } from 'knex';
import { loginKey } from '../src/domain/login.js';

/**
 * Security fixes (issue 8):
 * - users.login_key: the one normalised form of a login (domain/login.ts) that sign-in, the
 *   limiter and every lookup compare; unique.
 * - rate_counters: shared counters for the sign-in limits and the upload quota.
 * - users.session_epoch: raised by the database itself whenever a user's access changes
 *   (active, role, a membership), whoever makes the change (admin page, import, SQL); a session
 *   records the epoch it signed in with and is refused once it differs, and the user's session
 *   rows are deleted at once. Both together: a request in flight that saves its session
 *   again cannot bring it back to life.
 * - sessions.user_id: who a session belongs to, indexed, so ending a user's sessions is a
 *   lookup, not a scan of every session's JSON.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('users', (t) => {
    t.text('login_key');
    t.integer('session_epoch').notNullable().defaultTo(0);
  });
  const users = (await knex('users').select('id', 'login')) as { id: number; login: string }[];
  for (const u of users) await knex('users').where({ id: u.id }).update({ login_key: loginKey(u.login) });
  await knex.raw('alter table users alter column login_key set not null');
  await knex.raw('create unique index users_login_key on users (login_key)');

  await knex.raw(`
    create table rate_counters (
      key text primary key,
      window_start timestamptz not null,
      window_seconds integer not null,
      count bigint not null
    )`);

  await knex.raw(`
    alter table sessions add column user_id integer
      generated always as (((sess -> 'passport' -> 'user' ->> 'id'))::integer) stored;
    create index sessions_user on sessions (user_id) where user_id is not null;

    create function users_access_changed() returns trigger language plpgsql as $$
    begin
      if new.active is distinct from old.active or new.role is distinct from old.role then
        new.session_epoch := old.session_epoch + 1;
      end if;
      return new;
    end $$;
    create trigger users_access_changed before update on users
      for each row execute function users_access_changed();

    create function users_end_sessions() returns trigger language plpgsql as $$
    begin
      delete from sessions where user_id = new.id;
      return null;
    end $$;
    create trigger users_end_sessions after update on users
      for each row when (new.session_epoch is distinct from old.session_epoch)
      execute function users_end_sessions();

    create function memberships_changed() returns trigger language plpgsql as $$
    begin
      if tg_op in ('UPDATE', 'DELETE') then
        update users set session_epoch = session_epoch + 1 where id = old.user_id;
      end if;
      if tg_op in ('INSERT', 'UPDATE') and (tg_op = 'INSERT' or new.user_id <> old.user_id) then
        update users set session_epoch = session_epoch + 1 where id = new.user_id;
      end if;
      return null;
    end $$;
    create trigger memberships_changed after insert or delete on user_contracts
      for each row execute function memberships_changed();
    create trigger memberships_updated after update on user_contracts
      for each row when (old.* is distinct from new.*) execute function memberships_changed();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop trigger if exists memberships_updated on user_contracts;
    drop trigger if exists memberships_changed on user_contracts;
    drop function if exists memberships_changed();
    drop trigger if exists users_end_sessions on users;
    drop function if exists users_end_sessions();
    drop trigger if exists users_access_changed on users;
    drop function if exists users_access_changed();
    drop index if exists sessions_user;
    alter table sessions drop column if exists user_id;
    drop table if exists rate_counters;
    drop index if exists users_login_key;
    alter table users drop column if exists login_key, drop column if exists session_epoch;
  `);
}
