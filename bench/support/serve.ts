/**
 * How every benchmark server (the ceiling, the portal, the portal with the HotLine) serves:
 * as many web processes as `npm start` runs, on one loopback port, `LISTENING <port>` on stdout
 * once all of them accept connections, and a clean stop on SIGTERM/SIGINT or when the parent
 * goes away. The ceiling and the app differ only in what they serve, so their shares compare.
 */
import cluster from 'node:cluster';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';

export interface Served {
  app: { listen: (port: number, host: string, ready: () => void) => Server };
  /** closes what the app holds (its pools) once the last connection is closed */
  close?: () => Promise<void>;
}

/** BENCH_WORKERS, else as `npm start`: one web process per core (WEB_CONCURRENCY), at most 4. */
export function webProcesses(): number {
  return Number(process.env.BENCH_WORKERS ?? process.env.WEB_CONCURRENCY ?? Math.min(4, availableParallelism()));
}

export async function serveLikeNpmStart(
  serve: () => Served | Promise<Served>,
  opts: {
    /** the environment of every forked web process (e.g. one session secret for all) */
    forkEnv?: Record<string, string>;
    /** how long the primary waits for its web processes to close before it exits */
    stopWaitMs: number;
  },
): Promise<void> {
  const workers = webProcesses();
  if (cluster.isPrimary && workers > 1) {
    let ready = 0;
    cluster.on('listening', (_w, address) => {
      ready += 1;
      if (ready === workers) process.stdout.write(`LISTENING ${address.port}\n`);
    });
    for (let i = 0; i < workers; i++) cluster.fork(opts.forkEnv);
    const stopAll = () => {
      for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
      setTimeout(() => process.exit(0), opts.stopWaitMs).unref();
    };
    process.on('SIGTERM', stopAll);
    process.on('SIGINT', stopAll);
    process.on('disconnect', stopAll);
    return;
  }
  const { app, close } = await serve();
  const server = app.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    if (!cluster.isWorker) process.stdout.write(`LISTENING ${port}\n`);
  });
  // keep-alive sockets of the load generator must not outlive a benchmark phase
  server.keepAliveTimeout = 5000;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    // in-flight queries of cut connections may still fail here; the process ends either way
    await close?.().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  // the parent went away without a signal (killed hard): do not linger
  process.on('disconnect', () => void stop());
}
