/**
 * The ceiling the portal's pages are measured against: an Express "hello world" with as many
 * web processes as the portal server (bench/portal/server.ts), loaded with the same autocannon
 * settings in the same run. Machines here differ by a third from one day to the next; a page's
 * share of this ceiling does not. Prints `LISTENING <port>` like server.ts.
 */
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { AddressInfo } from 'node:net';
import express from 'express';

const workers = Number(process.env.BENCH_WORKERS ?? process.env.WEB_CONCURRENCY ?? Math.min(4, availableParallelism()));

if (cluster.isPrimary && workers > 1) {
  let ready = 0;
  cluster.on('listening', (_w, address) => {
    ready += 1;
    if (ready === workers) process.stdout.write(`LISTENING ${address.port}\n`);
  });
  for (let i = 0; i < workers; i++) cluster.fork();
  const stopAll = () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
    setTimeout(() => process.exit(0), 1000).unref();
  };
  process.on('SIGTERM', stopAll);
  process.on('SIGINT', stopAll);
  process.on('disconnect', stopAll);
} else {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.get('/', (_req, res) => {
    res.send('Hello World!');
  });
  const server = app.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    if (!cluster.isWorker) process.stdout.write(`LISTENING ${port}\n`);
  });
  server.keepAliveTimeout = 5000;
  const stop = () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
}
