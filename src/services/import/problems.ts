import type { ZodIssue } from 'zod';

/** One thing wrong with an import document, named by its JSON path. */
export interface Problem {
  /** `contracts[1].paragraphs[0].sla.reaction.method`; `document` for the whole document */
  path: string;
  message: string;
}

/** The document was refused; nothing was written. `problems` lists every problem found. */
export class ImportError extends Error {
  override readonly name = 'ImportError';
  constructor(readonly problems: readonly Problem[]) {
    super(`the import document has ${problems.length} problem(s):\n${problems.map(describeProblem).join('\n')}`);
  }

  /** One line per problem: `path: message`. */
  lines(): string[] {
    return this.problems.map(describeProblem);
  }
}

export const describeProblem = (p: Problem): string => `${p.path}: ${p.message}`;

export type PathPart = string | number;

/** `['contracts', 1, 'paragraphs', 0, 'code']` → `contracts[1].paragraphs[0].code`. */
export function formatPath(path: readonly PathPart[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out === '' ? 'document' : out;
}

const typeName: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

/** zod issues as problems, in document order; unknown keys give one problem each. */
export function zodProblems(issues: readonly ZodIssue[], prefix: readonly PathPart[] = []): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: formatPath([...path, key]), message: 'unknown field' });
    } else if (issue.code === 'invalid_type') {
      const custom = issue.message !== 'Required' && !issue.message.startsWith('Expected ');
      if (issue.received === 'undefined') out.push({ path: formatPath(path), message: custom ? issue.message : 'is required' });
      else {
        const expected = typeName[issue.expected] ?? issue.expected;
        out.push({ path: formatPath(path), message: custom ? issue.message : `must be ${expected}, got ${issue.received}` });
      }
    } else if (issue.code === 'invalid_union') {
      // the alternatives' own issues say more than "Invalid input"
      const nested = issue.unionErrors.flatMap((e) => e.issues).filter((i) => i.code !== 'invalid_type' || i.received !== 'null');
      out.push({ path: formatPath(path), message: nested[0]?.message ?? 'is invalid' });
    } else {
      out.push({ path: formatPath(path), message: issue.message });
    }
  }
  return out;
}
