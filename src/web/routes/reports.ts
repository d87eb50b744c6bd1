/**
 * The monthly contract report's pages (issue 11, REPORT.md): the staff overview of every active
 * contract for a month, one contract's report and its CSV. Staff see any contract; a customer
 * the contracts where their membership has the see-all flag; any other contract is answered as
 * one that does not exist (404). The page and the CSV render the same report object.
 */
import { type Request, Router } from 'express';
import { monthOf, monthRange, OVERVIEW_SORTS, type OverviewSort, shiftMonth, type SortDirection, sortOverview } from '../../domain/report/index.js';
import { DEFAULT_TIMEZONE } from '../../domain/sla/index.js';
import { cs } from '../../i18n/cs.js';
import { isStaff } from '../../services/actor.js';
import { NotFoundError, ValidationError } from '../../services/errors.js';
import type { ReportContract } from '../../services/reads/report.js';
import { contractReport, contractReportPage, customerReportContracts, reportContractFor, reportOverview } from '../../services/report.js';
import { reportCsv } from '../../services/report-csv.js';
import { currentUser, requireUser } from '../auth.js';
import type { WebContext } from '../context.js';
import { INT4_ID, pathId } from '../params.js';
import { LIST_LIMIT, reportHelpersIn } from '../report-view.js';

/** The month the query asks for; absent or empty: the last finished month in `zone`; anything else but YYYY-MM is a 400. */
function askedMonth(raw: unknown, zone: string): string {
  if (raw === undefined || raw === '') return shiftMonth(monthOf(new Date(), zone), -1);
  if (typeof raw !== 'string' || !monthRange(raw, zone)) throw new ValidationError({ month: cs.report.page.badMonth });
  return raw;
}

/** The months a page links to: the one before (if it can be one) and the one after, up to the current month. */
function monthLinks(month: string, zone: string): { previous: string | null; next: string | null } {
  const previous = shiftMonth(month, -1);
  const next = shiftMonth(month, 1);
  return { previous: monthRange(previous, zone) ? previous : null, next: next <= monthOf(new Date(), zone) ? next : null };
}

/** A file name's part from a contract number: letters, digits, dot, dash and underscore. */
const fileSafe = (text: string) => text.replace(/[^\p{L}\p{N}._-]+/gu, '_');

export function reportRoutes(ctx: WebContext): Router {
  const r = Router();

  /** The contract of the path the user may see the report of; anything else, as a missing one, 404. */
  async function allowedContract(req: Request): Promise<ReportContract> {
    const id = pathId(req.params.id);
    if (id > INT4_ID.max) throw new NotFoundError();
    const contract = await reportContractFor(ctx, currentUser(req), id);
    if (!contract) throw new NotFoundError();
    return contract;
  }

  r.get('/reports', requireUser, async (req, res) => {
    const user = currentUser(req);
    if (!isStaff(user)) {
      // a customer's list: the contracts they may see the report of; without any, the page is not theirs
      const contracts = await customerReportContracts(ctx, user);
      if (contracts.length === 0) throw new NotFoundError();
      return res.render('reports', { contracts, lines: null, month: null, sort: null, dir: null, links: null, rv: reportHelpersIn(res.locals.t) });
    }
    const month = askedMonth(req.query.month, DEFAULT_TIMEZONE);
    const sort: OverviewSort = OVERVIEW_SORTS.find((s) => s === req.query.sort) ?? 'company';
    const dir: SortDirection = req.query.dir === 'desc' ? 'desc' : 'asc';
    const lines = await reportOverview(ctx, month);
    if (!lines) throw new ValidationError({ month: cs.report.page.badMonth });
    res.render('reports', { contracts: null, lines: sortOverview(lines, sort, dir), month, sort, dir, links: monthLinks(month, DEFAULT_TIMEZONE), rv: reportHelpersIn(res.locals.t) });
  });

  r.get('/reports/contracts/:id', requireUser, async (req, res) => {
    const contract = await allowedContract(req);
    const month = askedMonth(req.query.month, contract.timezone);
    // the page lists the first LIST_LIMIT tickets behind each figure and of the effort table (the CSV has every effort row)
    const data = await contractReportPage(ctx, contract, month, LIST_LIMIT);
    if (!data) throw new ValidationError({ month: cs.report.page.badMonth });
    res.render('report', { contract, report: data.report, lists: data.tickets, listLimit: LIST_LIMIT, links: monthLinks(month, contract.timezone), rv: reportHelpersIn(res.locals.t) });
  });

  r.get('/reports/contracts/:id/csv', requireUser, async (req, res) => {
    const contract = await allowedContract(req);
    const month = askedMonth(req.query.month, contract.timezone);
    const report = await contractReport(ctx, contract, month);
    if (!report) throw new ValidationError({ month: cs.report.page.badMonth });
    res.attachment(`report-${fileSafe(contract.number)}-${month}.csv`);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.send(reportCsv(report));
  });

  return r;
}
