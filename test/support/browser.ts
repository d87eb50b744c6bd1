import { accessSync, constants } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium; tests never download a browser of their own. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  // Czech date inputs and number formats, as our users see them
  '--lang=cs-CZ',
];

const isCi = process.env.CI === 'true';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether browser suites can run. Without chromium a CI run fails with a clear message;
 * a local run warns loudly and the caller skips (`describe.skipIf(!browserAvailable())`).
 */
export function browserAvailable(suite = 'browser tests'): boolean {
  if (executable(chromiumPath)) return true;
  const message = `chromium not found at ${chromiumPath}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`;
  if (isCi) throw new Error(`[${suite}] ${message}; browser tests must run in CI.`);
  const bar = '!'.repeat(78);
  console.warn(`\n${bar}\n!! SKIPPING ${suite}: ${message}\n${bar}\n`);
  return false;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
}
