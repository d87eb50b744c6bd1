import type { Knex } from 'knex';
import type pg from 'pg';
import { runStatement, statementName } from './knex.js';

/**
 * Reads whose SQL knex builds once per shape: the first call of a shape builds the query with
 * stand-in values, keeps its SQL and where each value is bound, and every call sends that SQL
 * (a named, prepared statement, as db/knex.ts names every SELECT) with its own values straight
 * to a connection of the knex's pool. Building and compiling a query with knex cost more CPU
 * than PostgreSQL spent running the ticket page's statements; the SQL stays knex's, so the
 * tenant scope (services/visibility.ts) and the rest are written once.
 *
 * `build(db, shape, ...values)` must give the same SQL for every value: whatever changes the
 * SQL (the actor being staff, the list shown) belongs to `shape`, and the values must reach
 * the query as they are (bound, not computed from): the first call builds with numeric stand-ins
 * in their places, whatever their type. Knex's `query` and `query-response` events
 * are emitted as for its own queries, so statement probes see these too.
 */
export function compiledRead<S extends string, V extends (number | string | null)[]>(build: (db: Knex, shape: S, ...values: V) => Knex.QueryBuilder) {
  // one set of shapes per knex (a transaction shares its knex's configuration object)
  const compiled = new WeakMap<object, Map<S, Compiled>>();
  return async function run(db: Knex | Knex.Transaction, shape: S, ...values: V): Promise<Record<string, unknown>[]> {
    const key = (db.client as { config: object }).config;
    let shapes = compiled.get(key);
    if (!shapes) compiled.set(key, (shapes = new Map()));
    let c = shapes.get(shape);
    if (!c) shapes.set(shape, (c = compile((...stand: number[]) => build(db, shape, ...(stand as unknown as V)), values.length)));
    const bindings = c.bindings.map((b, i) => (c.slots[i]! >= 0 ? values[c.slots[i]!] : b));
    return execute(db, c, bindings);
  };
}

/**
 * A statement of fixed SQL text (a write too), sent as a named, prepared statement with its
 * values straight to a connection: of the pool, or the transaction's when `db` is one. Knex's
 * `query` and `query-response` events are emitted as for compiledRead.
 */
export function fixedStatement(sql: string, method = 'raw') {
  const c: Pick<Compiled, 'sql' | 'name'> = { sql, name: statementName(sql) };
  return (db: Knex | Knex.Transaction, values: unknown[]): Promise<Record<string, unknown>[]> => execute(db, c, values, method);
}

interface Compiled {
  sql: string;
  name: string;
  /** the stand-in build's bindings: constants where slots[i] < 0 */
  bindings: unknown[];
  /** for each binding, the index of the value bound there, or -1 */
  slots: number[];
}

/** Stand-ins no query binds as a constant: large, distinct, valid as any integer column's value. */
const standIns = (count: number, set: number) => Array.from({ length: count }, (_, i) => 1_900_000_000 + 7919 * i + 104_729 * set);

function compile(build: (...values: number[]) => Knex.QueryBuilder, count: number): Compiled {
  // built twice with other stand-ins: the SQL and every other binding must not change, so no
  // value was written into the SQL or computed into a binding (which would be reused as it was)
  const [a, b] = [0, 1].map((set) => {
    const stand = standIns(count, set);
    const { sql, bindings } = build(...stand).toSQL().toNative();
    return { sql, bindings: [...bindings], slots: bindings.map((v) => stand.indexOf(v as number)) };
  });
  const same = a!.sql === b!.sql && a!.bindings.length === b!.bindings.length && a!.slots.every((s, i) => s === b!.slots[i] && (s >= 0 || a!.bindings[i] === b!.bindings[i]));
  if (!same) throw new Error('compiledRead: the SQL or a constant binding depends on a value');
  return { sql: a!.sql, name: statementName(a!.sql), bindings: a!.bindings, slots: a!.slots };
}

interface PgClient {
  acquireConnection(): Promise<pg.Client>;
  releaseConnection(connection: pg.Client): Promise<unknown>;
  emit(event: string, ...args: unknown[]): boolean;
}

let queryUid = 0;

async function execute(db: Knex | Knex.Transaction, c: Pick<Compiled, 'sql' | 'name'>, values: unknown[], method = 'select'): Promise<Record<string, unknown>[]> {
  // a transaction's client hands its connection out (and keeps it) and passes the events on to its knex's
  const client = db.client as unknown as PgClient;
  const observed = db.isTransaction || db.listenerCount('query') + db.listenerCount('query-response') > 0;
  const event = observed ? { sql: c.sql, bindings: values, method, __knexQueryUid: `compiled-${++queryUid}` } : null;
  if (event) client.emit('query', event);
  const connection = await client.acquireConnection();
  try {
    const result = await runStatement(connection, c.name, c.sql, values);
    if (event) client.emit('query-response', result.rows, event);
    return result.rows as Record<string, unknown>[];
  } finally {
    await client.releaseConnection(connection);
  }
}
