/**
 * The monthly contract report (REPORT.md): the rows of services/reads/report.ts aggregated by
 * domain/report. Who may see which contract's report is the caller's business (reportAccess).
 */
import { buildReport, type Report } from '../domain/report/index.js';
import { type Actor, isStaff } from './actor.js';
import { contractById, type ReportContract, reportRange, reportRows } from './reads/report.js';
import type { Reads } from './reads/pools.js';

/** The report of `contract` for `month` (YYYY-MM); null for a malformed month. */
export async function contractReport(pools: Reads, contract: ReportContract, month: string): Promise<Report | null> {
  const range = reportRange(contract, month);
  if (!range) return null;
  return buildReport(await reportRows(pools, contract, range));
}

/**
 * The contract whose report `actor` may see: staff any contract; a customer only those where
 * their membership has the see-all flag. Anything else is answered as not existing (null).
 */
export async function reportContractFor(pools: Reads, actor: Actor, contractId: number): Promise<ReportContract | null> {
  if (!isStaff(actor)) {
    const member = await pools.db('user_contracts').where({ user_id: actor.id, contract_id: contractId, sees_all_tickets: true }).first('contract_id');
    if (!member) return null;
  }
  return contractById(pools, contractId);
}
