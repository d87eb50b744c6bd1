/**
 * Summarises V8 CPU profiles (.cpuprofile, as written by BENCH_CPU_PROF or page-cpu.ts) of the
 * app: the busy time by module (self and inclusive: a module counts once per sample when any of
 * its functions is on the stack) and the top functions by self and by inclusive time. Several
 * files (the web processes of one run) are added up.
 *
 *   npx tsx bench/portal/profile-summary.ts <dir or .cpuprofile>... [--top 40] [--match <regex>]
 *
 * --match keeps only the samples whose stack has a function or module matching the pattern
 * (e.g. `renderTicket|listTickets` for the requests of the pages, leaving out start-up).
 * --callers <regex> adds who calls the functions whose self time matches it: the nearest frame
 * of a package or project file (not node's own) on their stacks, e.g. `--callers writev`.
 * Shares are of the busy time (idle samples left out; GC and "(program)" kept as their own rows).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
let top = 40;
let match: RegExp | null = null;
let callers: RegExp | null = null;
const inputs: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--top') top = Number(args[++i]);
  else if (args[i] === '--match') match = new RegExp(args[++i]!);
  else if (args[i] === '--callers') callers = new RegExp(args[++i]!);
  else inputs.push(args[i]!);
}
if (!inputs.length) {
  console.error('usage: profile-summary.ts <dir or .cpuprofile>... [--top N] [--match regex]');
  process.exit(2);
}
const files = inputs.flatMap((p) =>
  statSync(p).isDirectory()
    ? readdirSync(p).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(p, f))
    : [p],
);

/** A module's name: an npm package, a file of the project, a node built-in group, or a V8 pseudo-frame. */
function moduleOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) {
    const parts = url.slice(5).split('/');
    return `node:${parts[0] === 'internal' ? parts.slice(0, 2).join('/') : parts[0]}`.replace(/\.js$/, '');
  }
  const m = /\/(src|views|bench)\/(.*)$/.exec(url);
  if (m) return `${m[1]}/${m[2]}`;
  return url.replace(/^file:\/\//, '');
}

const selfByModule = new Map<string, number>();
const inclByModule = new Map<string, number>();
const selfByFn = new Map<string, number>();
const callerOf = new Map<string, number>();
const inclByFn = new Map<string, number>();
let busy = 0;
let idle = 0;
let skipped = 0;
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);

for (const file of files) {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of prof.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const label = (n: ProfileNode) => {
    const f = n.callFrame;
    const mod = moduleOf(f.url, f.functionName);
    return { mod, fn: `${f.functionName || '(anonymous)'} ${mod}:${f.lineNumber + 1}` };
  };
  const stackCache = new Map<number, { mods: string[]; fns: string[]; text: string; self: { mod: string; fn: string }; caller: string }>();
  const stackOf = (id: number) => {
    let s = stackCache.get(id);
    if (s) return s;
    const mods = new Set<string>();
    const fns = new Set<string>();
    let text = '';
    let caller = '';
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      const l = label(n);
      if (n.callFrame.functionName === '(root)') continue;
      if (!caller && cur !== id && !l.mod.startsWith('node:') && !l.mod.startsWith('(')) caller = l.fn;
      mods.add(l.mod);
      fns.add(l.fn);
      text += `${l.fn}\n`;
    }
    s = { mods: [...mods], fns: [...fns], text, self: label(byId.get(id)!), caller: caller || '(none)' };
    stackCache.set(id, s);
    return s;
  };
  for (let i = 0; i < prof.samples.length; i++) {
    const id = prof.samples[i]!;
    const dt = (prof.timeDeltas[i + 1] ?? prof.timeDeltas[i] ?? 0) / 1000; // ms spent in this sample
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') {
      idle += dt;
      continue;
    }
    const s = stackOf(id);
    if (match && !match.test(s.text)) {
      skipped += dt;
      continue;
    }
    busy += dt;
    add(selfByModule, s.self.mod, dt);
    add(selfByFn, s.self.fn, dt);
    for (const m of s.mods) add(inclByModule, m, dt);
    for (const f of s.fns) add(inclByFn, f, dt);
    if (callers?.test(s.self.fn)) add(callerOf, s.caller, dt);
  }
}

const pct = (v: number) => `${((100 * v) / busy).toFixed(1).padStart(5)} %`;
const ms = (v: number) => `${v.toFixed(0).padStart(7)} ms`;
function table(title: string, m: Map<string, number>, n: number, width = 70): void {
  console.log(`\n${title}`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`  ${pct(v)} ${ms(v)}  ${k.slice(0, width)}`);
}

console.log(`${files.length} profile(s): busy ${busy.toFixed(0)} ms, idle ${idle.toFixed(0)} ms${match ? `, left out (no ${match} on the stack) ${skipped.toFixed(0)} ms` : ''}`);
table('Self time by module', selfByModule, top);
table('Inclusive time by module (once per sample)', inclByModule, top);
table('Self time by function', selfByFn, top, 110);
table('Inclusive time by function', inclByFn, top, 110);
if (callers) table(`Callers of ${callers}`, callerOf, top, 110);
