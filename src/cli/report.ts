/**
 * `npm run --silent report -- --company "<name>" --contract <number> --month YYYY-MM [--format json|csv]`
 * (REPORT.md §3): migrates the database first, then prints the contract's monthly report as
 * one JSON object (or the CSV) and exits 0; an unknown company or contract or a malformed
 * month prints `error: <what>` and exits 1.
 */
import { parseArgs } from 'node:util';
import { withRuntime } from '../bootstrap.js';
import { cs } from '../i18n/cs.js';
import { onePool } from '../services/reads/pools.js';
import { findReportContract } from '../services/reads/report.js';
import { contractReport } from '../services/report.js';
import { reportCsv } from '../services/report-csv.js';
import { fail as failWith, runCommand } from './command.js';

const USAGE = 'usage: report --company "<company name>" --contract <number> --month YYYY-MM [--format json|csv]';

const fail = (what: string, usage = false): number => failWith(what, usage ? USAGE : undefined);

async function main(argv: string[]): Promise<number> {
  let values: { company?: string; contract?: string; month?: string; format?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { company: { type: 'string' }, contract: { type: 'string' }, month: { type: 'string' }, format: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (e) {
    return fail((e as Error).message, true);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const format = values.format ?? 'json';
  if (values.company === undefined || values.contract === undefined || values.month === undefined || (format !== 'json' && format !== 'csv')) {
    const missing = values.company === undefined ? 'missing --company' : values.contract === undefined ? 'missing --contract' : values.month === undefined ? 'missing --month' : `unknown format ${format}`;
    return fail(missing, true);
  }
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(values.month)) {
    return fail(`${cs.report.errors.month}: ${values.month}`);
  }

  const { company: companyName, contract: contractNumber, month } = values;
  return withRuntime(async (runtime) => {
    const pools = onePool(runtime.ctx.db);
    const company = await runtime.ctx.db('companies').where({ name: companyName }).first('id');
    if (!company) {
      return fail(`${cs.report.errors.company}: ${companyName}`);
    }
    const contract = await findReportContract(pools, companyName, contractNumber);
    if (!contract) {
      return fail(`${cs.report.errors.contract}: ${contractNumber}`);
    }
    const report = await contractReport(pools, contract, month);
    if (!report) {
      return fail(`${cs.report.errors.month}: ${month}`);
    }
    process.stdout.write(format === 'csv' ? reportCsv(report) : `${JSON.stringify(report)}\n`);
    return 0;
  });
}

await runCommand(main);
