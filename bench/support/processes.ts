/**
 * The benchmarks' servers run in child processes of their own, so the load generator never
 * shares their event loop: started with `node --import tsx <script>`, ready when the script
 * prints `LISTENING <port>`, stopped at the clean-up at the latest.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { atCleanup } from './cleanup.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The Express hello world every benchmark's ceiling is measured with. */
export const CEILING_SCRIPT = 'bench/support/ceiling.ts';
/** The portal with every channel, as `npm start` mounts them. */
export const APP_SCRIPT = 'bench/portal/server.ts';

/** As `npm start` runs the server: a larger young generation (fewer scavenges) for a request-heavy server. */
export const NPM_START_FLAGS = ['--max-semi-space-size=64'];

/** BENCH_NODE_FLAGS (space-separated), else as `npm start`. */
export function nodeFlagsFromEnv(): string[] {
  return (process.env.BENCH_NODE_FLAGS ?? NPM_START_FLAGS.join(' ')).split(' ').filter(Boolean);
}

/** BENCH_CPU_PROF=<dir>: V8 CPU profiles of the process, written when it stops. */
export function cpuProfileFlags(): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(dir)}`] : [];
}

export interface ServerProcess {
  child: ChildProcess;
  base: string;
}

export interface ServerOptions {
  nodeFlags: string[];
  env?: Record<string, string>;
  /** the source tree to run `script` of (page-cpu.ts compares trees); this repository by default */
  root?: string;
  /** a command that runs node, e.g. valgrind with its options */
  launcher?: string[];
}

/** Starts `script` (relative to the tree) and waits for its `LISTENING <port>` line (60 s at most; a launcher may take longer). */
export async function startServer(script: string, opts: ServerOptions): Promise<ServerProcess> {
  const root = opts.root ?? ROOT;
  const command = [...(opts.launcher ?? []), process.execPath, ...opts.nodeFlags, '--import', 'tsx', path.join(root, script)];
  const child = spawn(command[0]!, command.slice(1), {
    cwd: root,
    env: { ...process.env, ...opts.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  atCleanup(() => stopProcess(child));
  const port = await new Promise<number>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`${script} did not start within 60 s`)), opts.launcher ? 600_000 : 60_000);
    lines.on('line', (line) => {
      const m = /^LISTENING (\d+)$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      } else process.stdout.write(`[server] ${line}\n`);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { child, base: `http://127.0.0.1:${port}` };
}

/** SIGTERM, and SIGKILL after 10 s; nothing when the process has already ended. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
