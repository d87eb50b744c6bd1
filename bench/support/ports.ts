import net from 'node:net';

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** The first free loopback port from `from` on (a benchmark's PostgreSQL must not meet a running one). */
export async function freePort(from: number): Promise<number> {
  for (let p = from; p < from + 50; p++) if (await portFree(p)) return p;
  throw new Error(`no free port in ${from}..${from + 49}`);
}
