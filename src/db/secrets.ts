import crypto from 'node:crypto';
import type { Db } from './knex.js';

/**
 * A secret shared by every app process on one database, generated on first use, so a
 * fresh install needs no configuration and a restart keeps users signed in.
 */
export async function sharedSecret(db: Db, name: string): Promise<string> {
  const candidate = crypto.randomBytes(32).toString('base64url');
  await db('app_secrets').insert({ name, value: candidate }).onConflict('name').ignore();
  const row = await db('app_secrets').where({ name }).first('value');
  return row.value as string;
}
