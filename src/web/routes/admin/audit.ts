import { Router } from 'express';
import { DateTime } from 'luxon';
import { DEFAULT_TIMEZONE } from '../../../domain/sla/index.js';
import { cs } from '../../../i18n/cs.js';
import { ValidationError } from '../../../services/errors.js';
import { type AuditEntry, type AuditFilter, auditActors, auditLog } from '../../../services/reads/audit.js';
import type { WebContext } from '../../context.js';
import { BIG_ID, INT4_ID, optionalInt, PAGE } from '../../params.js';

/** The object types the log names (records.ts `audit.type`), in the order the filter offers them. */
export const AUDIT_TYPES = Object.keys(cs.admin.audit.objects);

const PAGES: Record<string, string> = { company: 'companies', contract: 'contracts', paragraph: 'paragraphs', calendar: 'calendars', user: 'users' };

/** The admin page of a logged object; a membership or an authorised address opens its user's page. */
export function auditObjectPath(entry: Pick<AuditEntry, 'object_type' | 'object_id' | 'before' | 'after'>): string | null {
  const page = PAGES[entry.object_type];
  if (page) return `/admin/${page}/${encodeURIComponent(entry.object_id)}`;
  const userId = (entry.after ?? entry.before)?.user_id;
  if (entry.object_type !== 'membership' && entry.object_type !== 'authorized_address') return null;
  return typeof userId === 'number' ? `/admin/users/${userId}` : null;
}

/** A local date of the filter (YYYY-MM-DD), or 400. */
function optionalDate(raw: unknown, name: string): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(raw) || !DateTime.fromFormat(raw, 'yyyy-MM-dd').isValid) {
    throw new ValidationError({ [name]: cs.errors.date });
  }
  return raw;
}

/** The list's filter from the query string: an empty field is "any", a value that cannot be one is 400 with its message. */
export function auditFilter(q: Record<string, unknown>): AuditFilter {
  const type = q.type;
  if (type !== undefined && type !== '' && (typeof type !== 'string' || !AUDIT_TYPES.includes(type))) throw new ValidationError({ type: cs.errors.choice });
  let objectId: number | undefined;
  try {
    objectId = optionalInt(q.id, 'id', BIG_ID, undefined);
  } catch {
    throw new ValidationError({ id: cs.admin.audit.badId });
  }
  const from = optionalDate(q.from, 'from');
  const to = optionalDate(q.to, 'to');
  if (from && to && from > to) throw new ValidationError({ to: cs.admin.audit.badRange });
  return {
    object_type: typeof type === 'string' && type !== '' ? type : undefined,
    object_id: objectId === undefined ? undefined : String(objectId),
    actor_id: optionalInt(q.actor, 'actor', INT4_ID, undefined),
    from,
    to,
    page: optionalInt(q.page, 'page', PAGE, 1),
  };
}

/** The query string of the filter without its page, for the pager's links (`?type=user&` …). */
function pagerBase(filter: AuditFilter): string {
  const params = new URLSearchParams();
  if (filter.object_type) params.set('type', filter.object_type);
  if (filter.object_id) params.set('id', filter.object_id);
  if (filter.actor_id !== undefined) params.set('actor', String(filter.actor_id));
  if (filter.from) params.set('from', filter.from);
  if (filter.to) params.set('to', filter.to);
  const query = params.toString();
  return `/admin/audit?${query}${query ? '&' : ''}`;
}

/** Admin pages: the audit log, every change in one filterable list (issue 10). Mounted under requireAdmin by ./index.ts. */
export function auditRoutes(ctx: WebContext): Router {
  const r = Router();
  r.get('/admin/audit', async (req, res) => {
    const filter = auditFilter(req.query as Record<string, unknown>);
    const [log, actors] = await Promise.all([auditLog(ctx, filter, DEFAULT_TIMEZONE), auditActors(ctx)]);
    const rows = log.rows.map((e) => ({ ...e, path: auditObjectPath(e) }));
    res.render('admin/audit', { filter, rows, hasNext: log.hasNext, actors, types: AUDIT_TYPES, base: pagerBase(filter) });
  });
  return r;
}
