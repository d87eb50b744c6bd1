import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportError, importDocument } from '../../src/services/import/index.js';
import { onePool } from '../../src/services/reads/pools.js';
import { findReportContract } from '../../src/services/reads/report.js';
import { contractReport } from '../../src/services/report.js';
import { recomputeOpenTickets } from '../../src/services/sla.js';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { OCTOBER_REPORT_WITH_METHODS as OCTOBER_REPORT, octoberDocument as baseDocument } from './month.fixture.js';

/** The October with clocks of three methods and a ticket cancelled after the month. */
const octoberDocument = (overrides: Parameters<typeof baseDocument>[0] = {}) => baseDocument({ ...overrides, methods: true });

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await freshDatabase();
  await importDocument(tdb.db, octoberDocument());
});
afterAll(async () => {
  await tdb.drop();
});

async function october() {
  const pools = onePool(tdb.db);
  const contract = await findReportContract(pools, 'Report s.r.o.', 'R-1');
  return contractReport(pools, contract!, '2026-10');
}

function runReport(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/report.ts', ...args], { cwd: ROOT, env: { ...process.env, DATABASE_URL: tdb.url, NODE_ENV: 'test' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('the monthly report of an imported month with its history', () => {
  it('gives every figure of the hand-computed October (DST change, cancellations, complaints, pauses, every channel, effort)', async () => {
    expect(await october()).toEqual(OCTOBER_REPORT);
  });

  it('stores the imported steps as history at their instants, with the resolution and the closing time', async () => {
    const events = await tdb.db('ticket_events').where({ ticket_number: 98001 }).orderBy('id').select('kind', 'from_state', 'to_state', 'at');
    expect(events.map((e) => [e.kind, e.from_state, e.to_state, e.at.toISOString()])).toEqual([
      ['imported', null, null, '2026-10-05T07:00:00.000Z'],
      ['state_changed', 'new', 'accepted', '2026-10-05T08:00:00.000Z'],
      ['state_changed', 'accepted', 'resolved', '2026-10-06T09:00:00.000Z'],
      ['state_changed', 'resolved', 'closed', '2026-10-13T09:00:00.000Z'],
    ]);
    const t = await tdb.db('tickets').where({ number: 98001 }).first('resolution', 'resolved_at', 'closed_at', 'reaction_breached', 'reaction_consumed_minutes');
    expect(t).toEqual({ resolution: 'Opraveno.', resolved_at: new Date('2026-10-06T09:00:00Z'), closed_at: new Date('2026-10-13T09:00:00Z'), reaction_breached: false, reaction_consumed_minutes: 60 });
  });

  it('imports the same document again without writing anything', async () => {
    const counts = async () => [await tdb.db('ticket_events').count('* as n').first(), await tdb.db('efforts').count('* as n').first()];
    const before = await counts();
    const summary = await importDocument(tdb.db, octoberDocument());
    expect(summary).toEqual({ companies: 0, contracts: 0, users: 0, tickets: 0, messages: 0 });
    expect(await counts()).toEqual(before);
  });

  it('keeps a closed ticket’s figures when its paragraph and calendar change afterwards (24 h weekdays, 2 h reaction); the row shows the current target', async () => {
    const weekend = { mon: [['00:00', '24:00']], tue: [['00:00', '24:00']], wed: [['00:00', '24:00']], thu: [['00:00', '24:00']], fri: [['00:00', '24:00']], sat: [], sun: [] };
    await importDocument(tdb.db, octoberDocument({ incidentReactionHours: 2, windows: weekend }));
    await recomputeOpenTickets(tdb.ctx, { all: true });
    const after = await october();
    // only the printed target follows the paragraph; verdicts and consumed time stay those of the closing
    expect(after).toEqual({ ...OCTOBER_REPORT, sla: OCTOBER_REPORT.sla.map((r) => (r.paragraph === 'INC' ? { ...r, reaction: { ...r.reaction, amount: 2 } } : r)) });
    await importDocument(tdb.db, octoberDocument());
  });

  it('gives the same figures when each ticket was last updated at its last event (the state at the month’s end then read without a probe)', async () => {
    await tdb.db.raw('update tickets t set updated_at = coalesce((select max(e.at) from ticket_events e where e.ticket_number = t.number), t.created_at)');
    expect(await tdb.db('tickets').where('updated_at', '<', new Date('2026-10-31T23:00:00Z')).count('* as n').first()).toEqual({ n: 7 }); // 98001, 98002, 98003, 98005, 98006, 98008, 98010
    expect(await october()).toEqual(OCTOBER_REPORT);
  });

  it('refuses a history the transition table does not allow, each problem at its path', async () => {
    const doc = octoberDocument();
    const bad = doc.tickets[0] as Record<string, any>;
    bad.events = [
      { at: '2026-10-05T08:00:00+02:00', to: 'resolved', by: 'pokorna' },
      { at: '2026-10-05T07:00:00+02:00', to: 'closed', by: 'zakaznik' },
    ];
    bad.state = 'accepted';
    const problems = await importDocument(tdb.db, doc).then(
      () => [],
      (e: unknown) => (e instanceof ImportError ? e.lines() : Promise.reject(e)),
    );
    expect(problems).toEqual([
      'tickets[0].events[0].at: is before the ticket\'s created_at',
      'tickets[0].events[1].at: is before the ticket\'s created_at',
      'tickets[0].state: must equal the last event\'s "to" ("closed")',
      'tickets[0].events[0].to: new → resolved by a staff member is not allowed by the transition table',
      'tickets[0].events[1].to: resolved → closed by a customer is not allowed by the transition table',
    ]);
  });
});

