import type { Server } from 'node:http';
import type { Express } from 'express';
import { chromium, type Browser } from 'playwright-core';
import { systemPartAvailable } from './system-part.js';

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

/** Whether browser suites can run (see systemPartAvailable). */
export function browserAvailable(suite = 'browser tests'): boolean {
  return systemPartAvailable({ suite, file: chromiumPath, install: 'apt-get install -y chromium', override: 'CHROMIUM_PATH' });
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
}

/** The app listening on a free port of 127.0.0.1, for a browser to open. */
export function listenLocal(app: Express): Promise<Server> {
  return new Promise<Server>((resolve, reject) => {
    const s = app.listen(0, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
  });
}
