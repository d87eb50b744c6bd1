import { createHash } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';

// bigint counts and ids come back as JS numbers; ticket numbers and sizes stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));
// `date` columns are calendar dates, not instants: keep them as 'YYYY-MM-DD'.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

export type Db = Knex;

export interface DbOptions {
  /**
   * Plan every statement once per connection (plan_cache_mode=force_generic_plan). Only for
   * statements whose best plan does not depend on their values, like the customer pages'
   * lookups by ticket or user: PostgreSQL would otherwise re-plan the overview on every call,
   * which costs as much as running it. The staff queue (skewed states, text search) must not
   * run here.
   */
  genericPlans?: boolean;
}

export function createDb(connectionString: string, poolMax = 10, opts: DbOptions = {}): Db {
  const db = knexFactory({
    client: 'pg',
    connection: {
      connectionString,
      application_name: 'helpdesk-tech',
      ...(opts.genericPlans ? { options: '-c plan_cache_mode=force_generic_plan' } : {}),
    },
    pool: { min: 0, max: poolMax },
  });
  preparePlans(db.client as unknown as PgClient);
  return db;
}

interface PgClient {
  _query(connection: unknown, obj: { sql: string; options?: Record<string, unknown> }): Promise<unknown>;
  acquireConnection(): Promise<pg.Client>;
  releaseConnection(connection: pg.Client): Promise<unknown>;
}

/**
 * The pool's connections behind pg.Pool's `query(text, values)` (for libraries that take a
 * pg.Pool, such as the session store), with the same named SELECTs as knex's own queries.
 */
export function pgQueryable(db: Db): Pick<pg.Pool, 'query'> {
  const client = db.client as unknown as PgClient;
  const query = async (text: string, values: unknown[] = []) => {
    const connection = await client.acquireConnection();
    try {
      return await connection.query(/^\s*select\b/i.test(text) ? { name: statementName(text), text, values } : { text, values });
    } finally {
      await client.releaseConnection(connection);
    }
  };
  return { query } as unknown as Pick<pg.Pool, 'query'>;
}

/**
 * Names every SELECT after its SQL text, so each connection prepares it once and PostgreSQL
 * reuses the plan: planning the ticket page's joins cost more than running them. One name
 * always maps to one SQL text. (Not for PgBouncer in transaction mode.)
 */
function preparePlans(client: PgClient): void {
  const original = client._query.bind(client);
  client._query = (connection, obj) => {
    if (obj.options?.[PLAN_EACH_TIME]) {
      const { [PLAN_EACH_TIME]: _, ...options } = obj.options;
      obj.options = options;
    } else if (/^\s*select\b/i.test(obj.sql) && !obj.options?.name) {
      obj.options = { ...obj.options, name: statementName(obj.sql) };
    }
    return original(connection, obj);
  };
}

const PLAN_EACH_TIME = 'hdPlanEachTime';

/**
 * Leaves a SELECT unprepared, so PostgreSQL plans it for its values every time. For statements
 * whose best plan depends on the values (the staff queue's filters over skewed states): a
 * prepared one may switch to a generic plan after five runs (unassigned open tickets: 40 → 215 ms).
 */
export function planEachTime<T extends Knex.QueryBuilder>(q: T): T {
  return q.options({ [PLAN_EACH_TIME]: true }) as T;
}

export function statementName(sql: string): string {
  return `hd_${createHash('sha1').update(sql).digest('hex').slice(0, 24)}`;
}
