/**
 * The choices the forms offer: the actor's contracts with their paragraphs (new ticket, the
 * queue's filter, the SLA calculator), the active staff and a contract's paragraphs (the
 * ticket page's staff panel). Each read runs on the pool of the page that shows it: the forms'
 * pages on the ordinary pool, the ticket page on the generic-plan pool with its other reads.
 */
import type { Knex } from 'knex';
import type { Actor } from '../actor.js';
import { usableContracts } from '../visibility.js';
import type { Reads } from './pools.js';

/** The actor's contracts with their active paragraphs, for the forms that pick a contract; on `db`. */
export async function contractsWithParagraphs(pools: Reads, actor: Actor) {
  const db = pools.db;
  const contracts: { id: number; number: string; name: string; company_name: string }[] = await usableContracts(db, actor)
    .orderBy('c.number')
    .select('c.id', 'c.number', 'c.name', 'co.name as company_name');
  const paragraphs = contracts.length
    ? await db<{ id: number; contract_id: number; code: string; name: string; kind: string; sla_applies: boolean }>('contract_paragraphs').whereIn('contract_id', contracts.map((c) => c.id)).where('active', true)
        .orderBy(['contract_id', 'code']).select('id', 'contract_id', 'code', 'name', 'kind', 'sla_applies')
    : [];
  return contracts.map((c) => ({ ...c, paragraphs: paragraphs.filter((p) => p.contract_id === c.id) }));
}

/** The actor's phone from their profile (the new-ticket form's contact phone when the form is fresh); on `db`, with the form's choices. */
export async function userPhone(pools: Reads, actor: Actor): Promise<string | null> {
  const row = await pools.db('users').where({ id: actor.id }).first('phone');
  return (row?.phone as string | null | undefined) || null;
}

function activeStaff(db: Knex): Promise<{ id: number; name: string }[]> {
  return db('users').whereIn('role', ['agent', 'admin']).where('active', true).orderBy('name').select('id', 'name');
}

/** Active staff for the queue's assignee filter: on `db`, with the queue. */
export async function staffMembers(pools: Reads) {
  return activeStaff(pools.db);
}

/** Active staff for the ticket page's assignment form: the same statement, on `reads` with the rest of the ticket page. */
export async function ticketPageSolvers(pools: Reads) {
  return activeStaff(pools.reads);
}

/** A contract's paragraphs, active or not, for the ticket page's reclassification: on `reads` with the rest of the ticket page. */
export async function paragraphsOfContract(pools: Reads, contractId: number) {
  return pools.reads('contract_paragraphs').where({ contract_id: contractId }).orderBy('code').select('id', 'code', 'name', 'active');
}
