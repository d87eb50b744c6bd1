/**
 * A private Dovecot IMAP server for tests and benchmarks (recipe: /work/shared/IMAP-TEST-SERVER.md).
 *
 * - runs `dovecot -F` in its own process group under `setpriv --pdeathsig KILL`, so a crashed or
 *   SIGKILLed test runner cannot leave it behind;
 * - config, Maildirs, logs and sockets live in a fresh temp dir; listens on 127.0.0.1:<free port>;
 * - any user name logs in with the password `secret` (static passdb), each user gets its own
 *   Maildir on first login, so every test can use a mailbox of its own (`t1@test.local`);
 * - ready = the `* OK` greeting arrived (a bare TCP connect is not enough);
 * - stop = SIGKILL of the process group (~3 ms; a graceful SIGTERM takes 2.5–3 s).
 *
 * As root Dovecot refuses mail access for uid/gid 0, so mail is stored as nobody:nogroup and the
 * login/internal users are Debian's `dovenull`/`dovecot`; as non-root everything runs as the caller.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { systemPartAvailable } from './system-part.js';

const run = promisify(execFile);

export const dovecotPath = process.env.DOVECOT_BIN ?? '/usr/sbin/dovecot';
export const IMAP_PASSWORD = 'secret';


export interface DovecotServer {
  host: string;
  port: number;
  /** temp dir with dovecot.conf, dovecot.log, run/, state/, mail/<user>/ */
  dir: string;
  /** spawn → greeting, ms */
  startupMs: number;
  /** runs `doveadm -c DIR/dovecot.conf ARGS…` (e.g. `mailbox update -u USER --uid-validity N INBOX`) */
  doveadm(...args: string[]): Promise<string>;
  /** the server log so far (for failure messages) */
  log(): string;
  /** SIGKILL the process group and remove the temp dir; idempotent */
  stop(): void;
}

/** Whether IMAP suites can run (see systemPartAvailable). */
export function dovecotAvailable(suite = 'IMAP tests'): boolean {
  return systemPartAvailable({ suite, file: dovecotPath, install: 'apt-get install -y dovecot-imapd', override: 'DOVECOT_BIN' });
}

// ---- process bookkeeping: ONE exit hook for every instance --------------------------------

const live = new Map<number, { pgid: number; dir: string }>();
let exitHookInstalled = false;

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const { pgid, dir } of live.values()) {
      killGroup(pgid);
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // best effort at exit
      }
    }
    live.clear();
  });
}

// ---- helpers --------------------------------------------------------------------------------

/** A free TCP port on 127.0.0.1, chosen by the OS (also used by test/support/cluster.ts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves when the server sends its `* OK` greeting; rejects on timeout or when `failed()` says so. */
function greeting(port: number, deadlineMs: number, failed: () => Error | null): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const t0 = Date.now();
    const retry = () => {
      const err = failed();
      if (err) return reject(err);
      if (Date.now() - t0 > deadlineMs) return reject(new Error(`dovecot did not greet on port ${port} within ${deadlineMs} ms`));
      setTimeout(attempt, 10);
    };
    const attempt = () => {
      const s = net.connect(port, '127.0.0.1');
      s.setTimeout(1000, () => {
        s.destroy();
        retry();
      });
      s.once('data', (d) => {
        s.destroy();
        if (d.toString().startsWith('* OK')) resolve();
        else retry();
      });
      s.once('error', () => {
        s.destroy();
        retry();
      });
    };
    attempt();
  });
}

interface ConfigParams {
  dir: string;
  port: number;
  loginUser: string;
  internalUser: string;
  group: string;
  uid: number;
  gid: number;
}

function renderConfig(p: ConfigParams): string {
  return `protocols = imap
listen = 127.0.0.1
base_dir = ${p.dir}/run
state_dir = ${p.dir}/state
instance_name = dovecot-test-${p.port}
log_path = ${p.dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = ${p.loginUser}
default_internal_user = ${p.internalUser}
default_internal_group = ${p.group}
mail_uid = ${p.uid}
mail_gid = ${p.gid}
first_valid_uid = 1
mail_location = maildir:${p.dir}/mail/%n
# fallback poll for IDLE when inotify is unavailable (default 30 s)
mailbox_idle_check_interval = 1 secs
# any user name logs in with password "${IMAP_PASSWORD}"; each user gets its own maildir on first login
passdb {
  driver = static
  args = password=${IMAP_PASSWORD}
}
userdb {
  driver = static
  args = home=${p.dir}/mail/%n
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${p.port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service stats {
  chroot =
}
`;
}

/**
 * Starts a private Dovecot; ~25 ms. Throws when the binary is missing (check `dovecotAvailable()` first).
 * `port`: listen on this port instead of a fresh free one (e.g. to bring a "crashed" server back).
 */
export async function startDovecot(opts: { bin?: string; port?: number } = {}): Promise<DovecotServer> {
  const bin = opts.bin ?? dovecotPath;
  if (!existsSync(bin)) throw new Error(`dovecot not found at ${bin}: apt-get install -y dovecot-imapd`);
  installExitHook();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dovecot-test-'));
  chmodSync(dir, 0o755); // the mail user (nobody when root) must traverse it
  const port = opts.port ?? (await freePort());
  const root = process.getuid?.() === 0;
  const me = os.userInfo();
  for (const d of ['run', 'state', 'mail']) mkdirSync(path.join(dir, d));
  if (root) chownSync(path.join(dir, 'mail'), 65534, 65534); // Dovecot refuses mail access as root
  const group = root ? 'dovecot' : execFileSync('id', ['-gn']).toString().trim();
  const conf = path.join(dir, 'dovecot.conf');
  writeFileSync(
    conf,
    renderConfig({
      dir,
      port,
      loginUser: root ? 'dovenull' : me.username,
      internalUser: root ? 'dovecot' : me.username,
      group,
      uid: root ? 65534 : me.uid,
      gid: root ? 65534 : me.gid,
    }),
  );
  const logFile = path.join(dir, 'dovecot.log');
  const readLog = () => {
    try {
      return readFileSync(logFile, 'utf8');
    } catch {
      return '';
    }
  };

  const t0 = performance.now();
  const setpriv = existsSync('/usr/bin/setpriv') ? '/usr/bin/setpriv' : null;
  const [cmd, args] = setpriv
    ? [setpriv, ['--pdeathsig', 'KILL', bin, '-F', '-c', conf]]
    : [bin, ['-F', '-c', conf]];
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'ignore', 'inherit'] });
  const pgid = child.pid;
  if (pgid === undefined) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not spawn ${cmd}`);
  }
  live.set(pgid, { pgid, dir });
  let exited: Error | null = null;
  child.once('exit', (code, signal) => {
    exited = new Error(`dovecot exited early (code ${code}, signal ${signal}); log:\n${readLog()}`);
  });
  child.once('error', (e) => {
    exited = e;
  });
  child.unref();

  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    killGroup(pgid);
    live.delete(pgid);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await greeting(port, 10_000, () => exited);
  } catch (e) {
    const log = readLog();
    stop();
    throw new Error(`${(e as Error).message}${log ? `\n--- dovecot.log ---\n${log}` : ''}`);
  }

  return {
    host: '127.0.0.1',
    port,
    dir,
    startupMs: performance.now() - t0,
    log: readLog,
    async doveadm(...cmdArgs: string[]) {
      const { stdout } = await run('doveadm', ['-c', conf, ...cmdArgs]);
      return stdout;
    },
    stop,
  };
}
