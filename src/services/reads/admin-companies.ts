/**
 * What the admin pages of companies, contracts and paragraphs show (issue 10), with the audit
 * trail of each. On the ordinary pool: admin pages are rare and their shapes vary.
 */
import { type AuditEntry, auditTrail } from './audit.js';
import type { Reads } from './pools.js';

export type ActiveFilter = 'all' | 'active' | 'inactive';

export interface CompanyFilter {
  /** part of the name or address, any case */
  text: string;
  active: ActiveFilter;
}

export interface CompanyRow {
  id: number;
  name: string;
  address: string | null;
  active: boolean;
  contracts: number;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The companies by name, with how many contracts each has. */
export async function listCompanies(pools: Reads, filter: CompanyFilter): Promise<CompanyRow[]> {
  const q = pools
    .db('companies as co')
    .select('co.id', 'co.name', 'co.address', 'co.active', pools.db.raw('(select count(*)::int from contracts c where c.company_id = co.id) as contracts'))
    .orderBy('co.name')
    .orderBy('co.id');
  if (filter.text) {
    const like = `%${escapeLike(filter.text)}%`;
    q.where((w) => w.whereILike('co.name', like).orWhereILike('co.address', like));
  }
  if (filter.active !== 'all') q.where('co.active', filter.active === 'active');
  return (await q) as CompanyRow[];
}

export interface CompanyDetail {
  id: number;
  name: string;
  address: string | null;
  active: boolean;
}

export interface ContractRow {
  id: number;
  number: string;
  name: string;
  active: boolean;
  hotline: boolean;
  calendar_name: string;
  paragraphs: number;
  tickets: number;
}

/** A company with its contracts and its audit trail; null when there is none. */
export async function companyPage(pools: Reads, id: number): Promise<{ company: CompanyDetail; contracts: ContractRow[]; trail: AuditEntry[] } | null> {
  const company = (await pools.db('companies').where({ id }).first('id', 'name', 'address', 'active')) as CompanyDetail | undefined;
  if (!company) return null;
  const contracts = (await pools
    .db('contracts as c')
    .join('service_calendars as k', 'k.id', 'c.calendar_id')
    .where('c.company_id', id)
    .orderBy('c.number')
    .select(
      'c.id', 'c.number', 'c.name', 'c.active', 'c.hotline', 'k.name as calendar_name',
      pools.db.raw('(select count(*)::int from contract_paragraphs p where p.contract_id = c.id) as paragraphs'),
      pools.db.raw('(select count(*)::int from tickets t where t.contract_id = c.id) as tickets'),
    )) as ContractRow[];
  const trail = await auditTrail(pools, [{ type: 'company', id }]);
  return { company, contracts, trail };
}

export interface ContractDetail {
  id: number;
  company_id: number;
  company_name: string;
  company_active: boolean;
  number: string;
  name: string;
  timezone: string;
  calendar_id: number;
  active: boolean;
  hotline: boolean;
  hotline_calendar_id: number | null;
}

export interface ParagraphRow {
  id: number;
  code: string;
  name: string;
  kind: string;
  sla_applies: boolean;
  reaction_method: string | null;
  reaction_amount: number | null;
  resolution_method: string | null;
  resolution_amount: number | null;
  is_email_default: boolean;
  is_hotline_default: boolean;
  active: boolean;
}

const PARAGRAPH_COLUMNS = [
  'id', 'code', 'name', 'kind', 'sla_applies', 'reaction_method', 'reaction_amount', 'resolution_method', 'resolution_amount',
  'is_email_default', 'is_hotline_default', 'active',
] as const;

async function contractDetail(pools: Reads, id: number): Promise<ContractDetail | undefined> {
  return (await pools
    .db('contracts as c')
    .join('companies as co', 'co.id', 'c.company_id')
    .where('c.id', id)
    .first(
      'c.id', 'c.company_id', 'co.name as company_name', 'co.active as company_active', 'c.number', 'c.name', 'c.timezone',
      'c.calendar_id', 'c.active', 'c.hotline', 'c.hotline_calendar_id',
    )) as ContractDetail | undefined;
}

/** A contract with its paragraphs and the audit trail of both; null when there is none. */
export async function contractPage(pools: Reads, id: number): Promise<{ contract: ContractDetail; paragraphs: ParagraphRow[]; trail: AuditEntry[] } | null> {
  const contract = await contractDetail(pools, id);
  if (!contract) return null;
  const paragraphs = (await pools.db('contract_paragraphs').where({ contract_id: id }).orderBy('code').select(...PARAGRAPH_COLUMNS)) as ParagraphRow[];
  const trail = await auditTrail(pools, [{ type: 'contract', id }, ...paragraphs.map((p) => ({ type: 'paragraph', id: p.id }))]);
  return { contract, paragraphs, trail };
}

/** The contract a new paragraph is added to; null when there is none. */
export async function contractHeader(pools: Reads, id: number): Promise<ContractDetail | null> {
  return (await contractDetail(pools, id)) ?? null;
}

/** The company a new contract is added to; null when there is none. */
export async function companyHeader(pools: Reads, id: number): Promise<CompanyDetail | null> {
  return ((await pools.db('companies').where({ id }).first('id', 'name', 'address', 'active')) as CompanyDetail | undefined) ?? null;
}

/** A paragraph with its contract and its audit trail; null when there is none. */
export async function paragraphPage(pools: Reads, id: number): Promise<{ paragraph: ParagraphRow & { contract_id: number }; contract: ContractDetail; trail: AuditEntry[] } | null> {
  const paragraph = (await pools.db('contract_paragraphs').where({ id }).first('contract_id', ...PARAGRAPH_COLUMNS)) as
    | (ParagraphRow & { contract_id: number })
    | undefined;
  if (!paragraph) return null;
  const contract = (await contractDetail(pools, paragraph.contract_id))!;
  const trail = await auditTrail(pools, [{ type: 'paragraph', id }]);
  return { paragraph, contract, trail };
}

/** The service calendars by name, for the contract form's selects (the calendars section edits them). */
export async function calendarChoices(pools: Reads): Promise<{ id: number; name: string }[]> {
  return (await pools.db('service_calendars').orderBy('name').select('id', 'name')) as { id: number; name: string }[];
}
