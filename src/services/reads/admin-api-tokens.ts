/**
 * What the admin's API token page shows (issue 14): every token with its company, contract,
 * paragraph and reporting user, when it was created and last used, and whether it was revoked;
 * and the create form's choices, grouped by contract. On the ordinary pool (a rare admin page).
 */
import type { Reads } from './pools.js';

export interface ApiTokenRow {
  id: number;
  name: string;
  company_name: string;
  contract_number: string;
  contract_name: string;
  paragraph_code: string;
  paragraph_name: string;
  user_login: string;
  user_name: string;
  created_by_name: string | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const TOKEN_COLUMNS = [
  't.id', 't.name', 'co.name as company_name', 'c.number as contract_number', 'c.name as contract_name',
  'p.code as paragraph_code', 'p.name as paragraph_name', 'u.login as user_login', 'u.name as user_name',
  'cb.name as created_by_name', 't.created_at', 't.last_used_at', 't.revoked_at',
];

function tokens(pools: Reads) {
  return pools
    .db('api_tokens as t')
    .join('contracts as c', 'c.id', 't.contract_id')
    .join('companies as co', 'co.id', 'c.company_id')
    .join('contract_paragraphs as p', 'p.id', 't.paragraph_id')
    .join('users as u', 'u.id', 't.user_id')
    .leftJoin('users as cb', 'cb.id', 't.created_by')
    .select(TOKEN_COLUMNS);
}

/** Live tokens first, then by company, contract and name; revoked ones after, newest revocation first. */
export async function listApiTokens(pools: Reads): Promise<ApiTokenRow[]> {
  return (await tokens(pools)
    .orderByRaw('t.revoked_at is not null, t.revoked_at desc')
    .orderBy(['co.name', 'c.number', 't.name', 't.id'])) as ApiTokenRow[];
}

/** One token (the revoke confirmation); null when there is none. */
export async function apiToken(pools: Reads, id: number): Promise<ApiTokenRow | null> {
  return ((await tokens(pools).where('t.id', id).first()) as ApiTokenRow | undefined) ?? null;
}

export interface Choice {
  value: number;
  label: string;
}

/** An active contract with its active paragraphs and its active customer members. */
export interface ContractChoices {
  id: number;
  label: string;
  paragraphs: Choice[];
  users: Choice[];
}

/** The create form's choices: every active contract of an active company, grouped, by company and number. */
export async function apiTokenChoices(pools: Reads): Promise<ContractChoices[]> {
  const db = pools.db;
  const contracts = (await db('contracts as c')
    .join('companies as co', 'co.id', 'c.company_id')
    .where({ 'c.active': true, 'co.active': true })
    .orderBy(['co.name', 'c.number'])
    .select('c.id', 'c.number', 'c.name', 'co.name as company_name')) as { id: number; number: string; name: string; company_name: string }[];
  const ids = contracts.map((c) => c.id);
  const [paragraphs, users] = await Promise.all([
    db('contract_paragraphs').whereIn('contract_id', ids).where({ active: true }).orderBy(['contract_id', 'code']).select('id', 'contract_id', 'code', 'name'),
    db('user_contracts as m')
      .join('users as u', 'u.id', 'm.user_id')
      .whereIn('m.contract_id', ids)
      .where({ 'u.active': true, 'u.role': 'customer' })
      .orderBy(['m.contract_id', 'u.name', 'u.id'])
      .select('u.id', 'm.contract_id', 'u.name', 'u.login'),
  ]);
  return contracts.map((c) => ({
    id: c.id,
    label: `${c.company_name} – ${c.number} ${c.name}`,
    paragraphs: (paragraphs as { id: number; contract_id: number; code: string; name: string }[])
      .filter((p) => p.contract_id === c.id)
      .map((p) => ({ value: p.id, label: `${p.code} – ${p.name}` })),
    users: (users as { id: number; contract_id: number; name: string; login: string }[])
      .filter((u) => u.contract_id === c.id)
      .map((u) => ({ value: u.id, label: `${u.name} (${u.login})` })),
  }));
}
