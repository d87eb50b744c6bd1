import { accessSync, constants } from 'node:fs';

/**
 * Whether a suite's system part (chromium, Dovecot) is installed. In CI (CI=true) a missing one
 * fails the suite with a clear message; locally it warns loudly and the caller skips
 * (`describe.skipIf(!available)`).
 */
export function systemPartAvailable(opts: { suite: string; file: string; install: string; override: string }): boolean {
  try {
    accessSync(opts.file, constants.X_OK);
    return true;
  } catch {
    const message = `${opts.file} not found: install it with \`${opts.install}\` (or set ${opts.override})`;
    if (process.env.CI === 'true') throw new Error(`[${opts.suite}] ${message}; this suite must run in CI.`);
    const bar = '!'.repeat(78);
    console.warn(`\n${bar}\n!! SKIPPING ${opts.suite}: ${message}\n${bar}\n`);
    return false;
  }
}
