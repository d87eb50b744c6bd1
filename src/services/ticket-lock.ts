import type { StateCode } from '../domain/states.js';
import type { Actor } from './actor.js';
import type { Tx } from './context.js';
import { NotFoundError } from './errors.js';
import { visibleTickets } from './visibility.js';

export interface LockedTicket {
  number: number;
  state: StateCode;
  contract_id: number;
  reporter_id: number;
  assignee_id: number | null;
  paragraph_id: number;
  category: string | null;
}

/**
 * Loads a ticket the actor may see and locks its row for the rest of the transaction,
 * so two concurrent actions on one ticket apply one after the other.
 * Someone else's ticket is reported exactly like a missing one.
 */
export async function lockVisibleTicket(trx: Tx, actor: Actor, number: number): Promise<LockedTicket> {
  const row = await visibleTickets(trx, actor)
    .where('t.number', number)
    .forUpdate()
    .first('t.number', 't.state', 't.contract_id', 't.reporter_id', 't.assignee_id', 't.paragraph_id', 't.category');
  if (!row) throw new NotFoundError();
  return { ...row, number: Number(row.number) } as LockedTicket;
}
