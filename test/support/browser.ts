import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from 'playwright-core';
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

/** The page settings the suites share: Czech, Prague time, a desktop window. */
export const DESKTOP: BrowserContextOptions = { locale: 'cs-CZ', timezoneId: 'Europe/Prague', viewport: { width: 1280, height: 900 } };

/** The app on a local port with a browser launched for it. */
export interface ServedApp {
  /** http://127.0.0.1:<port> */
  baseURL: string;
  browser: Browser;
  /**
   * A context on the app with DESKTOP's settings (overridden by `options`) and a 15 s default
   * timeout; `bypassCSP: true` for the one that injects axe-core, an inline script the app forbids.
   */
  context(options?: BrowserContextOptions): Promise<BrowserContext>;
  /** Closes the browser (its contexts with it), then the server. */
  close(): Promise<void>;
}

export async function serveToBrowser(app: Express): Promise<ServedApp> {
  const server = await listenLocal(app);
  const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const closeServer = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections?.();
  };
  let browser: Browser;
  try {
    browser = await launchBrowser();
  } catch (e) {
    await closeServer();
    throw e;
  }
  return {
    baseURL,
    browser,
    async context(options = {}) {
      const context = await browser.newContext({ baseURL, ...DESKTOP, ...options });
      context.setDefaultTimeout(15_000);
      return context;
    },
    async close() {
      await browser.close();
      await closeServer();
    },
  };
}
