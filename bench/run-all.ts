/**
 * Runs every benchmark one after the other, each in a child process of its own
 * (`node --import tsx <file>`) with this process's terminal, so their figures never share
 * CPU with each other. A benchmark whose file does not exist (yet) is skipped.
 *
 *   npm run bench
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BENCHMARKS = ['bench/sla/run.ts', 'bench/portal/run.ts', 'bench/mail/run.ts', 'bench/report/run.ts', 'bench/api/run.ts', 'bench/hotline/run.ts'];

function run(file: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, file)], { cwd: ROOT, stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.once('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 1 : 0));
    });
    child.once('error', (e) => {
      console.error(`${file}: ${e.message}`);
      resolve(1);
    });
  });
}

const results: { file: string; status: string; seconds: number }[] = [];
for (const file of BENCHMARKS) {
  if (!existsSync(path.join(ROOT, file))) {
    console.log(`\n=== ${file}: not present, skipped`);
    results.push({ file, status: 'skipped', seconds: 0 });
    continue;
  }
  console.log(`\n=== ${file}`);
  const started = performance.now();
  const code = await run(file);
  results.push({ file, status: code === 0 ? 'ok' : `failed (exit ${code})`, seconds: (performance.now() - started) / 1000 });
}

console.log('\n=== benchmarks');
for (const r of results) console.log(`  ${r.file.padEnd(24)} ${r.status.padEnd(18)} ${r.seconds ? `${r.seconds.toFixed(0)} s` : ''}`);
if (results.some((r) => r.status.startsWith('failed'))) process.exitCode = 1;
