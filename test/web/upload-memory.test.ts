/**
 * The security finding "uploads are buffered in memory": six concurrent maximum forms (each
 * ATTACHMENT_MAX_FILES files of ATTACHMENT_MAX_BYTES, the defaults) against the portal started
 * as `npm start` starts it (a primary and WEB_CONCURRENCY=2 web processes). Every form is
 * accepted and stored, and the portal's processes together grow by at most 200 MB of RSS.
 * The test streams the bodies; it never holds a file in memory either.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { configSchema } from '../../src/config.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { PASSWORD, seedWorld, type World } from '../support/world.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DEFAULTS = configSchema.parse({});
const MAX_BYTES = DEFAULTS.ATTACHMENT_MAX_BYTES;
const MAX_FILES = DEFAULTS.ATTACHMENT_MAX_FILES;
const FORMS = 6;
const ALLOWED_GROWTH = 200 * 1024 * 1024;

let tdb: TestDatabase;
let w: World;
let tmp: string;
let portal: ChildProcess | null = null;
let port: number;
let output = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port: p } = s.address() as net.AddressInfo;
      s.close(() => resolve(p));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- the portal's processes and their memory -------------------------------------------------

/** The portal's primary and every process below it (the web processes). */
function processTree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // the command name may hold spaces and parentheses: the fields after its last ')'
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // ended meanwhile
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  return tree;
}

/** Summed VmRSS of the portal's processes, bytes. */
function portalRss(): number {
  let kb = 0;
  for (const pid of processTree(portal!.pid!)) {
    try {
      kb += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // ended meanwhile
    }
  }
  return kb * 1024;
}

// ---- a tiny browser: cookies and forms over node:http --------------------------------------------

const cookies = new Map<string, string>();
const cookieHeader = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
function keepCookies(res: http.IncomingMessage) {
  for (const c of res.headers['set-cookie'] ?? []) {
    const [pair] = c.split(';');
    const at = pair!.indexOf('=');
    cookies.set(pair!.slice(0, at).trim(), pair!.slice(at + 1).trim());
  }
}

function request(method: string, url: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: url, headers: { Cookie: cookieHeader(), ...headers } }, (res) => {
      keepCookies(res);
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const csrfOf = (html: string) => {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token on the page');
  return m[1]!;
};

/**
 * Posts one maximum form to /tickets/new: the text fields, then MAX_FILES files of MAX_BYTES
 * each, generated while they are sent (256 KB at a time, each block unique, so nothing dedupes).
 */
function postMaximumForm(form: number, csrf: string): Promise<{ status: number; location?: string }> {
  const boundary = `----hdMemory${randomBytes(8).toString('hex')}`;
  const fields: Record<string, string> = {
    _csrf: csrf,
    contract_id: String(w.contractA),
    paragraph_id: String(w.paragraphs.A.incident),
    contact_phone: '602123456',
    subject: `Maximální formulář ${form}`,
    description: 'Deset příloh po dvaceti megabajtech.',
  };
  const base = randomBytes(256 * 1024);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: '/tickets/new', headers: { Cookie: cookieHeader(), 'Content-Type': `multipart/form-data; boundary=${boundary}` } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, location: res.headers.location }));
      },
    );
    req.on('error', reject);
    const write = (chunk: Buffer | string) => (req.write(chunk) ? Promise.resolve() : new Promise<void>((r) => req.once('drain', () => r())));
    void (async () => {
      for (const [k, v] of Object.entries(fields)) await write(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
      for (let file = 0; file < MAX_FILES; file++) {
        await write(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="soubor-${form}-${file}.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
        for (let at = 0, block = 0; at < MAX_BYTES; at += base.length, block++) {
          const chunk = Buffer.from(base.subarray(0, Math.min(base.length, MAX_BYTES - at)));
          chunk.writeUInt32BE(form, 0);
          chunk.writeUInt32BE(file, 4);
          chunk.writeUInt32BE(block, 8);
          await write(chunk);
        }
        await write('\r\n');
      }
      req.end(`--${boundary}--\r\n`);
    })().catch(reject);
  });
}

// ---- the test ------------------------------------------------------------------------------

