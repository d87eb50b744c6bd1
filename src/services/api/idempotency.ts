import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { fixedStatement } from '../../db/compiled.js';
import type { Tx } from '../context.js';

/**
 * Idempotency keys of the integration API (API.md §3), per token for 24 hours. The first request
 * with a key claims it by inserting the row: the primary key (token_id, key) decides between
 * concurrent first requests, never a read before the insert. The response is stored in the same
 * transaction as the use case's writes, so a stored response and its ticket exist together.
 */
export const IDEMPOTENCY_KEY_MAX = 255;
export const IDEMPOTENCY_HOURS = 24;
/**
 * A claim still without a response after this long belongs to a request whose process died
 * (a use case takes seconds at most): it no longer blocks retries with 409.
 */
export const ABANDONED_CLAIM_SECONDS = 300;

export interface StoredResponse {
  status: number;
  body: unknown;
  location: string | null;
}

export type Claim =
  | { outcome: 'claimed' }
  /** a finished request with the same key and body: answer as it was answered */
  | { outcome: 'replay'; response: StoredResponse }
  /** the first request with this key is still running */
  | { outcome: 'in_flight' }
  /** the key was used for another request */
  | { outcome: 'mismatch' };

/** What identifies a request for a key: its method, path and body (parsed, so whitespace does not matter). */
export function requestHash(method: string, path: string, body: unknown): string {
  return createHash('sha256').update(JSON.stringify([method.toUpperCase(), path, body ?? null])).digest('hex');
}

export async function claimKey(db: Knex, tokenId: number, key: string, hash: string): Promise<Claim> {
  // a retry after a row vanished between the two statements; three rounds are plenty
  for (let round = 0; round < 3; round++) {
    if ((await claimStatement(db, [tokenId, key, hash])).length) return { outcome: 'claimed' };
    const row = (await db('api_idempotency')
      .where({ token_id: tokenId, key })
      .first(
        'request_hash', 'status', 'response', 'location',
        db.raw(`created_at <= now() - make_interval(hours => ?) as expired`, [IDEMPOTENCY_HOURS]),
        db.raw(`status is null and created_at <= now() - make_interval(secs => ?) as abandoned`, [ABANDONED_CLAIM_SECONDS]),
      )) as
      | { request_hash: string; status: number | null; response: unknown; location: string | null; expired: boolean; abandoned: boolean }
      | undefined;
    // gone between the two statements (the claim of a failed request was given up): claim again
    if (!row) continue;
    if (row.expired) {
      // a key older than its 24 hours that the clean-up has not removed yet is free again
      await db('api_idempotency').where({ token_id: tokenId, key }).whereRaw(`created_at <= now() - make_interval(hours => ?)`, [IDEMPOTENCY_HOURS]).delete();
      continue;
    }
    if (row.abandoned) {
      // the same conditions again: of two retries racing here, one deletes and both try to claim
      await db('api_idempotency').where({ token_id: tokenId, key }).whereNull('status').whereRaw(`created_at <= now() - make_interval(secs => ?)`, [ABANDONED_CLAIM_SECONDS]).delete();
      continue;
    }
    if (row.request_hash !== hash) return { outcome: 'mismatch' };
    if (row.status === null) return { outcome: 'in_flight' };
    return { outcome: 'replay', response: { status: row.status, body: row.response, location: row.location } };
  }
  return { outcome: 'in_flight' };
}

/** Stores the response of a claimed key: in the use case's transaction where there is one. */
export async function storeResponse(db: Knex | Tx, tokenId: number, key: string, response: StoredResponse): Promise<void> {
  await storeStatement(db, [tokenId, key, response.status, JSON.stringify(response.body ?? null), response.location]);
}

// every POST with a key runs these two: fixed SQL as prepared statements (db/compiled.ts)
const claimStatement = fixedStatement(`insert into api_idempotency (token_id, key, request_hash) values ($1, $2, $3) on conflict do nothing returning 1`, 'insert');
const storeStatement = fixedStatement(`update api_idempotency set status = $3, response = $4::jsonb, location = $5 where token_id = $1 and key = $2`, 'update');

/** Gives the key up when its request failed, so a retry runs again instead of replaying a failure. */
export async function releaseKey(db: Knex, tokenId: number, key: string): Promise<void> {
  await db('api_idempotency').where({ token_id: tokenId, key }).whereNull('status').delete();
}

/** Deletes keys older than 24 hours; for the periodic clean-up job. */
export async function pruneIdempotencyKeys(db: Knex): Promise<number> {
  return db('api_idempotency').whereRaw(`created_at <= now() - make_interval(hours => ?)`, [IDEMPOTENCY_HOURS]).delete();
}
