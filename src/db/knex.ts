import { createHash } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';

// bigint counts and ids come back as JS numbers; ticket numbers and sizes stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));
// `date` columns are calendar dates, not instants: keep them as 'YYYY-MM-DD'.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);
// timestamptz: a fast path for UTC text, pg's own parser for the rest (parseTimestamptz)
const parseTimestamptzSlowly = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text') as (text: string) => unknown;
pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, parseTimestamptz);

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
      return await runStatement(connection, /^\s*select\b/i.test(text) ? statementName(text) : undefined, text, values);
    } finally {
      await client.releaseConnection(connection);
    }
  };
  return { query } as unknown as Pick<pg.Pool, 'query'>;
}

/**
 * One statement on a connection, prepared under `name` when given. (pg copies a query config
 * object property by property on every call, a noticeable cost per page; a query made from its
 * text skips that, and is named afterwards.)
 */
export function runStatement(connection: pg.Client, name: string | undefined, text: string, values: unknown[]): Promise<pg.QueryResult> {
  const query = new pg.Query(text, values) as pg.Query & { name?: string };
  if (name) query.name = name;
  return new Promise((resolve, reject) => {
    connection.query(query as never, ((err: Error | null, result: pg.QueryResult) => (err ? reject(err) : resolve(result))) as never);
  });
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

// every statement is named on every run: hash each SQL text once (the texts are few and fixed)
const statementNames = new Map<string, string>();

export function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `hd_${createHash('sha1').update(sql).digest('hex').slice(0, 24)}`;
    if (statementNames.size >= 5000) statementNames.clear();
    statementNames.set(sql, name);
  }
  return name;
}

/** The digits of text[from, from + count) as a number; NaN when one is not a digit. */
function digits(text: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return n;
}

/** Days from 1970-01-01 to a date of the proleptic Gregorian calendar (month 1–12, year ≥ 0). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

/**
 * timestamptz as PostgreSQL sends it in UTC ('2026-11-25 08:15:02.123456+00'), read without the
 * regular expressions of pg's parser (postgres-date), which were a noticeable part of rendering a
 * list: the same Date (milliseconds truncated as it does); anything else (another zone, BC, years
 * before 100, infinity) goes to pg's parser.
 */
export function parseTimestamptz(text: string): unknown {
  const n = text.length;
  if (
    n >= 22 && n <= 29 && n !== 23 &&
    text.charCodeAt(n - 3) === 43 /* + */ && text.charCodeAt(n - 2) === 48 && text.charCodeAt(n - 1) === 48 &&
    text.charCodeAt(4) === 45 && text.charCodeAt(7) === 45 && text.charCodeAt(10) === 32 &&
    text.charCodeAt(13) === 58 && text.charCodeAt(16) === 58 && (n === 22 || text.charCodeAt(19) === 46 /* . */)
  ) {
    const year = digits(text, 0, 4);
    const month = digits(text, 5, 2);
    const day = digits(text, 8, 2);
    const hour = digits(text, 11, 2);
    const minute = digits(text, 14, 2);
    const second = digits(text, 17, 2);
    // 1 to 6 fraction digits, as microseconds
    const micros = n === 22 ? 0 : digits(text, 20, n - 23) * 10 ** (29 - n);
    if (year >= 100 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 59 && micros >= 0) {
      const days = daysFromCivil(year, month, day);
      return new Date(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + Math.floor(micros / 1000));
    }
  }
  return parseTimestamptzSlowly(text);
}
