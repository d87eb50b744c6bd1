/**
 * The one way an administered row (calendar, company, contract, paragraph, user, membership,
 * authorised address) is written, whoever writes it: an admin's form, the CSV user import or
 * the migration import. A write inserts the row or updates only the columns that differ, says
 * whether anything changed (so a repeated import changes nothing), and records every change in
 * the append-only audit log with the row before and after.
 */
import type { Tx } from '../context.js';

export type Row = Record<string, unknown>;

/** Who makes a change, as the audit log records it. */
export interface AuditWho {
  /** the admin; null for the command-line import and commands */
  actorId: number | null;
  /** cli: a command other than the import (`npm run token`) */
  source: 'web' | 'import' | 'csv' | 'cli';
}

/** JSON with sorted keys: jsonb does not keep key order. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Row)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function same(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) {
    const ta = a instanceof Date ? a.getTime() : a;
    const tb = b instanceof Date ? b.getTime() : b;
    return ta === tb;
  }
  if (typeof a === 'object' && a !== null) return canonical(a) === canonical(b);
  return (a ?? null) === (b ?? null);
}

/** The columns of `desired` whose stored value differs. */
function changes(existing: Row, desired: Row): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(desired)) if (!same(existing[k], v)) out[k] = v;
  return out;
}

const changed = (diff: Row) => Object.keys(diff).length > 0;

/** jsonb columns are written as JSON text (knex would turn arrays into Postgres arrays). */
export const jsonb = (v: unknown) => JSON.stringify(v);

export interface Lookup<V> {
  set(key: string, value: V): void;
  get(key: string): Promise<V>;
}

/** Values by natural key: those set by this unit of work, else read once from the database. */
export function lookup<V>(load: (key: string) => Promise<V>): Lookup<V> {
  const known = new Map<string, V>();
  return {
    set: (key, value) => void known.set(key, value),
    async get(key) {
      let value = known.get(key);
      if (value === undefined) {
        value = await load(key);
        known.set(key, value);
      }
      return value;
    },
  };
}

export interface Saved {
  /** the row's id (tables keyed otherwise: undefined) */
  id: number;
  inserted: boolean;
  /** inserted, or updated because a column differed */
  changed: boolean;
  /** the columns that differed (an update) */
  diff: Row;
  existing: Row | undefined;
}

export interface SaveOptions {
  /** columns only a new row gets */
  onInsert?: () => Row | Promise<Row>;
  /** changes the comparison of `desired` cannot see (a password against its hash) */
  moreChanges?: (existing: Row) => Row | Promise<Row>;
  /** columns an update sets besides the changed ones (stamps) */
  onUpdate?: (diff: Row, existing: Row) => Row;
  /** how values are written (jsonb columns as JSON text); compared as they are */
  encode?: (row: Row) => Row;
  /** record the change in the audit log as this object type (tickets keep their own history) */
  audit?: { who: AuditWho; type: string };
}

/** Columns the audit log never shows. */
const SECRET = new Set(['password_hash', 'token_hash', 'login_key', 'session_epoch', 'code_hash']);
const visible = (row: Row): Row => Object.fromEntries(Object.entries(row).filter(([k, v]) => !SECRET.has(k) && v !== undefined && !isRaw(v)));
/** knex expressions (fn.now()) are not values to show */
const isRaw = (v: unknown) => typeof v === 'object' && v !== null && !(v instanceof Date) && !Array.isArray(v) && 'toSQL' in v;

async function writeAudit(trx: Tx, opts: SaveOptions, id: unknown, before: Row | null, after: Row | null): Promise<void> {
  if (!opts.audit) return;
  await trx('audit_log').insert({
    actor_id: opts.audit.who.actorId,
    source: opts.audit.who.source,
    object_type: opts.audit.type,
    object_id: String(id),
    action: after === null ? 'delete' : before ? 'update' : 'create',
    before: before ? jsonb(visible(before)) : null,
    after: after ? jsonb(visible(after)) : null,
  });
}

/**
 * Inserts `key` + `desired` when there is no `existing` row, else updates the columns of
 * `desired` whose stored value differs; says whether the row was inserted or changed.
 */
export async function save(trx: Tx, table: string, existing: Row | undefined, key: Row, desired: Row, opts: SaveOptions = {}): Promise<Saved> {
  const encode = opts.encode ?? ((r: Row) => r);
  if (!existing) {
    const [row] = (await trx(table).insert(encode({ ...key, ...desired, ...(await opts.onInsert?.()) })).returning('*')) as Row[];
    await writeAudit(trx, opts, auditId(row ?? {}, key), null, { ...key, ...desired, ...(row?.id === undefined ? {} : { id: row.id }) });
    return { id: row?.id as number, inserted: true, changed: true, diff: desired, existing };
  }
  const diff = { ...changes(existing, desired), ...(await opts.moreChanges?.(existing)) };
  if (changed(diff)) {
    await trx(table)
      .where(existing.id === undefined ? key : { id: existing.id })
      .update(encode({ ...diff, ...opts.onUpdate?.(diff, existing) }));
    const before = Object.fromEntries(Object.keys(diff).map((k) => [k, existing[k]]));
    await writeAudit(trx, opts, auditId(existing, key), before, diff);
  }
  return { id: existing.id as number, inserted: false, changed: changed(diff), diff, existing };
}

/** The audit log's object id: the row's id, else its key's values (a membership: "user:contract"). */
function auditId(row: Row, key: Row): string {
  return row.id !== undefined ? String(row.id) : Object.values(key).map(String).join(':');
}

/** `save` of the row found by `key` (a natural key or the id); `desired` may depend on what is stored. */
export async function upsert(trx: Tx, table: string, key: Row, desired: Row | ((existing: Row | undefined) => Row), opts: SaveOptions = {}): Promise<Saved> {
  const existing = (await trx(table).where(key).first()) as Row | undefined;
  return save(trx, table, existing, key, typeof desired === 'function' ? desired(existing) : desired, opts);
}

/**
 * Deletes the row found by `key` (a membership, an authorised address) and records the removal in
 * the audit log with the row as it was; says whether there was a row.
 */
export async function remove(trx: Tx, table: string, key: Row, opts: Pick<SaveOptions, 'audit'> = {}): Promise<boolean> {
  const [row] = (await trx(table).where(key).delete().returning('*')) as Row[];
  if (!row) return false;
  await writeAudit(trx, opts, auditId(row, key), row, null);
  return true;
}
