/**
 * Per-query profile of the service calls behind each benchmarked page: every SQL statement the
 * page issues (captured from knex's query events), its median time over a few runs, and the
 * EXPLAIN (ANALYZE, BUFFERS) plan of the slow ones.
 */
import pg from 'pg';
import { createDb } from '../../src/db/knex.js';
import type { Actor } from '../../src/services/actor.js';
import type { Reads } from '../../src/services/reads/pools.js';

export interface PageProbe {
  page: string;
  /** issues the same queries as the page handler does, each read on the pool it picks (as in the app) */
  run: (pools: Reads) => Promise<unknown>;
}

export interface QueryProfile {
  page: string;
  sql: string;
  bindings: unknown[];
  medianMs: number;
  plan?: string;
}

interface Captured {
  sql: string;
  bindings: unknown[];
  start: number;
  ms?: number;
}

export async function profilePages(
  url: string,
  probes: PageProbe[],
  opts: { runs: number; explainOverMs: number; explainAll: boolean },
): Promise<QueryProfile[]> {
  // as the app plans them (src/services/reads/pools.ts): each read picks its pool, the pages' reads
  // with generic plans, the staff queue without
  const pools: Reads = { reads: createDb(url, 1, { genericPlans: true }), db: createDb(url, 1) };
  const inflight = new Map<string, Captured>();
  let captured: Captured[] = [];
  for (const db of Object.values(pools)) {
    db.on('query', (q: { __knexQueryUid: string; sql: string; bindings?: unknown[] }) => {
      const c: Captured = { sql: q.sql, bindings: q.bindings ?? [], start: performance.now() };
      inflight.set(q.__knexQueryUid, c);
      captured.push(c);
    });
    db.on('query-response', (_r: unknown, q: { __knexQueryUid: string }) => {
      const c = inflight.get(q.__knexQueryUid);
      if (c) c.ms = performance.now() - c.start;
      inflight.delete(q.__knexQueryUid);
    });
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const out: QueryProfile[] = [];
  try {
    for (const probe of probes) {
      const runs: Captured[][] = [];
      for (let i = 0; i < opts.runs; i++) {
        captured = [];
        await probe.run(pools);
        runs.push(captured);
      }
      const first = runs[0] ?? [];
      for (let k = 0; k < first.length; k++) {
        const times = runs.map((r) => r[k]?.ms ?? NaN).filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
        const medianMs = times[Math.floor(times.length / 2)] ?? NaN;
        const q = first[k]!;
        const entry: QueryProfile = { page: probe.page, sql: q.sql, bindings: q.bindings, medianMs };
        if (opts.explainAll || medianMs >= opts.explainOverMs) {
          const res = await client.query(`explain (analyze, buffers) ${q.sql}`, q.bindings as unknown[]);
          entry.plan = (res.rows as Record<string, string>[]).map((r) => r['QUERY PLAN']).join('\n');
        }
        out.push(entry);
      }
    }
  } finally {
    await client.end();
    await Promise.all(Object.values(pools).map((db) => db.destroy()));
  }
  return out;
}

export function benchActor(row: { id: number; login: string; name: string; email: string }): Actor {
  return { ...row, role: 'customer' };
}
