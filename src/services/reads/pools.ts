import type { Knex } from 'knex';

/**
 * The two pools a page read may run on; each read in this folder picks its own, so the
 * routes never choose. The web passes its WebContext (it has both).
 */
export interface Reads {
  /** the ordinary pool: statements planned for their values (use cases, the staff queue, the forms' choices) */
  db: Knex;
  /**
   * connections that keep one generic plan per statement (db/knex.ts `genericPlans`): the
   * fixed-shape reads of the customer lists and the ticket page, which PostgreSQL would
   * otherwise re-plan on every request
   */
  reads: Knex;
}

/** Both pools on one knex: for tests and tools that watch or profile the statements of one pool. */
export function onePool(knex: Knex): Reads {
  return { db: knex, reads: knex };
}
