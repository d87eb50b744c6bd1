/**
 * `npm run --silent sla < input.json`: SLA figures for one request object or an array of them
 * (shape and output: src/cli/sla-input.ts). Errors go to stderr as `error: <field>: <message>`,
 * with exit code 1.
 */
import { text } from 'node:stream/consumers';
import { SlaInputError, SlaWalkLimitError } from '../domain/sla/index.js';
import { runSla } from './sla-input.js';

try {
  process.stdout.write(runSla(await text(process.stdin)));
} catch (e) {
  if (e instanceof SlaInputError) process.stderr.write(`error: ${e.describe()}\n`);
  else if (e instanceof SlaWalkLimitError) process.stderr.write(`error: ${e.message}\n`);
  else throw e;
  process.exitCode = 1;
}
