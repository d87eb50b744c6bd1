import type { Knex } from 'knex';
import { type Actor, isStaff } from './actor.js';

/**
 * THE tenant scope: every query that reads tickets starts here. Staff see every contract;
 * a customer sees the tickets of contracts where they may see all, plus the tickets they
 * reported on their other contracts.
 */
export function visibleTickets(db: Knex | Knex.Transaction, actor: Actor, alias = 't'): Knex.QueryBuilder {
  const q = db({ [alias]: 'tickets' });
  if (isStaff(actor)) return q;
  // one EXISTS (not an OR of two IN lists) lets PostgreSQL walk the index per contract
  return q.whereExists(
    db('user_contracts as uc')
      .select(db.raw('1'))
      .where('uc.user_id', actor.id)
      .whereRaw('?? = ??', ['uc.contract_id', `${alias}.contract_id`])
      .where((w) => w.where('uc.sees_all_tickets', true).orWhere(`${alias}.reporter_id`, actor.id)),
  );
}

/**
 * Contracts the actor may create tickets for (customers: their memberships; staff: all), active
 * and of an active company: a deactivated one takes no new tickets, its tickets stay visible.
 */
export function usableContracts(db: Knex | Knex.Transaction, actor: Actor): Knex.QueryBuilder {
  const q = db('contracts as c').join('companies as co', 'co.id', 'c.company_id').where({ 'c.active': true, 'co.active': true });
  if (!isStaff(actor)) q.whereIn('c.id', db('user_contracts').select('contract_id').where({ user_id: actor.id }));
  return q;
}
