import { createHash } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';

// bigint counts and ids come back as JS numbers; ticket numbers and sizes stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));
// `date` columns are calendar dates, not instants: keep them as 'YYYY-MM-DD'.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

export type Db = Knex;

export function createDb(connectionString: string, poolMax = 10): Db {
  const db = knexFactory({
    client: 'pg',
    connection: { connectionString, application_name: 'helpdesk-tech' },
    pool: { min: 0, max: poolMax },
  });
  preparePlans(db.client as unknown as PgClient);
  return db;
}

interface PgClient {
  _query(connection: unknown, obj: { sql: string; options?: Record<string, unknown> }): Promise<unknown>;
}

/**
 * Names every SELECT after its SQL text, so each connection prepares it once and PostgreSQL
 * reuses the plan: planning the ticket page's joins cost more than running them. One name
 * always maps to one SQL text. (Not for PgBouncer in transaction mode.)
 */
function preparePlans(client: PgClient): void {
  const original = client._query.bind(client);
  client._query = (connection, obj) => {
    if (/^\s*select\b/i.test(obj.sql) && !obj.options?.name) {
      obj.options = { ...obj.options, name: statementName(obj.sql) };
    }
    return original(connection, obj);
  };
}

export function statementName(sql: string): string {
  return `hd_${createHash('sha1').update(sql).digest('hex').slice(0, 24)}`;
}