describe('npm run report', () => {
  it('prints the JSON report and exits 0', async () => {
    const run = await runReport(['--company', 'Report s.r.o.', '--contract', 'R-1', '--month', '2026-10']);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(OCTOBER_REPORT);
  });

  it('prints a CSV that Czech Excel opens: BOM, semicolons, CRLF, decimal comma', async () => {
    const run = await runReport(['--company', 'Report s.r.o.', '--contract', 'R-1', '--month', '2026-10', '--format', 'csv']);
    expect(run.status).toBe(0);
    expect(run.stdout.startsWith('\uFEFF')).toBe(true);
    expect(run.stdout).toContain('\r\n');
    expect(run.stdout.replace(/\r\n/g, '')).not.toContain('\n');
    const rows: string[][] = parse(run.stdout, { bom: true, delimiter: ';', relax_column_count: true, skip_empty_lines: true });
    const figure = (item: string) => rows.find((r) => r[1] === item)?.[2];
    expect(figure('Přijato')).toBe('6');
    expect(figure('Fakturovatelné hodiny')).toBe('2,75');
    expect(figure('Období')).toBe('1.10.2026–31.10.2026');
    const sla = rows.find((r) => r[0] === 'INC')!;
    expect(sla.slice(0, 10)).toEqual(['INC', 'Incident', '2', 'Hod', '4', '1', '1', '50', '180', '300']);
    const effort = rows.filter((r) => /^9800\d$/.test(r[0]!)).map((r) => [r[0], r[4], r[5]]);
    expect(effort).toEqual([['98001', '30', '45'], ['98003', '15', '0'], ['98008', '120', '0']]);
  });

  it('says what is wrong and exits 1 for an unknown company, an unknown contract and a malformed month', async () => {
    const cases = [
      [['--company', 'Nikdo', '--contract', 'R-1', '--month', '2026-10'], /^error: .*Nikdo/],
      [['--company', 'Report s.r.o.', '--contract', 'X-9', '--month', '2026-10'], /^error: .*X-9/],
      [['--company', 'Report s.r.o.', '--contract', 'R-1', '--month', '2026-13'], /^error: .*2026-13/],
    ] as const;
    for (const [args, message] of cases) {
      const run = await runReport([...args]);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(message);
    }
  });
});
