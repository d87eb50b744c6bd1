/**
 * One load phase with autocannon: a warm-up, then the measured run, with the CPU the app
 * server and PostgreSQL spent per request in it and the responses counted by status.
 */
import autocannon from 'autocannon';
import { type CpuUse, cpuPerRequest, sampleCpu } from './cpu.js';

/** The processes whose CPU is counted per request: the app server and PostgreSQL's postmaster (embedded only). */
export interface LoadPids {
  server?: number;
  postmaster: number | null;
}

export interface LoadResult {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  avg: number;
  requests: number;
  /** connection errors, timeouts and responses whose status was not the expected one */
  errors: number;
  /** e.g. `200×1234 302×2`, and the connection errors */
  statuses: string;
  cpu: CpuUse;
  /** what `watch` reported about the measured run */
  watched: string;
}

export interface LoadPhase {
  warmup: number;
  duration: number;
  pids: LoadPids;
  /** started with the measured run; its stop function's answer becomes `watched` */
  watch?: () => () => Promise<string>;
}

export async function measureLoad(name: string, opts: autocannon.Options, ok: (status: number) => boolean, phase: LoadPhase): Promise<LoadResult> {
  if (phase.warmup > 0) await autocannon({ ...opts, duration: phase.warmup });
  const before = sampleCpu(phase.pids.server, phase.pids.postmaster);
  const stopWatching = phase.watch?.();
  const r = await autocannon({ ...opts, duration: phase.duration });
  const cpu = cpuPerRequest(before, sampleCpu(phase.pids.server, phase.pids.postmaster), r.requests.total);
  const watched = (await stopWatching?.()) ?? '';
  let bad = r.errors; // connection errors and timeouts
  const statuses: string[] = [];
  for (const [code, s] of Object.entries(r.statusCodeStats ?? {})) {
    const count = s?.count ?? 0;
    statuses.push(`${code}×${count}`);
    if (!ok(Number(code))) bad += count;
  }
  return {
    name,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    avg: r.latency.average,
    requests: r.requests.total,
    errors: bad,
    statuses: statuses.join(' ') + (r.errors ? ` conn-errors×${r.errors} (timeouts ${r.timeouts})` : ''),
    cpu,
    watched,
  };
}

/** `  12.3 ms`: a latency, right-aligned. */
export const fmtMs = (v: number) => `${v.toFixed(v < 10 ? 1 : 0).padStart(5)} ms`;

/** The phase's line under its figures: where its CPU went. */
export function cpuLine(cpu: CpuUse, pids: LoadPids): string {
  return (
    `CPU per request: app server ${cpu.serverMs.toFixed(2)} ms, PostgreSQL ${pids.postmaster ? `${cpu.postgresMs.toFixed(2)} ms` : 'n/a'}, ` +
    `load generator ${cpu.loadgenMs.toFixed(2)} ms; machine ${cpu.machineBusyPct.toFixed(0)} % busy`
  );
}

/** The summary's first line: what the shares below are of. */
export function ceilingLine(ceiling: LoadResult): string {
  return `  ceiling: Express hello world ${ceiling.rps.toFixed(0)} req/s (p50 ${ceiling.p50.toFixed(1)} ms, p99 ${ceiling.p99.toFixed(1)} ms); shares below are of it`;
}

/** The summary table's first columns: the heading (`first` names the rows) … */
export function shareHeading(first: string, width: number): string {
  return `  ${first.padEnd(width)} ${'req/s'.padStart(7)} ${'share'.padStart(7)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'errors'.padStart(7)}  `;
}

/** … and a row: the phase as a share of the ceiling. */
export function shareCells(r: LoadResult, share: number, width: number): string {
  return (
    `  ${r.name.padEnd(width)} ${r.rps.toFixed(0).padStart(7)} ${`${(share * 100).toFixed(1)} %`.padStart(7)} ` +
    `${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)} ${String(r.errors).padStart(7)}  `
  );
}
