import type { Knex } from 'knex';
import type { ServiceContext } from '../services/context.js';

/** What the routes need: the use cases' context and the connections of the page reads. */
export interface WebContext extends ServiceContext {
  /**
   * Connections with generic plans (see DbOptions.genericPlans) for the fixed-shape reads of the
   * customer pages and the ticket page; use cases and the staff queue use `db`.
   */
  reads: Knex;
}
