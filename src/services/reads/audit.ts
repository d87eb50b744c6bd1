/**
 * The audit log of the administered objects (services/admin/records.ts writes it): the trail
 * an object's page shows, and the filterable list of every change. On the ordinary pool.
 */
import type { Reads } from './pools.js';

export interface AuditEntry {
  id: number;
  at: Date;
  actor_id: number | null;
  actor_name: string | null;
  source: string;
  object_type: string;
  object_id: string;
  action: 'create' | 'update';
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

export interface AuditFilter {
  object_type?: string;
  object_id?: string;
  actor_id?: number;
  /** local dates, inclusive, compared in the vendor's zone */
  from?: string;
  to?: string;
  page: number;
}

export const AUDIT_PAGE_SIZE = 50;

function entries(pools: Reads) {
  return pools
    .db('audit_log as a')
    .leftJoin('users as u', 'u.id', 'a.actor_id')
    .select('a.id', 'a.at', 'a.actor_id', 'u.name as actor_name', 'a.source', 'a.object_type', 'a.object_id', 'a.action', 'a.before', 'a.after');
}

/** The newest changes of one object, for its page (`types`: the object and what belongs to it, e.g. a contract's paragraphs). */
export async function auditTrail(pools: Reads, objects: { type: string; id: string | number }[], limit = 50): Promise<AuditEntry[]> {
  if (objects.length === 0) return [];
  return (await entries(pools)
    .where((q) => {
      for (const o of objects) q.orWhere({ 'a.object_type': o.type, 'a.object_id': String(o.id) });
    })
    .orderBy('a.id', 'desc')
    .limit(limit)) as AuditEntry[];
}

/** One page of every change, newest first, with one row more than the page to tell whether another follows. */
export async function auditLog(pools: Reads, filter: AuditFilter, zone: string): Promise<{ rows: AuditEntry[]; hasNext: boolean }> {
  const q = entries(pools);
  if (filter.object_type) q.where('a.object_type', filter.object_type);
  if (filter.object_id) q.where('a.object_id', filter.object_id);
  if (filter.actor_id !== undefined) q.where('a.actor_id', filter.actor_id);
  if (filter.from) q.whereRaw('a.at >= (?::date)::timestamp at time zone ?', [filter.from, zone]);
  if (filter.to) q.whereRaw("a.at < ((?::date) + 1)::timestamp at time zone ?", [filter.to, zone]);
  const rows = (await q
    .orderBy('a.id', 'desc')
    .limit(AUDIT_PAGE_SIZE + 1)
    .offset((filter.page - 1) * AUDIT_PAGE_SIZE)) as AuditEntry[];
  return { rows: rows.slice(0, AUDIT_PAGE_SIZE), hasNext: rows.length > AUDIT_PAGE_SIZE };
}

/** Who the list can be filtered by: the administrators, and anyone else the log names (a former admin). */
export async function auditActors(pools: Reads): Promise<{ id: number; name: string; login: string }[]> {
  return (await pools
    .db('users')
    .where('role', 'admin')
    .orWhereIn('id', pools.db('audit_log').whereNotNull('actor_id').distinct('actor_id'))
    .orderBy(['name', 'id'])
    .select('id', 'name', 'login')) as { id: number; name: string; login: string }[];
}
