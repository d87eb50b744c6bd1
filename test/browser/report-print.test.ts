import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDocument } from '../../src/services/import/index.js';
import { octoberDocument } from '../report/month.fixture.js';
import { browserAvailable, serveToBrowser, type ServedApp } from '../support/browser.js';
import { seriousViolations } from '../support/axe.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { systemPartAvailable } from '../support/system-part.js';
import { buildApp } from '../support/web.js';
import { PASSWORD, seedWorld } from '../support/world.js';

/*
 * The monthly report's page in a real browser (issue 11): it passes axe-core at a phone's and a
 * desktop's width, and printed by Chromium to an A4 PDF (turned into PNG pages with poppler's
 * pdftoppm, kept in test-output/screenshots) it fits: A4 pages, few of them, no table wider
 * than the printable width.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHOTS = path.join(ROOT, 'test-output', 'screenshots');
const PDFTOPPM = process.env.PDFTOPPM_PATH ?? '/usr/bin/pdftoppm';
/** A4 at 96 px per inch, and its width inside the print stylesheet's 12 mm margins */
const A4_WIDTH_PX = 794;
const PRINTABLE_WIDTH_PX = Math.floor(((210 - 2 * 12) / 25.4) * 96);
const STEP_TIMEOUT = 120_000;

const available =
  browserAvailable('test/browser/report-print.test.ts') &&
  systemPartAvailable({ suite: 'test/browser/report-print.test.ts', file: PDFTOPPM, install: 'apt-get install -y poppler-utils', override: 'PDFTOPPM_PATH' });


/** Width and height of a PNG, from its IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe.skipIf(!available)('the monthly report page in chromium: accessible, and printed on A4', () => {
  let tdb: TestDatabase;
  let web: ReturnType<typeof buildApp>;
  let served: ServedApp;
  let context: BrowserContext;
  let page: Page;
  let contractId: number;
  const problems: string[] = [];

  beforeAll(async () => {
    tdb = await freshDatabase();
    await seedWorld(tdb.db);
    await importDocument(tdb.db, octoberDocument());
    contractId = Number((await tdb.db('contracts').where({ number: 'R-1' }).first('id')).id);
    web = buildApp(tdb);
    served = await serveToBrowser(web.app);
    await mkdir(SHOTS, { recursive: true });
    // axe-core is injected as an inline script, which the app's Content-Security-Policy forbids
    context = await served.context({ bypassCSP: true });
    page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`page error ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) problems.push(`HTTP ${r.status()} ${r.url()}`);
    });

    await page.goto('/login');
    await page.getByLabel('Přihlašovací jméno').fill('agent');
    await page.getByLabel('Heslo').fill(PASSWORD);
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.getByRole('button', { name: 'Přihlásit se' }).click()]);
  }, 180_000);

  afterAll(async () => {
    await served?.close();
    await web?.close();
    await tdb?.drop();
  });

  async function visit(url: string) {
    const res = await page.goto(url, { waitUntil: 'load' });
    expect(res?.status(), `GET ${url}`).toBe(200);
  }

  /** axe-core inside the page at 390 and 1280 px: the serious and critical violations, described; a screenshot at each width. */
  async function axe(label: string): Promise<string[]> {
    const found: string[] = [];
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      for (const v of await seriousViolations(page)) found.push(`${label} @${width}px: ${v}`);
      // nothing but a scroll region may be wider than the phone's screen
      const wide = await page.evaluate(() => {
        const limit = document.documentElement.clientWidth;
        if (document.documentElement.scrollWidth <= limit) return null;
        const out = [...document.body.querySelectorAll('*')].filter((el) => el.getBoundingClientRect().right > limit + 1 && !el.closest('.table-scroll'));
        return `${document.documentElement.scrollWidth} > ${limit}: ${out.slice(0, 5).map((el) => `${el.tagName.toLowerCase()}.${el.className}`).join(', ')}`;
      });
      if (wide) found.push(`${label} @${width}px: the page scrolls sideways, ${wide}`);
      await page.screenshot({ path: path.join(SHOTS, `${label}-${width}.png`), fullPage: true });
    }
    return found;
  }

  /** Tables wider than their container, in print media at a given width. */
  async function overflowingTables(width: number): Promise<string[]> {
    await page.setViewportSize({ width, height: 1123 });
    return page.evaluate(() =>
      [...document.querySelectorAll('table')]
        .map((table) => {
          const container = table.parentElement!;
          return table.scrollWidth > container.clientWidth ? `${table.className || 'table'}: ${table.scrollWidth} > ${container.clientWidth}` : null;
        })
        .filter((x): x is string => x !== null)
        .concat(document.documentElement.scrollWidth > document.documentElement.clientWidth ? [`page: ${document.documentElement.scrollWidth} > ${document.documentElement.clientWidth}`] : []),
    );
  }

  it('the report page and the overview pass axe-core at 390 and 1280 px', { timeout: STEP_TIMEOUT }, async () => {
    await visit(`/reports/contracts/${contractId}?month=2026-10`);
    const violations = await axe('report-page');
    await visit('/reports?month=2026-10&sort=received&dir=desc');
    violations.push(...(await axe('reports-overview')));
    expect(violations, `${violations.length} problem(s):\n${violations.join('\n')}`).toEqual([]);
  });

  it('prints to an A4 PDF of at most three pages, whose PNG pages have A4’s proportions; no table overflows the printable width', { timeout: STEP_TIMEOUT }, async () => {
    await page.emulateMedia({ media: 'screen' });
    await visit(`/reports/contracts/${contractId}?month=2026-10`);
    await page.emulateMedia({ media: 'print' });
    // the print stylesheet hides the navigation and the forms
    expect(await page.locator('header.top nav').isVisible()).toBe(false);
    expect(await page.locator('.report-nav').isVisible()).toBe(false);
    expect(await page.locator('svg.chart').count()).toBe(2);
    for (const width of [A4_WIDTH_PX, PRINTABLE_WIDTH_PX]) expect(await overflowingTables(width), `print media at ${width} px`).toEqual([]);

    const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
    const pdfPath = path.join(SHOTS, 'report.pdf');
    await writeFile(pdfPath, pdf);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');

    for (const old of (await readdir(SHOTS)).filter((f) => /^report-\d+\.png$/.test(f))) await rm(path.join(SHOTS, old));
    await promisify(execFile)(PDFTOPPM, ['-png', '-r', '50', 'report.pdf', 'report'], { cwd: SHOTS });
    const pages = (await readdir(SHOTS)).filter((f) => /^report-\d+\.png$/.test(f)).sort();
    expect(pages.length).toBeGreaterThanOrEqual(1);
    expect(pages.length).toBeLessThanOrEqual(3);
    for (const name of pages) {
      const { width, height } = pngSize(await readFile(path.join(SHOTS, name)));
      // A4 is 210 × 297 mm: 0.707; at 50 dpi 413 × 585 px
      expect(width / height, name).toBeGreaterThan(0.7);
      expect(width / height, name).toBeLessThan(0.714);
      expect(width, name).toBeGreaterThan(400);
    }
    await page.emulateMedia({ media: 'screen' });
    expect(problems).toEqual([]);
  });
});
