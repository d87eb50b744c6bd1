import type { Db } from '../../src/db/knex.js';

const COUNTED = ['tickets', 'ticket_messages', 'ticket_events', 'attachments', 'efforts', 'inbound_mail', 'outbound_mail'];

/**
 * What a refused request must leave as it was: the row counts of the tables a use case writes,
 * each ticket's state and editable fields, the mail audit's review state, and each user's
 * password, notification choices and status.
 */
export async function dbSnapshot(db: Db) {
  const counts: Record<string, number> = {};
  for (const table of COUNTED) counts[table] = Number((await db(table).count<{ n: string }[]>('* as n'))[0]!.n);
  return {
    counts,
    tickets: await db('tickets').orderBy('number').select('number', 'state', 'assignee_id', 'paragraph_id', 'category', 'resolution', 'updated_at'),
    mail: await db('inbound_mail').orderBy('id').select('id', 'outcome', 'review', 'attempts'),
    users: await db('users').orderBy('id').select('id', 'password_hash', 'notify_prefs', 'active'),
  };
}

/** Text columns people write: none may hold a C0 control character other than tab and line breaks. */
export async function controlCharactersStored(db: Db): Promise<number> {
  const pattern = '[\u0001-\u0008\u000b\u000c\u000e-\u001f]';
  const count = async (table: string, column: string) =>
    Number((await db(table).where(column, '~', pattern).count<{ n: string }[]>('* as n'))[0]!.n);
  let n = 0;
  for (const [table, column] of [
    ['tickets', 'subject'], ['tickets', 'description'], ['tickets', 'contact_email'], ['tickets', 'contact_phone'], ['tickets', 'category'],
    ['tickets', 'resolution'], ['ticket_messages', 'body'], ['efforts', 'note'], ['attachments', 'name'],
  ] as const) n += await count(table, column);
  return n;
}
