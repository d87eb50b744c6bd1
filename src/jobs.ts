/**
 * The background jobs of a node, composed in one place: which units of work run (src/services),
 * how often, and how a run is claimed so each runs once per period across every node on the
 * database (src/db/job-schedule.ts). npm start runs this in the first web process of each node.
 *
 * | job          | unit                        | period (config)              | also                       |
 * |--------------|-----------------------------|------------------------------|----------------------------|
 * | outbox       | sendDueMail                 | JOB_OUTBOX_SECONDS (5 s)     | mails claimed SKIP LOCKED  |
 * | sla          | recomputeOpenTickets        | JOB_SLA_SECONDS (5 min)      | lock shared with sla-full  |
 * | sla-full     | recomputeOpenTickets(all)   | JOB_SLA_FULL_SECONDS (1 day) | lock shared with sla       |
 * | auto-close   | closeStaleResolved          | JOB_AUTO_CLOSE_SECONDS (1 h) | own lock                   |
 * | sla-alerts   | queueSlaAlerts              | JOB_SLA_ALERT_SECONDS (1 min)| once per alert: staff_alerts key |
 * | cleanup      | cleanUpExpired              | JOB_CLEANUP_SECONDS (15 min) |                            |
 * | imap-poller  | the mailbox poller          | on new mail, MAIL_POLL_SECONDS | mailbox advisory lock    |
 *
 * A node's timer for a job ticks every JOB_TICK_SECONDS, or a fifth of the period when that is
 * shorter, with ±20 % jitter (so the nodes take turns); on a tick it claims the current period
 * and runs the job only if the claim was its. Jobs with a lock key first take that session
 * advisory lock (try, no wait): a run never overlaps another of the same key, and while one is
 * still running elsewhere the period stays unclaimed until it ends.
 */
import os from 'node:os';
import type { Knex } from 'knex';
import type { Config } from './config.js';
import { withAdvisoryLock } from './db/advisory-lock.js';
import { claimRun, countRun, finishRun, type ClaimedRun } from './db/job-schedule.js';
import { createMailPoller } from './mail/poller.js';
import { closeStaleResolved } from './services/auto-close.js';
import { cleanUpExpired } from './services/cleanup.js';
import type { ServiceContext } from './services/context.js';
import { ingestMail, recordMailFailure } from './services/mail/ingest.js';
import { createTransport, sendDueMail } from './mail/outbox.js';
import { recomputeOpenTickets } from './services/sla.js';
import { queueSlaAlerts } from './services/staff-notifications.js';

/** This node's name in logs and in the job run log: NODE_NAME, else hostname:PORT. */
export function nodeName(config: Pick<Config, 'NODE_NAME' | 'PORT'>): string {
  return config.NODE_NAME ?? `${os.hostname()}:${config.PORT}`;
}

// Advisory lock keys: constants shared by every process and node (and by the versions before
// the job schedule, so a rolling upgrade never runs two of them at once).
export const AUTO_CLOSE_LOCK = 0x4844_0001;
export const SLA_LOCK = 0x4844_0002;

export interface Job {
  name: string;
  everySeconds: number;
  /** jobs with the same key never run at the same time anywhere */
  lockKey?: number;
  /** the unit of work; returns a note of what it did, to log and keep with the run (null: nothing) */
  run: () => Promise<string | null>;
}

/**
 * Runs `job` after `firstDelayMs` and then every `everyMs` (± `jitter`, a fraction) in this
 * process, never two at once: the next wait starts when a run ended. Returns the stop function,
 * which resolves once a running job finished.
 */
