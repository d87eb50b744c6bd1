/**
 * The ceiling the benchmarks measure against: an Express "hello world" served exactly as the
 * benchmarked app is (bench/support/serve.ts: same process count), loaded the same way in the
 * same run. Machines here differ by a third from one day to the next; a page's share of this
 * ceiling does not. Prints `LISTENING <port>` like the app's server.
 */
import express from 'express';
import { serveLikeNpmStart } from './serve.js';

await serveLikeNpmStart(
  () => {
    const app = express();
    app.disable('x-powered-by');
    app.set('etag', false);
    app.get('/', (_req, res) => {
      res.send('Hello World!');
    });
    return { app };
  },
  { stopWaitMs: 1000 },
);
