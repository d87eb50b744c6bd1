import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/*
 * EJS reads a view's variables through `with (locals)` unless it is told their names
 * (destructuredLocals); without `with`, rendering the overview took a third of the time.
 * The names come from the views' own code, so a new variable needs no list kept by hand.
 */

const KEYWORDS = new Set(
  ('break case catch class const continue debugger default delete do else export extends false finally for function if ' +
    'import in instanceof let new null of return static super switch this throw true try typeof undefined var void while with yield await async')
    .split(' '),
);
/** what EJS itself passes to a compiled view */
const EJS_NAMES = new Set(['locals', 'include', 'escapeFn', 'rethrow', '__append', '__output', '__line', '__filename']);

const TAG = /<%([#=_-]?)([\s\S]*?)[-_]?%>/g;
const STRINGS = /'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|`(?:\\.|[^`\\])*`/g;
const IDENTIFIER = /(?<![.\w$])[A-Za-z_$][\w$]*/g;
const DECLARED = [
  /\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)/g,
  /\b(?:const|let|var)\s*[[{]([^\]}]*)[\]}]/g,
  /\(([^()]*)\)\s*=>/g,
  /([A-Za-z_$][\w$]*)\s*=>/g,
];

/** The code of a view's tags (comments and string literals removed). */
function codeOf(template: string): string {
  let code = '';
  for (const m of template.matchAll(TAG)) if (m[1] !== '#') code += `${m[2]}\n`;
  return code.replace(STRINGS, '""');
}

function identifiers(text: string): string[] {
  return text.match(IDENTIFIER) ?? [];
}

/** Names a view declares itself (constants, loop variables, arrow parameters). */
function declaredIn(code: string): Set<string> {
  const names = new Set<string>();
  for (const re of DECLARED) for (const m of code.matchAll(re)) for (const name of identifiers(m[1] ?? '')) names.add(name);
  return names;
}

/** Names a view reads that neither it declares nor JavaScript provides. */
export function freeNamesOf(template: string): Set<string> {
  const code = codeOf(template);
  const declared = declaredIn(code);
  const free = new Set<string>();
  for (const name of identifiers(code)) {
    if (KEYWORDS.has(name) || EJS_NAMES.has(name) || declared.has(name) || name in globalThis) continue;
    free.add(name);
  }
  return free;
}

function templatesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ejs'))
    .map((e) => path.join(e.parentPath, e.name));
}

/** Every name any view under `dir` reads from its locals, for EJS's destructuredLocals. */
export function viewLocals(dir: string): string[] {
  const names = new Set<string>();
  for (const file of templatesUnder(dir)) for (const name of freeNamesOf(readFileSync(file, 'utf8'))) names.add(name);
  return [...names].sort();
}
