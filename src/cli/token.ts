/**
 * `npm run --silent token -- create --company "<name>" --contract <number> --name <name> --user <login> [--paragraph <code>]`
 * prints which paragraph the token got (given; else the contract's e-mail default; else its
 * first active paragraph) and then the new token as the last line of standard output;
 * `npm run --silent token -- revoke --company "<name>" --contract <number> --name <name>`
 * revokes the contract's live token of that name. Both migrate the database first; refused
 * input prints `error: <what>` and exits 1.
 */
import { parseArgs } from 'node:util';
import { withRuntime } from '../bootstrap.js';
import { cs } from '../i18n/cs.js';
import { createApiTokenByNames, type ParagraphChoice, revokeApiTokenByNames } from '../services/api/tokens.js';
import { ValidationError } from '../services/errors.js';
import { fail, runCommand } from './command.js';

const USAGE = [
  'usage: token create --company "<company name>" --contract <number> --name <token name> --user <login> [--paragraph <code>]',
  '       token revoke --company "<company name>" --contract <number> --name <token name>',
].join('\n');

const OPTIONS = {
  company: { type: 'string' },
  contract: { type: 'string' },
  name: { type: 'string' },
  user: { type: 'string' },
  paragraph: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const CHOSEN: Record<ParagraphChoice, (code: string, name: string) => string> = {
  given: cs.apiAdmin.cli.paragraphGiven,
  email_default: cs.apiAdmin.cli.paragraphEmailDefault,
  first_active: cs.apiAdmin.cli.paragraphFirst,
};

/** The first refused field as `field: message`. */
const refusal = (e: ValidationError) => Object.entries(e.fields).map(([field, message]) => `${field}: ${message}`)[0] ?? e.message;

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    return fail((e as Error).message, USAGE);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [command, ...extra] = positionals;
  if (command !== 'create' && command !== 'revoke') return fail(command ? `unknown command ${command} (create or revoke)` : 'missing command (create or revoke)', USAGE);
  if (extra.length > 0) return fail(`unexpected argument ${extra[0]}`, USAGE);
  const required = command === 'create' ? (['company', 'contract', 'name', 'user'] as const) : (['company', 'contract', 'name'] as const);
  const missing = required.find((option) => values[option] === undefined);
  if (missing) return fail(`missing --${missing}`, USAGE);
  if (command === 'revoke' && values.user !== undefined) return fail('--user is only for create', USAGE);
  if (command === 'revoke' && values.paragraph !== undefined) return fail('--paragraph is only for create', USAGE);
  const { company, contract, name } = values as { company: string; contract: string; name: string };

  return withRuntime(async ({ ctx }) => {
    try {
      if (command === 'create') {
        const created = await createApiTokenByNames(ctx, { company, contract, name, user: values.user!, paragraph: values.paragraph });
        process.stdout.write(`${CHOSEN[created.paragraph.chosen](created.paragraph.code, created.paragraph.name)}\n`);
        process.stdout.write(`${cs.apiAdmin.cli.created(name, created.contract)}\n`);
        process.stdout.write(`${created.token}\n`);
      } else {
        const revoked = await revokeApiTokenByNames(ctx, { company, contract, name });
        process.stdout.write(`${cs.apiAdmin.cli.revoked(name, revoked.contract)}\n`);
      }
      return 0;
    } catch (e) {
      if (e instanceof ValidationError) return fail(refusal(e));
      throw e;
    }
  });
}

await runCommand(main);
