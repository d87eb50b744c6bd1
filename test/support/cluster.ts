/**
 * Portal nodes as real processes behind a real HAProxy, for test/cluster.
 *
 * - `startNode`: `node --import tsx src/main.ts` (what `npm start` runs) in a process group of
 *   its own under `setpriv --pdeathsig KILL`, so a dead test runner takes it along; its web
 *   processes are in the same group, so `kill()` (SIGKILL to the group) is a node that dies
 *   at once, and `stop()` is the graceful SIGTERM. Ready = GET /login answers 200.
 * - `startHaproxy`: Debian's /usr/sbin/haproxy in the foreground with a generated config in a
 *   temp dir (roundrobin, health check GET /login, redispatch, retries; the response header
 *   X-Served-By names the node), and its per-server counters from the stats socket.
 * - `Browser`: fetch with a cookie jar shared across ports (as a browser shares cookies for one
 *   host), forms with the page's CSRF token.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './dovecot.js';
import { systemPartAvailable } from './system-part.js';

export { freePort };

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const haproxyPath = process.env.HAPROXY_BIN ?? '/usr/sbin/haproxy';

/** Whether the cluster suite can run (see systemPartAvailable). */
export function haproxyAvailable(suite = 'cluster tests'): boolean {
  return systemPartAvailable({ suite, file: haproxyPath, install: 'apt-get install -y haproxy', override: 'HAPROXY_BIN' });
}

// ---- process groups: one exit hook kills whatever a test left running ------------------------

const groups = new Set<number>();
let hooked = false;
function track(pid: number): void {
  groups.add(pid);
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const pgid of groups) killGroup(pgid, 'SIGKILL');
  });
}
function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // gone already
  }
}

