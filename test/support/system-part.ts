import { accessSync, constants } from 'node:fs';

/** Values of `CI` that mean "not CI"; anything else that is set and not blank means CI. */
const NOT_CI = new Set(['', '0', 'false', 'no', 'off', 'n']);

/**
 * Whether the run is a CI run: `CI` is set to any truthy value (`true`, `1`, `yes`, `True`, the
 * name of the CI system…), as CI services set it. Unset, blank, `0`, `false`, `no`, `off`
 * (any case, surrounding blanks ignored) mean a local run.
 */
export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.CI;
  if (value === undefined) return false;
  return !NOT_CI.has(value.trim().toLowerCase());
}

/**
 * Whether a suite's system part (chromium, Dovecot) is installed. In CI (any truthy CI, see
 * isCI) a missing one fails the suite with a clear message; locally it warns loudly and the
 * caller skips (`describe.skipIf(!available)`).
 */
export function systemPartAvailable(
  opts: { suite: string; file: string; install: string; override: string },
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  try {
    accessSync(opts.file, constants.X_OK);
    return true;
  } catch {
    const message = `${opts.file} not found: install it with \`${opts.install}\` (or set ${opts.override})`;
    if (isCI(env)) throw new Error(`[${opts.suite}] ${message}; this suite must run in CI.`);
    const bar = '!'.repeat(78);
    console.warn(`\n${bar}\n!! SKIPPING ${opts.suite}: ${message}\n${bar}\n`);
    return false;
  }
}
