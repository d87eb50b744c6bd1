import type { Knex } from 'knex';

/**
 * Exactly one run per period of a background job across every node on one database.
 *
 * Time is cut into slots of `everySeconds` counted from the Unix epoch by PostgreSQL's clock
 * (the nodes' clocks do not matter): an hourly job's slots start on the hour, a 5-second job's
 * every 5 s. Each node's timer asks `claimRun` more often than once a slot; the claim is one
 * INSERT of (name, slot_start) into job_runs, whose primary key lets exactly one insert per slot
 * in, whatever the number of nodes asking at once (the losers wait for the winner's row and
 * then do nothing). The same statement counts the run in job_schedule. A node runs the job
 * only if the claim returned a row, and records the outcome with `finishRun`.
 *
 * So: at most one run per slot (the key), and one in every slot while some node is alive and
 * its timer ticks within the slot. A run that is still going when its slot ends does not stop
 * the next slot's run; jobs that must not overlap also take an advisory lock before claiming
 * (src/jobs.ts), so a slot whose job is still running elsewhere is claimed on a later tick.
 */
export interface ClaimedRun {
  name: string;
  slotStart: Date;
  /** the job's runs counted so far, this one included */
  runs: number;
}

export async function claimRun(db: Knex, name: string, everySeconds: number, node: string): Promise<ClaimedRun | null> {
  const { rows } = await db.raw(
    `with run as (
       insert into job_runs (name, slot_start, node, started_at)
       values (:name, to_timestamp(floor(extract(epoch from now()) / :every) * :every), :node, now())
       on conflict (name, slot_start) do nothing
       returning name, slot_start, started_at
     ), counted as (
       insert into job_schedule as s (name, every_seconds, runs, last_slot, last_run_at, last_node, next_run_at)
       select name, :every, 1, slot_start, started_at, :node, slot_start + make_interval(secs => :every) from run
       on conflict (name) do update set
         every_seconds = excluded.every_seconds,
         runs = s.runs + 1,
         last_slot = greatest(s.last_slot, excluded.last_slot),
         last_run_at = case when s.last_slot > excluded.last_slot then s.last_run_at else excluded.last_run_at end,
         last_node = case when s.last_slot > excluded.last_slot then s.last_node else excluded.last_node end,
         last_finished_at = case when s.last_slot > excluded.last_slot then s.last_finished_at end,
         last_ok = case when s.last_slot > excluded.last_slot then s.last_ok end,
         last_note = case when s.last_slot > excluded.last_slot then s.last_note end,
         next_run_at = greatest(s.next_run_at, excluded.next_run_at)
       returning runs
     )
     select run.name, run.slot_start, counted.runs from run, counted`,
    { name, every: everySeconds, node },
  );
  const row = rows[0] as { name: string; slot_start: Date; runs: number } | undefined;
  return row ? { name: row.name, slotStart: row.slot_start, runs: Number(row.runs) } : null;
}

/** Records the end of a claimed run: ok, or the error; `note` says what it did (sent 3 mails). */
export async function finishRun(db: Knex, run: ClaimedRun, outcome: { ok: boolean; note: string | null }): Promise<void> {
  const note = outcome.note?.slice(0, 2000) ?? null;
  await db.raw(
    `with r as (
       update job_runs set finished_at = now(), ok = :ok, note = :note
       where name = :name and slot_start = :slot
       returning finished_at
     )
     update job_schedule s set
       failures = s.failures + case when :ok then 0 else 1 end,
       last_finished_at = case when s.last_slot = :slot then r.finished_at else s.last_finished_at end,
       last_ok = case when s.last_slot = :slot then :ok else s.last_ok end,
       last_note = case when s.last_slot = :slot then :note else s.last_note end
     from r where s.name = :name`,
    { name: run.name, slot: run.slotStart, ok: outcome.ok, note },
  );
}

/**
 * Counts a run of work that is not slotted (the IMAP poller, which runs on new mail and whose
 * one-at-a-time is its mailbox's advisory lock), so every job's runs are visible in one table.
 */
export async function countRun(db: Knex, name: string, everySeconds: number, node: string, outcome: { ok: boolean; note: string | null }): Promise<void> {
  await db.raw(
    `insert into job_schedule as s (name, every_seconds, runs, failures, last_run_at, last_node, last_finished_at, last_ok, last_note)
     values (:name, :every, 1, case when :ok then 0 else 1 end, now(), :node, now(), :ok, :note)
     on conflict (name) do update set
       every_seconds = excluded.every_seconds, runs = s.runs + 1, failures = s.failures + excluded.failures,
       last_run_at = excluded.last_run_at, last_node = excluded.last_node, last_finished_at = excluded.last_finished_at,
       last_ok = excluded.last_ok, last_note = excluded.last_note`,
    { name, every: Math.round(everySeconds), node, ok: outcome.ok, note: outcome.note?.slice(0, 2000) ?? null },
  );
}

/**
 * Deletes the run log older than two days (or two periods of a job with a longer one; the
 * current slot's row must stay, it is the claim). job_schedule keeps the totals.
 */
export async function pruneJobRuns(db: Knex): Promise<number> {
  const { rowCount } = await db.raw(
    `delete from job_runs r using job_schedule s
     where s.name = r.name
       and r.slot_start < now() - greatest(interval '2 days', make_interval(secs => 2 * s.every_seconds))`,
  );
  return Number(rowCount ?? 0);
}