export function every(
  everyMs: number,
  firstDelayMs: number,
  name: string,
  job: () => Promise<unknown>,
  opts: { jitter?: number } = {},
): () => Promise<void> {
  const jitter = opts.jitter ?? 0;
  let stopped = false;
  let running: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  const arm = (ms: number) => {
    timer = setTimeout(tick, Math.max(0, ms));
    timer.unref();
  };
  const tick = () => {
    timer = null;
    if (stopped) return;
    running = job()
      .then(() => undefined)
      .catch((e: unknown) => console.error(`${name} failed`, e))
      .finally(() => {
        running = null;
        if (!stopped) arm(everyMs * (1 + jitter * (2 * Math.random() - 1)));
      });
  };
  arm(firstDelayMs);
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await running;
  };
}

/**
 * One tick of a job on this node: claims the current period and runs the job if the claim is
 * ours (under its advisory lock when it has one). Returns the claimed run, or null when the
 * period was taken (or the lock was held elsewhere).
 */
export async function runIfDue(db: Knex, node: string, job: Job, log: (line: string) => void = console.log): Promise<ClaimedRun | null> {
  const claimAndRun = async (): Promise<ClaimedRun | null> => {
    const run = await claimRun(db, job.name, job.everySeconds, node);
    if (!run) return null;
    let outcome: { ok: boolean; note: string | null };
    try {
      outcome = { ok: true, note: await job.run() };
      if (outcome.note) log(`${job.name}: ${outcome.note}`);
    } catch (e) {
      outcome = { ok: false, note: String((e as Error)?.stack ?? e) };
      console.error(`[jobs ${node}] ${job.name} failed`, e);
    }
    await finishRun(db, run, outcome);
    return run;
  };
  if (job.lockKey === undefined) return claimAndRun();
  return (await withAdvisoryLock(db, job.lockKey, claimAndRun)) ?? null;
}

/** Starts the timers of `jobs` on this node; returns the stop function (waits for running jobs). */
export function scheduleJobs(db: Knex, node: string, jobs: readonly Job[], tickSeconds: number, log: (line: string) => void): () => Promise<void> {
  const stops = jobs.map((job) => {
    const tickMs = Math.max(50, Math.min(tickSeconds, job.everySeconds / 5) * 1000);
    return every(tickMs, Math.random() * tickMs, `[jobs ${node}] ${job.name}`, () => runIfDue(db, node, job, log), { jitter: 0.2 });
  });
  return async () => {
    await Promise.all(stops.map((stop) => stop()));
  };
}

/** The periodic jobs of the configuration (without the IMAP poller). */
export function periodicJobs(ctx: ServiceContext, config: Config, send?: () => Promise<{ sent: number; failed: number }>): Job[] {
  const jobs: Job[] = [];
  if (send) {
    jobs.push({
      name: 'outbox',
      everySeconds: config.JOB_OUTBOX_SECONDS,
      run: async () => {
        const { sent, failed } = await send();
        return sent || failed ? `sent ${sent}, failed ${failed}` : null;
      },
    });
  }
  jobs.push(
    {
      name: 'sla',
      everySeconds: config.JOB_SLA_SECONDS,
      lockKey: SLA_LOCK,
      run: async () => {
        const n = await recomputeOpenTickets(ctx);
        return n ? `recomputed ${n} ticket(s) after calendar changes` : null;
      },
    },
    {
      name: 'sla-full',
      everySeconds: config.JOB_SLA_FULL_SECONDS,
      lockKey: SLA_LOCK,
      run: async () => `recomputed ${await recomputeOpenTickets(ctx, { all: true })} open ticket(s)`,
    },
  );
  if (config.AUTO_CLOSE_DAYS > 0) {
    jobs.push({
      name: 'auto-close',
      everySeconds: config.JOB_AUTO_CLOSE_SECONDS,
      lockKey: AUTO_CLOSE_LOCK,
      run: async () => {
        const n = await closeStaleResolved(ctx, config.AUTO_CLOSE_DAYS);
        return n ? `closed ${n} ticket(s) resolved over ${config.AUTO_CLOSE_DAYS} days ago` : null;
      },
    });
  }
  // staff warned SLA_WARNING_MINUTES before a stored due and told of a breach, once each (staff-notifications.ts)
  jobs.push({
    name: 'sla-alerts',
    everySeconds: config.JOB_SLA_ALERT_SECONDS,
    run: async () => {
      const r = await queueSlaAlerts(ctx, { leadMinutes: config.SLA_WARNING_MINUTES });
      return r.alerts ? `${r.alerts} SLA alert(s), ${r.mails} mail(s) queued` : null;
    },
  });
  jobs.push({
    name: 'cleanup',
    everySeconds: config.JOB_CLEANUP_SECONDS,
    run: async () => {
      const r = await cleanUpExpired(ctx.db);
      return r.sessions || r.counters || r.jobRuns || r.userTokens || r.idempotencyKeys
        ? `deleted ${r.sessions} session(s), ${r.counters} counter(s), ${r.jobRuns} job run(s), ${r.userTokens} link token(s), ${r.idempotencyKeys} idempotency key(s)`
        : null;
    },
  });
  return jobs;
}

