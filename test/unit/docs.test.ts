/**
 * The repository carries its own documentation (issue 12): every relative link in README.md,
 * ARCHITECTURE.md and docs/*.md points to a file (or folder) of this repository that exists,
 * and to a heading that exists when it names one; no link leaves the repository (`../`, an
 * absolute path such as /work/…, or file:).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const DOCS = ['README.md', 'ARCHITECTURE.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** The text without fenced code blocks and inline code, where brackets are not links. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Targets of inline links `[text](target "title")`, images, reference definitions `[id]: target` and HTML href/src. */
function linkTargets(markdown: string): string[] {
  const text = prose(markdown);
  const out: string[] = [];
  for (const m of text.matchAll(/\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)) out.push(m[1]!);
  for (const m of text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)) out.push(m[1]!);
  for (const m of text.matchAll(/\b(?:href|src)\s*=\s*"([^"]*)"/g)) out.push(m[1]!);
  return out;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

const EXTERNAL = /^(https?:|mailto:)/i;

/** Why a link of `file` (repository-relative) is broken, or null when it is fine. */
function linkProblem(file: string, target: string): string | null {
  if (EXTERNAL.test(target)) return null;
  if (target === '') return 'empty link';
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return `points outside the repository (${target.split(':')[0]}: link)`;
  const [rawPath, anchor] = target.split('#', 2) as [string, string | undefined];
  const linkPath = decodeURI(rawPath);
  if (linkPath.startsWith('/') || linkPath.startsWith('\\')) return 'absolute path: points outside the repository';
  if (linkPath.split(/[\\/]/).includes('..')) return 'contains ../: points outside the repository (or climbs out of its folder)';
  const resolved = linkPath === '' ? path.join(ROOT, file) : path.resolve(ROOT, path.dirname(file), linkPath);
  if (resolved !== ROOT && !resolved.startsWith(ROOT + path.sep)) return 'points outside the repository';
  if (!existsSync(resolved)) return `${path.relative(ROOT, resolved)} does not exist`;
  if (anchor !== undefined && resolved.endsWith('.md') && statSync(resolved).isFile()) {
    if (!anchors(readFileSync(resolved, 'utf8')).has(anchor)) return `${path.relative(ROOT, resolved)} has no heading #${anchor}`;
  }
  return null;
}

describe('the documentation links only inside the repository', () => {
  it('reads README.md, ARCHITECTURE.md and every docs/*.md, the guides of issue 12 among them', () => {
    for (const f of ['docs/uzivatelska-prirucka.md', 'docs/sla.md', 'docs/email.md', 'docs/import.md', 'docs/operations.md', 'docs/administration.md', 'docs/report.md']) {
      expect(DOCS).toContain(f);
    }
  });

  for (const file of DOCS) {
    it(`${file}: every relative link points to an existing file of the repository`, () => {
      const problems = linkTargets(readFileSync(path.join(ROOT, file), 'utf8'))
        .map((target) => ({ target, problem: linkProblem(file, target) }))
        .filter((p) => p.problem !== null);
      expect(problems).toEqual([]);
    });
  }

  it('README lists every docs/ file and ARCHITECTURE.md', () => {
    const targets = new Set(linkTargets(readFileSync(path.join(ROOT, 'README.md'), 'utf8')).map((t) => t.split('#')[0]));
    for (const f of DOCS.filter((d) => d !== 'README.md')) expect(targets, f).toContain(f);
  });

  it('finds the links of every form and skips those in code', () => {
    const sample = [
      'See [the guide](docs/sla.md#dvě-lhůty-každého-požadavku) and ![logo](public/logo.png "Logo").',
      '[ref]: docs/email.md',
      '<a href="docs/import.md">import</a>',
      'Code: `[not](a-link.md)`',
      '```md',
      '[also not](../shared/SLA.md)',
      '```',
    ].join('\n');
    expect(linkTargets(sample)).toEqual(['docs/sla.md#dvě-lhůty-každého-požadavku', 'public/logo.png', 'docs/email.md', 'docs/import.md']);
  });

  it('refuses links outside the repository, to missing files and to missing headings', () => {
    expect(linkProblem('README.md', '../shared/SLA.md')).toMatch(/\.\.\//);
    expect(linkProblem('docs/sla.md', '../README.md')).toMatch(/\.\.\//);
    expect(linkProblem('README.md', '/work/shared/DESIGN.md')).toMatch(/absolute/);
    expect(linkProblem('README.md', 'file:///work/shared/DESIGN.md')).toMatch(/outside/);
    expect(linkProblem('README.md', 'docs/missing.md')).toBe('docs/missing.md does not exist');
    expect(linkProblem('README.md', 'docs/sla.md#no-such-heading')).toBe('docs/sla.md has no heading #no-such-heading');
    expect(linkProblem('README.md', '#documentation')).toBeNull();
    expect(linkProblem('docs/sla.md', 'report.md')).toBeNull();
    expect(linkProblem('docs/sla.md', 'sla.md#dvě-lhůty-každého-požadavku')).toBeNull();
    expect(linkProblem('README.md', 'https://example.com/x')).toBeNull();
  });
});
