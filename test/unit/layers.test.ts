/**
 * The import graph follows the layers (ARCHITECTURE.md): domain → configuration and messages →
 * database → use cases → channels (web, mail) → composition (start-up, jobs, commands, demo
 * seed). No file imports from a layer above its own, and no channel imports another channel.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

const LAYERS: [level: number, name: string, test: (file: string) => boolean][] = [
  [0, 'domain', (f) => f.startsWith('domain/')],
  [1, 'configuration and messages', (f) => f === 'config.ts' || f.startsWith('i18n/')],
  [2, 'database', (f) => f.startsWith('db/')],
  [3, 'use cases', (f) => f.startsWith('services/')],
  [4, 'channel web', (f) => f.startsWith('web/')],
  [4, 'channel mail', (f) => f.startsWith('mail/')],
  [4, 'channel hotline', (f) => f.startsWith('hotline/')],
  [4, 'channel api', (f) => f.startsWith('api/')],
  [5, 'composition', (f) => ['main.ts', 'jobs.ts', 'bootstrap.ts', 'http-app.ts'].includes(f) || f.startsWith('cli/') || f.startsWith('demo/')],
];

function layerOf(file: string): { level: number; name: string } {
  const hit = LAYERS.find(([, , test]) => test(file));
  if (!hit) throw new Error(`${file} belongs to no layer: add its folder to LAYERS and to ARCHITECTURE.md`);
  return { level: hit[0], name: hit[1] };
}

function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return /\.ts$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path.relative(SRC, full)] : [];
  });
}

/** Relative imports of a file, as files under src. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(SRC, file), 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s*'(\.[^']+)'/g), ...text.matchAll(/import\(\s*'(\.[^']+)'\s*\)/g)].map((m) => m[1]!);
  return specs.map((s) => path.relative(SRC, path.resolve(path.dirname(path.join(SRC, file)), s)).replace(/\.js$/, '.ts'));
}

describe('layers', () => {
  const files = sourceFiles();

  it('every source file belongs to a layer', () => {
    expect(files.length).toBeGreaterThan(50);
    for (const f of files) expect(() => layerOf(f)).not.toThrow();
  });

  it('no import runs from a lower layer to a higher one, nor between channels', () => {
    const wrong: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      for (const target of importsOf(file)) {
        const to = layerOf(target);
        if (to.level > from.level || (to.level === 4 && from.level === 4 && to.name !== from.name)) {
          wrong.push(`${file} (${from.name}) imports ${target} (${to.name})`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('no route imports another route (a folder’s index.ts only mounts its own routers): what routes share lives beside them in src/web', () => {
    const routes = files.filter((f) => f.startsWith('web/routes/'));
    expect(routes.length).toBeGreaterThan(3);
    const folderOf = (f: string) => f.slice(0, f.lastIndexOf('/') + 1);
    const mounts = (file: string, target: string) => file.endsWith('/index.ts') && folderOf(target) === folderOf(file) && !target.endsWith('/index.ts');
    const wrong = routes.flatMap((file) =>
      importsOf(file)
        .filter((t) => t.startsWith('web/routes/') && !mounts(file, t))
        .map((t) => `${file} imports ${t}`),
    );
    expect(wrong).toEqual([]);
  });

  it('finds imports, so the check above can fail', () => {
    expect(importsOf('services/transitions.ts')).toContain('domain/states.ts');
    expect(importsOf('http-app.ts')).toContain('web/app.ts');
  });

  it('there is one jobs.ts: the composition file that says when things run', () => {
    expect(files.filter((f) => path.basename(f) === 'jobs.ts')).toEqual(['jobs.ts']);
  });
});
