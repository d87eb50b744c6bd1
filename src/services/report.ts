/**
 * The monthly contract report (REPORT.md): the rows of services/reads/report.ts aggregated by
 * domain/report. Who may see which contract's report is the caller's business (reportAccess).
 */
import { buildReport, overviewFigures, type OverviewRow, type Report, reportTickets, type ReportTickets } from '../domain/report/index.js';
import { type Actor, isStaff } from './actor.js';
import { contractById, type ReportContract, reportContracts, reportRange, reportRows } from './reads/report.js';
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

/**
 * The report page's data: the report (the very object contractReport gives, so the page and
 * the CSV show the same) and the tickets behind its ticket figures (the first `listLimit` of
 * each), from one read of the rows.
 */
export async function contractReportPage(
  pools: Reads, contract: ReportContract, month: string, listLimit = Number.POSITIVE_INFINITY,
): Promise<{ report: Report; tickets: ReportTickets } | null> {
  const range = reportRange(contract, month);
  if (!range) return null;
  const input = await reportRows(pools, contract, range);
  return { report: buildReport(input), tickets: reportTickets(input, listLimit) };
}

export interface OverviewLine extends OverviewRow {
  contract_id: number;
  name: string;
}

/**
 * Every active contract's overview line for `month` (staff). One report per contract, read and
 * built one after the other: as many reads as contracts, which is fine for tens of contracts;
 * with hundreds, one read of every contract's rows at once would replace the loop.
 */
export async function reportOverview(pools: Reads, month: string): Promise<OverviewLine[] | null> {
  const lines: OverviewLine[] = [];
  for (const contract of await reportContracts(pools)) {
    const report = await contractReport(pools, contract, month);
    if (!report) return null;
    lines.push({ contract_id: contract.id, company: contract.company_name, contract: contract.number, name: contract.name, ...overviewFigures(report) });
  }
  return lines;
}

/** The contracts whose reports a customer may see (see-all memberships); staff use reportOverview. */
export const customerReportContracts = (pools: Reads, actor: Actor): Promise<ReportContract[]> => reportContracts(pools, { seeAllOf: actor.id });