beforeAll(async () => {
  tdb = await freshDatabase();
  w = await seedWorld(tdb.db);
  tmp = mkdtempSync(path.join(os.tmpdir(), 'hd-upload-memory-'));
  port = await freePort();
  const setpriv = existsSync('/usr/bin/setpriv') ? ['/usr/bin/setpriv', '--pdeathsig', 'KILL'] : [];
  // what `npm start` runs (package.json), in a process group of its own
  const command = [...setpriv, process.execPath, '--max-semi-space-size=64', '--import', 'tsx', 'src/main.ts'];
  portal = spawn(command[0]!, command.slice(1), {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TMPDIR: tmp,
      DATABASE_URL: tdb.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      WEB_CONCURRENCY: '2',
      SEED_DEMO: 'false',
      NODE_ENV: 'production',
    },
  });
  portal.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  portal.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const t0 = Date.now();
  for (;;) {
    if (portal.exitCode !== null) throw new Error(`the portal ended: ${output}`);
    if ((await request('GET', '/login').catch(() => null))?.status === 200) break;
    if (Date.now() - t0 > 60_000) throw new Error(`the portal did not start within 60 s: ${output}`);
    await sleep(200);
  }
  // both web processes up: a few more answers
  for (let i = 0; i < 6; i++) await request('GET', '/login');
}, 120_000);

afterAll(async () => {
  if (portal?.pid && portal.exitCode === null) {
    const exited = new Promise((r) => portal!.once('exit', r));
    process.kill(-portal.pid, 'SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
    if (portal.exitCode === null) process.kill(-portal.pid, 'SIGKILL');
  }
  await tdb?.drop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('upload memory (security finding: uploads buffered in memory)', () => {
  it(`stores ${FORMS} concurrent maximum forms (${MAX_FILES} × ${MAX_BYTES / 1024 / 1024} MB each) with at most 200 MB of RSS growth`, async () => {
    const loginPage = await request('GET', '/login');
    const signIn = await request(
      'POST',
      '/login',
      { 'Content-Type': 'application/x-www-form-urlencoded' },
      new URLSearchParams({ _csrf: csrfOf(loginPage.text), login: 'alice', password: PASSWORD, next: '/' }).toString(),
    );
    expect(signIn.status, signIn.text.slice(0, 300)).toBe(302);
    const form = await request('GET', '/tickets/new');
    expect(form.status).toBe(200);
    const csrf = csrfOf(form.text);

    // the baseline: the processes at rest just before the uploads
    const baselineSamples: number[] = [];
    for (let i = 0; i < 10; i++) {
      baselineSamples.push(portalRss());
      await sleep(100);
    }
    const baseline = Math.max(...baselineSamples);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, portalRss())), 100);
    const t0 = Date.now();
    let results: { status: number; location?: string }[];
    try {
      results = await Promise.all(Array.from({ length: FORMS }, (_, i) => postMaximumForm(i, csrf)));
    } finally {
      clearInterval(sampler);
    }
    const seconds = (Date.now() - t0) / 1000;
    peak = Math.max(peak, portalRss());
    const mb = (b: number) => (b / 1024 / 1024).toFixed(0);
    console.log(
      `upload memory: ${FORMS} forms × ${MAX_FILES} × ${mb(MAX_BYTES)} MB in ${seconds.toFixed(1)} s; portal RSS baseline ${mb(baseline)} MB, peak ${mb(peak)} MB, growth ${mb(peak - baseline)} MB (limit ${mb(ALLOWED_GROWTH)} MB)`,
    );

    expect(results.map((r) => r.status)).toEqual(Array(FORMS).fill(303));
    const numbers = results.map((r) => Number(String(r.location).split('/').pop()));
    const files = await tdb.db('attachments').whereIn('ticket_number', numbers).select('sha256', 'size');
    expect(files).toHaveLength(FORMS * MAX_FILES);
    expect(files.every((f) => Number(f.size) === MAX_BYTES)).toBe(true);
    expect(new Set(files.map((f) => f.sha256)).size).toBe(FORMS * MAX_FILES);
    const chunks = await tdb.db('attachment_chunks').whereIn('sha256', files.map((f) => f.sha256)).count('* as n').first();
    expect(Number(chunks?.n)).toBe(FORMS * MAX_FILES * Math.ceil(MAX_BYTES / (1024 * 1024)));
    await vi.waitFor(() => expect(readdirSync(path.join(tmp, 'helpdesk-uploads'))).toEqual([]), { timeout: 5000, interval: 50 });

    expect(peak - baseline).toBeLessThanOrEqual(ALLOWED_GROWTH);
  }, 600_000);
});
