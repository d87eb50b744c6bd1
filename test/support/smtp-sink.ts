/**
 * An in-process SMTP server that keeps every message it accepts (recipe:
 * /work/shared/IMAP-TEST-SERVER.md, "SMTP sink"). Point the app's transport at
 * `{ host: '127.0.0.1', port, secure: false, ignoreTLS: true, pool: true }` — without `pool`
 * every connection costs 100 ms (smtp-server's early-talker delay).
 *
 * To test a mail server that is temporarily unavailable:
 * - `failNext(n, code = 451)`: the next `n` transactions are refused at MAIL FROM with a temporary
 *   error (the connection stays open);
 * - `down(code = 421)` / `up()`: while down, new connections are refused at the greeting and
 *   commands on open (pooled) connections are answered 421, which closes them.
 */
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type net from 'node:net';

export interface SinkMessage {
  envelope: { from: string | null; to: string[] };
  raw: Buffer;
  parsed: ParsedMail;
  receivedAt: Date;
}

export interface SmtpSink {
  host: string;
  port: number;
  /** accepted messages, in arrival order */
  messages: SinkMessage[];
  /** how many transactions/connections were refused by failNext()/down() */
  refused(): number;
  /** resolves with the first (present or future) message matching `pred`; rejects after `ms` */
  waitFor(pred: (m: SinkMessage) => boolean, ms?: number): Promise<SinkMessage>;
  /** refuse the next `n` transactions with a temporary error (451 by default) */
  failNext(n: number, code?: number): void;
  /** refuse everything (421 by default) until `up()` */
  down(code?: number): void;
  up(): void;
  /** forget the messages received so far */
  clear(): void;
  close(): Promise<void>;
}

function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

export async function startSmtpSink(opts: { maxBytes?: number } = {}): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  let waiters: (() => void)[] = [];
  let failures = 0;
  let failCode = 451;
  let downCode: number | null = null;
  let refusedCount = 0;

  const refusal = (): Error | null => {
    if (downCode !== null) {
      refusedCount++;
      return smtpError('Service not available, try again later', downCode);
    }
    if (failures > 0) {
      failures--;
      refusedCount++;
      return smtpError('Temporary failure, try again later', failCode);
    }
    return null;
  };

  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    disableReverseLookup: true,
    logger: false,
    // close() ends pooled client connections after 200 ms instead of 30 s
    closeTimeout: 200,
    size: opts.maxBytes ?? 25 * 1024 * 1024,
    onConnect(_session, cb) {
      if (downCode !== null) {
        refusedCount++;
        return cb(smtpError('Service not available, try again later', downCode));
      }
      cb();
    },
    onMailFrom(_address, _session, cb) {
      cb(refusal() ?? undefined);
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (stream.sizeExceeded) return cb(smtpError('Message too big', 552));
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then((parsed) => {
            const from = session.envelope.mailFrom;
            messages.push({
              envelope: { from: from ? from.address : null, to: session.envelope.rcptTo.map((r) => r.address) },
              raw,
              parsed,
              receivedAt: new Date(),
            });
            const w = waiters;
            waiters = [];
            for (const wake of w) wake();
            cb(null);
          })
          .catch((e: unknown) => cb(e instanceof Error ? e : new Error(String(e))));
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // a refused client must not crash the test process
  server.on('error', () => undefined);
  const port = (server.server.address() as net.AddressInfo).port;

  const waitFor = async (pred: (m: SinkMessage) => boolean, ms = 5000): Promise<SinkMessage> => {
    const t0 = Date.now();
    for (;;) {
      const hit = messages.find(pred);
      if (hit) return hit;
      if (Date.now() - t0 > ms) throw new Error(`smtp sink: no matching mail within ${ms} ms (${messages.length} received)`);
      await new Promise<void>((r) => {
        const timer = setTimeout(r, 50);
        waiters.push(() => {
          clearTimeout(timer);
          r();
        });
      });
    }
  };

  return {
    host: '127.0.0.1',
    port,
    messages,
    refused: () => refusedCount,
    waitFor,
    failNext(n, code = 451) {
      failures = n;
      failCode = code;
    },
    down(code = 421) {
      downCode = code;
    },
    up() {
      downCode = null;
    },
    clear() {
      messages.length = 0;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
