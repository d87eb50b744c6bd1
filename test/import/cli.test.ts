import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../support/db.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/import/sample.json', import.meta.url));
const SAMPLE_TEXT = readFileSync(FIXTURE, 'utf8');

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await freshDatabase();
});
afterAll(async () => {
  await tdb.drop();
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The import command as `npm run --silent import` runs it, against this file's database. */
function runImport(stdin: string | null, args: string[] = []): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: tdb.url, NODE_ENV: 'test' };
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/import.ts', ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

const count = async (table: string) => Number((await tdb.db(table).count('* as n').first())?.n);

describe('import command', () => {
  it('prints every problem with its path on stderr and exits 1 for an invalid document, writing nothing', async () => {
    const doc = JSON.parse(SAMPLE_TEXT);
    doc.contracts[1].paragraphs[0].sla.reaction.method = 'Hodd';
    doc.tickets[1].reporter = 'nikdo';
    const run = await runImport(JSON.stringify(doc));
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([
      'contracts[1].paragraphs[0].sla.reaction.method: unknown method "Hodd"',
      'tickets[1].reporter: unknown login "nikdo" (neither in the document nor in the database)',
    ]);
    expect(await count('companies')).toBe(0);
    expect(await count('tickets')).toBe(0);
  });

  it('says so and exits 1 when the input is not JSON', async () => {
    const run = await runImport('{"companies": [');
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^document: is not valid JSON/);
  });

  it('imports the sample from standard input, prints the JSON summary and exits 0', async () => {
    const run = await runImport(SAMPLE_TEXT);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ companies: 2, contracts: 2, users: 4, tickets: 3, messages: 4 });
    expect(await tdb.db('outbound_mail').pluck('message_id')).toEqual(['<hd-notif.98570.3.4f8a1c0e@helpdesk.seyfor.com>']);
  });

  it('reads the document from a file argument; a second import reports zeros', async () => {
    const run = await runImport(null, [FIXTURE]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ companies: 0, contracts: 0, users: 0, tickets: 0, messages: 0 });
  });
});
