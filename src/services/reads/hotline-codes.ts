/**
 * Who may hold a HotLine code and whether they do (issue 13): the active customers of contracts
 * with the hotline service, per contract, with the code's issue date (never the code: only its
 * hash is stored). For the admin's user page and the staff's codes page. On the ordinary pool.
 */
import type { Knex } from 'knex';
import type { Reads } from './pools.js';

export const CODES_PAGE_SIZE = 50;

export interface CodeRow {
  user_id: number;
  user_name: string;
  login: string;
  contract_id: number;
  number: string;
  contract_name: string;
  company: string;
  /** null: no code issued yet */
  issued_at: Date | null;
  source: 'staff' | 'import' | null;
}

/** Memberships of active customers on hotline contracts, with the code row if there is one. */
function codeRows(db: Knex) {
  return db('user_contracts as uc')
    .join('users as u', 'u.id', 'uc.user_id')
    .join('contracts as c', 'c.id', 'uc.contract_id')
    .join('companies as co', 'co.id', 'c.company_id')
    .leftJoin('hotline_codes as h', (j) => j.on('h.user_id', 'uc.user_id').andOn('h.contract_id', 'uc.contract_id'))
    .where({ 'c.hotline': true, 'u.role': 'customer', 'u.active': true })
    .select('u.id as user_id', 'u.name as user_name', 'u.login', 'c.id as contract_id', 'c.number', 'c.name as contract_name', 'co.name as company', 'h.issued_at', 'h.source');
}

/** The user's hotline contracts and their codes' state (the admin's user page). */
export async function userHotlineCodes(pools: Reads, userId: number): Promise<CodeRow[]> {
  return (await codeRows(pools.db).where('uc.user_id', userId).orderBy(['co.name', 'c.number'])) as CodeRow[];
}

const containing = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** One page of every customer's hotline contracts, by name; `text` is part of the name, login, company or contract number. */
export async function hotlineCodeList(pools: Reads, f: { text?: string; page: number }): Promise<{ rows: CodeRow[]; hasNext: boolean }> {
  const q = codeRows(pools.db);
  if (f.text) {
    const pattern = containing(f.text);
    q.where((w) => w.whereILike('u.name', pattern).orWhereILike('u.login', pattern).orWhereILike('co.name', pattern).orWhereILike('c.number', pattern));
  }
  const rows = (await q
    .orderBy(['u.name', 'u.id', 'co.name', 'c.number'])
    .limit(CODES_PAGE_SIZE + 1)
    .offset((f.page - 1) * CODES_PAGE_SIZE)) as CodeRow[];
  return { rows: rows.slice(0, CODES_PAGE_SIZE), hasNext: rows.length > CODES_PAGE_SIZE };
}