function spawnGroup(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): ChildProcess {
  const setpriv = existsSync('/usr/bin/setpriv') ? '/usr/bin/setpriv' : null;
  const child = setpriv
    ? spawn(setpriv, ['--pdeathsig', 'KILL', cmd, ...args], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not spawn ${cmd}`);
  track(child.pid);
  return child;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(what: string, ms: number, check: () => Promise<boolean>, failed: () => string | null = () => null): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const why = failed();
    if (why) throw new Error(`${what}: ${why}`);
    if (await check().catch(() => false)) return;
    if (Date.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(100);
  }
}

// ---- portal nodes -----------------------------------------------------------------------------

export interface PortalNode {
  name: string;
  port: number;
  url: string;
  pid: number;
  /** everything the node printed so far (stdout and stderr) */
  log(): string;
  /** SIGKILL to the whole process group: the node dies at once, mid-request */
  kill(): Promise<void>;
  /** SIGTERM (graceful), SIGKILL after `ms` */
  stop(ms?: number): Promise<void>;
  exited: Promise<void>;
}

export async function startNode(opts: { name: string; env: Record<string, string>; port?: number; readyMs?: number }): Promise<PortalNode> {
  const port = opts.port ?? (await freePort());
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'test',
    SEED_DEMO: 'false',
    NODE_NAME: opts.name,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    ...opts.env,
  };
  const child = spawnGroup(process.execPath, ['--import', 'tsx', 'src/main.ts'], env, ROOT);
  const pid = child.pid!;
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  let exitedWith: string | null = null;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedWith = `exited (code ${code}, signal ${signal})`;
      groups.delete(pid);
      resolve();
    });
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntil(
      `node ${opts.name} on port ${port}`,
      opts.readyMs ?? 60_000,
      async () => (await fetch(`${url}/login`)).status === 200,
      () => exitedWith,
    );
  } catch (e) {
    killGroup(pid, 'SIGKILL');
    throw new Error(`${(e as Error).message}\n--- ${opts.name} log ---\n${out}`);
  }
  return {
    name: opts.name,
    port,
    url,
    pid,
    log: () => out,
    exited,
    async kill() {
      killGroup(pid, 'SIGKILL');
      await exited;
    },
    async stop(ms = 5000) {
      if (exitedWith) return;
      killGroup(pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), ms);
      await exited;
      clearTimeout(timer);
      killGroup(pid, 'SIGKILL'); // web processes that outlived their primary
    },
  };
}

// ---- HAProxy ----------------------------------------------------------------------------------

export interface ServerStats {
  name: string;
  /** UP, DOWN, … */
  status: string;
  /** requests answered, by class */
  responses: { '2xx': number; '3xx': number; '4xx': number; '5xx': number };
  /** sessions (requests) sent to the server in total */
  total: number;
  /** connection errors, redispatches and retries of this server */
  connectionErrors: number;
  redispatches: number;
  retries: number;
}

export interface Haproxy {
  port: number;
  url: string;
  config: string;
  stats(): Promise<ServerStats[]>;
  log(): string;
  stop(): Promise<void>;
}

export function haproxyConfig(opts: { port: number; servers: { name: string; port: number }[]; statsSocket: string }): string {
  return `# generated by test/support/cluster.ts
global
  maxconn 1000
  stats socket ${opts.statsSocket} mode 600 level admin

defaults
  mode http
  log stdout format raw local0 err
  option httplog
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  # a refused connection is tried again (3 times), each time on another server: a dead node
  # costs no request that it never received; a request it received is not replayed
  retries 3
  option redispatch 1
  option forwardfor

frontend portal
  bind 127.0.0.1:${opts.port}
  default_backend nodes

backend nodes
  balance roundrobin
  option httpchk GET /login
  http-check expect status 200
  default-server inter 300ms fastinter 200ms downinter 500ms fall 2 rise 2
  http-response set-header X-Served-By %[srv_name]
${opts.servers.map((s) => `  server ${s.name} 127.0.0.1:${s.port} check`).join('\n')}
`;
}

export async function startHaproxy(servers: { name: string; port: number }[]): Promise<Haproxy> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'haproxy-test-'));
  const port = await freePort();
  const statsSocket = path.join(dir, 'admin.sock');
  const config = haproxyConfig({ port, servers, statsSocket });
  const cfg = path.join(dir, 'haproxy.cfg');
  writeFileSync(cfg, config);
  const child = spawnGroup(haproxyPath, ['-db', '-f', cfg], { PATH: process.env.PATH }, dir);
  const pid = child.pid!;
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  let exitedWith: string | null = null;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exitedWith = `haproxy exited (code ${code}, signal ${signal}): ${out}`;
      groups.delete(pid);
      resolve();
    }),
  );
  const stats = async (): Promise<ServerStats[]> => {
    const csv = await socketCommand(statsSocket, 'show stat\n');
    const lines = csv.split('\n').filter((l) => l.trim());
    const head = lines[0]!.replace(/^# /, '').split(',');
    const col = (row: string[], name: string) => row[head.indexOf(name)] ?? '';
    return lines
      .slice(1)
      .map((l) => l.split(','))
      .filter((r) => col(r, 'pxname') === 'nodes' && !['FRONTEND', 'BACKEND'].includes(col(r, 'svname')))
      .map((r) => ({
        name: col(r, 'svname'),
        status: col(r, 'status'),
        total: Number(col(r, 'stot')),
        responses: { '2xx': Number(col(r, 'hrsp_2xx')), '3xx': Number(col(r, 'hrsp_3xx')), '4xx': Number(col(r, 'hrsp_4xx')), '5xx': Number(col(r, 'hrsp_5xx')) },
        connectionErrors: Number(col(r, 'econ')),
        redispatches: Number(col(r, 'wredis')),
        retries: Number(col(r, 'wretr')),
      }));
  };
  try {
    await waitUntil(
      'haproxy',
      10_000,
      async () => {
        const s = await stats();
        return s.length === servers.length && s.every((x) => x.status === 'UP');
      },
      () => exitedWith,
    );
  } catch (e) {
    killGroup(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    config,
    stats,
    log: () => out,
    async stop() {
      killGroup(pid, 'SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function socketCommand(socketPath: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socketPath);
    let data = '';
    s.on('data', (d) => (data += d.toString()));
    s.on('end', () => resolve(data));
    s.on('error', reject);
    s.write(command);
  });
}

// ---- a browser: cookies and forms -------------------------------------------------------------

export interface Page {
  status: number;
  location: string | null;
  /** the node that answered through HAProxy (X-Served-By), null on a direct request */
  servedBy: string | null;
  text: string;
}

export function csrfOf(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m?.[1]) throw new Error('no CSRF token on the page');
  return m[1];
}

/** One user's browser: cookies by name (127.0.0.1 on any port, like a browser), no redirects followed. */
export class Browser {
  readonly cookies = new Map<string, string>();

  private async send(url: string, init: RequestInit): Promise<Page> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(c) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: res.status, location: res.headers.get('location'), servedBy: res.headers.get('x-served-by'), text: await res.text() };
  }

  get(url: string): Promise<Page> {
    return this.send(url, { method: 'GET' });
  }

  /** A urlencoded form, `_csrf` first. */
  postForm(url: string, csrf: string, fields: Record<string, string>): Promise<Page> {
    return this.send(url, { method: 'POST', body: new URLSearchParams({ _csrf: csrf, ...fields }) });
  }

  /** A multipart form (the forms that carry files), `_csrf` first. */
  postMultipart(url: string, csrf: string, fields: Record<string, string>): Promise<Page> {
    const form = new FormData();
    form.append('_csrf', csrf);
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    return this.send(url, { method: 'POST', body: form });
  }

  /** Signs in through the login form of `base`; returns the answer (302 on success, 401/429 refused). */
  async signIn(base: string, login: string, password: string): Promise<Page> {
    const page = await this.get(`${base}/login`);
    return this.postForm(`${base}/login`, csrfOf(page.text), { login, password, next: '/' });
  }
}
