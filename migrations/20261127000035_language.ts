import type { Knex } from 'knex';

/**
 * The portal speaks Czech and English (issue 12, part 5): each user's chosen language, null
 * while they have not chosen (pages then follow the browser's Accept-Language, mail is Czech).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table users add column language text check (language in ('cs', 'en'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table users drop column language');
}