/** Starts this node's background work (the periodic jobs and the IMAP poller); returns the stop function. */
export function startBackgroundJobs(ctx: ServiceContext, config: Config): () => Promise<void> {
  const node = nodeName(config);
  const log = (line: string) => console.log(`[jobs ${node}] ${line}`);
  const stops: (() => Promise<void> | void)[] = [];
  let send: (() => Promise<{ sent: number; failed: number }>) | undefined;
  if (config.SMTP_HOST) {
    const transport = createTransport({ host: config.SMTP_HOST, port: config.SMTP_PORT, secure: config.SMTP_SECURE, user: config.SMTP_USER, password: config.SMTP_PASSWORD });
    send = () => sendDueMail(ctx.db, transport, ctx.mail!, undefined, ctx.hotline.codeKey);
    stops.push(() => transport.close());
  } else {
    log('SMTP_HOST is not set: notifications wait in the outbox.');
  }
  // the timers stop first (stops run in reverse order), then the transport closes
  stops.push(scheduleJobs(ctx.db, node, periodicJobs(ctx, config, send), config.JOB_TICK_SECONDS, log));

  if (config.IMAP_HOST) {
    const poller = createMailPoller({
      db: ctx.db,
      imap: { host: config.IMAP_HOST, port: config.IMAP_PORT, secure: config.IMAP_SECURE, user: config.IMAP_USER ?? '', password: config.IMAP_PASSWORD ?? '' },
      mailbox: config.IMAP_MAILBOX,
      folders: { processed: config.IMAP_PROCESSED_FOLDER, ignored: config.IMAP_IGNORED_FOLDER, rejected: config.IMAP_REJECTED_FOLDER, quarantine: config.IMAP_QUARANTINE_FOLDER },
      maxMessageBytes: config.MAIL_MAX_MESSAGE_BYTES,
      maxAttempts: config.MAIL_MAX_ATTEMPTS,
      pollSeconds: config.MAIL_POLL_SECONDS,
      ingest: (raw, source) => ingestMail(ctx, raw, source),
      recordFailure: (raw, source, error) => recordMailFailure(ctx, raw, source, error),
      log: (line) => console.log(`[imap ${node}] ${line}`),
      onRun: (report) => {
        const did = report.ingested + report.refiled + report.quarantined;
        const note = report.failed ? `stopped at UID ${report.failed.uid}: ${report.failed.error}` : did ? `ingested ${report.ingested}, refiled ${report.refiled}, quarantined ${report.quarantined}` : null;
        countRun(ctx.db, 'imap-poller', config.MAIL_POLL_SECONDS, node, { ok: !report.failed, note }).catch((e: unknown) =>
          console.error(`[imap ${node}] counting the run failed`, e),
        );
      },
    });
    poller.start();
    stops.push(() => poller.stop());
  } else {
    log('IMAP_HOST is not set: no mailbox is polled (mailgate still works).');
  }
  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}
