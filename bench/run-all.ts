/**
 * Runs every benchmark one after the other, each in a child process of its own (its
 * `npm run bench:<name>` script, so it runs with the node flags it is documented with, e.g. the
 * report's young generation) with this process's terminal, so their figures never share CPU
 * with each other. A benchmark whose file does not exist (yet) is skipped.
 *
 *   npm run bench
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BENCHMARKS = ['sla', 'portal', 'mail', 'report', 'api', 'hotline'].map((name) => ({ name, file: `bench/${name}/run.ts` }));

function run(name: string, file: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', `bench:${name}`], { cwd: ROOT, stdio: 'inherit' });
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
for (const { name, file } of BENCHMARKS) {
  if (!existsSync(path.join(ROOT, file))) {
    console.log(`\n=== ${file}: not present, skipped`);
    results.push({ file, status: 'skipped', seconds: 0 });
    continue;
  }
  console.log(`\n=== ${file}`);
  const started = performance.now();
  const code = await run(name, file);
  results.push({ file, status: code === 0 ? 'ok' : `failed (exit ${code})`, seconds: (performance.now() - started) / 1000 });
}

console.log('\n=== benchmarks');
for (const r of results) console.log(`  ${r.file.padEnd(24)} ${r.status.padEnd(18)} ${r.seconds ? `${r.seconds.toFixed(0)} s` : ''}`);
if (results.some((r) => r.status.startsWith('failed'))) process.exitCode = 1;
