/**
 * Where the CPU goes during a load phase (Linux /proc): the app server process, PostgreSQL
 * (postmaster and its backends) and this process (the load generator), plus the machine's
 * busy share. Figures elsewhere than Linux are simply absent.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

function statFields(pid: number): string[] | null {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may contain spaces; fields after it start at index 0 = state
    return raw.slice(raw.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** utime + stime (+ children's when asked) in ms */
function processCpuMs(pid: number, withChildren = false): number {
  const f = statFields(pid);
  if (!f) return 0;
  // after the name: [0]=state [1]=ppid ... [11]=utime [12]=stime [13]=cutime [14]=cstime
  const ticks = Number(f[11]) + Number(f[12]) + (withChildren ? Number(f[13]) + Number(f[14]) : 0);
  return ticks * TICK_MS;
}

function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const f = statFields(Number(name));
    if (f && Number(f[1]) === ppid) out.push(Number(name));
  }
  return out;
}

function machine(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = (line[3] ?? 0) + (line[4] ?? 0);
    const total = line.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

export interface CpuSample {
  server: number;
  postgres: number;
  self: number;
  machineBusy: number;
  machineTotal: number;
}

export function sampleCpu(serverPid: number | undefined, postmasterPid: number | null): CpuSample {
  const self = process.cpuUsage();
  const m = machine();
  let postgres = 0;
  if (postmasterPid) {
    postgres = processCpuMs(postmasterPid, true);
    for (const pid of childrenOf(postmasterPid)) postgres += processCpuMs(pid);
  }
  return {
    // the web processes are the server's children when it runs several (cluster)
    server: serverPid ? processCpuMs(serverPid) + childrenOf(serverPid).reduce((sum, pid) => sum + processCpuMs(pid), 0) : 0,
    postgres,
    self: (self.user + self.system) / 1000,
    machineBusy: m.busy,
    machineTotal: m.total,
  };
}

export interface CpuUse {
  /** CPU ms per request */
  serverMs: number;
  postgresMs: number;
  loadgenMs: number;
  /** share of all cores busy during the phase */
  machineBusyPct: number;
}

export function cpuPerRequest(a: CpuSample, b: CpuSample, requests: number): CpuUse {
  const n = Math.max(1, requests);
  return {
    serverMs: (b.server - a.server) / n,
    postgresMs: (b.postgres - a.postgres) / n,
    loadgenMs: (b.self - a.self) / n,
    machineBusyPct: b.machineTotal > a.machineTotal ? (100 * (b.machineBusy - a.machineBusy)) / (b.machineTotal - a.machineTotal) : 0,
  };
}

export function postmasterPidOf(dataDir: string): number | null {
  try {
    const pid = Number(readFileSync(`${dataDir}/postmaster.pid`, 'utf8').split('\n')[0]);
    return pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
