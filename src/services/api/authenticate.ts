import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { fixedStatement } from '../../db/compiled.js';
import type { Actor } from '../actor.js';
import { consume } from '../rate-counters.js';

/** A live API token as the channel uses it: its scope (the contract), its default paragraph and the user it reports as. */
export interface ApiToken {
  id: number;
  name: string;
  contractId: number;
  paragraphId: number;
  /** the customer of the contract the token's tickets and messages are written as */
  actor: Actor;
  /** that user's phone: a ticket's contact phone when the request names none (as for e-mail and hotline tickets) */
  phone: string | null;
  /** the token's default paragraph's code and name (what a ticket created with it shows) */
  paragraph: { code: string; name: string };
}

/** API.md §1: 600 requests a minute per token, counted in PostgreSQL so every process shares it. */
export const API_RATE_LIMIT = 600;
const RATE_WINDOW_SECONDS = 60;
/** last_used_at is written at most this often per token, not on every request */
const LAST_USED_RESOLUTION_MS = 60_000;

export const tokenHash = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** The token of an `Authorization: Bearer <token>` header (RFC 6750: the scheme is case-insensitive). */
export function bearerToken(header: string | undefined): string | null {
  const m = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header ?? '');
  return m?.[1] ?? null;
}

/**
 * The token with its user, live only while the token is not revoked and its contract, company and
 * user are active. Fixed SQL sent as a prepared statement (db/compiled.ts): every API request
 * runs it, and building it with knex each time cost more than running it.
 */
const tokenRead = fixedStatement(
  `select a.id, a.name, a.contract_id, a.paragraph_id, a.last_used_at,
          u.id as user_id, u.login, u.name as user_name, u.email, u.role, u.language, u.phone,
          p.code as paragraph_code, p.name as paragraph_name
     from api_tokens a
     join contract_paragraphs p on p.id = a.paragraph_id
     join contracts c on c.id = a.contract_id
     join companies co on co.id = c.company_id
     join users u on u.id = a.user_id
    where a.token_hash = $1 and a.revoked_at is null and c.active and co.active and u.active`,
  'select',
);

interface TokenRow {
  id: string;
  name: string;
  contract_id: number;
  paragraph_id: number;
  last_used_at: Date | null;
  user_id: number;
  login: string;
  user_name: string;
  email: string;
  role: Actor['role'];
  language: string | null;
  phone: string | null;
  paragraph_code: string;
  paragraph_name: string;
}

/**
 * The live token behind a bearer token, or null: unknown, revoked, or its contract, company or
 * user no longer active (the web would refuse them too). Marks it used at most once a minute.
 */
export async function authenticate(db: Knex, token: string): Promise<ApiToken | null> {
  const [row] = (await tokenRead(db, [tokenHash(token)])) as unknown as TokenRow[];
  if (!row) return null;
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() >= LAST_USED_RESOLUTION_MS) {
    // the condition again in SQL: of processes racing past the check above, one writes
    await db('api_tokens')
      .where('id', row.id)
      .where((w) => w.whereNull('last_used_at').orWhereRaw(`last_used_at <= now() - interval '1 minute'`))
      .update({ last_used_at: db.fn.now() });
  }
  return {
    id: Number(row.id),
    name: row.name,
    contractId: row.contract_id,
    paragraphId: row.paragraph_id,
    actor: { id: row.user_id, login: row.login, name: row.user_name, email: row.email, role: row.role, language: row.language },
    phone: row.phone || null,
    paragraph: { code: row.paragraph_code, name: row.paragraph_name },
  };
}

/** Counts one request of the token; `retryAfterSeconds` when it is over the limit. */
export async function countRequest(db: Knex, tokenId: number): Promise<{ allowed: boolean; retryAfterSeconds: number }> {
  const state = await consume(db, `api:token:${tokenId}`, 1, RATE_WINDOW_SECONDS);
  return { allowed: state.count <= API_RATE_LIMIT, retryAfterSeconds: state.retryAfterSeconds };
}
