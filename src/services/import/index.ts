/**
 * Migration import (IMPORT.md): companies, calendars, contracts, users and tickets with their
 * numbers and the Message-IDs of mail already sent, in ONE transaction. Used by the import
 * command (src/cli/import.ts) and the admin upload with its dry-run preview (web/routes/admin/migration.ts).
 */
import type { Knex } from 'knex';
import { cleanStrings } from '../../domain/text.js';
import { hotlineCodeKey } from '../hotline/code-key.js';
import { checkReferences } from './check.js';
import { ImportError, zodProblems, type Problem } from './problems.js';
import { documentSchema } from './schema.js';
import { writeDocument, type Summary, type WriteOptions } from './write.js';

export { ImportError, describeProblem, type Problem } from './problems.js';
export { documentSchema, type ImportDocument } from './schema.js';
export { IMPORTED_EVENT, type Summary } from './write.js';

export interface ImportOptions extends Omit<WriteOptions, 'codeKey'> {
  /** validate and write, then roll back: the summary of what an import would change */
  dryRun?: boolean;
  /** HOTLINE_CODE_KEY (ctx.hotline.codeKey); absent or null: the generated key kept in the database */
  codeKey?: string | null;
}

/** Whether the document brings users' hotline codes (then the code key is needed). */
const bringsCodes = (doc: unknown): boolean => {
  const users = (doc as { users?: unknown } | null)?.users;
  return Array.isArray(users) && users.some((u) => Array.isArray((u as { hotline_codes?: unknown } | null)?.hotline_codes));
};

// one import at a time (other jobs use 0x4844_000x)
const IMPORT_LOCK = 0x4844_1001;

class DryRunRollback extends Error {
  constructor(readonly summary: Summary) {
    super('dry run');
  }
}

const SECTIONS = ['calendars', 'companies', 'contracts', 'users', 'tickets'];

/** Document order: by section, then by the item's index; within an item, as found. */
function sortProblems(problems: Problem[]): Problem[] {
  const rank = (p: Problem): [number, number] => {
    const m = /^(\w+)(?:\[(\d+)\])?/.exec(p.path);
    const section = m ? SECTIONS.indexOf(m[1]!) : -1;
    return [section === -1 ? -1 : section, m?.[2] === undefined ? -1 : Number(m[2])];
  };
  return problems
    .map((p, i) => ({ p, i, r: rank(p) }))
    .sort((a, b) => a.r[0] - b.r[0] || a.r[1] - b.r[1] || a.i - b.i)
    .map((x) => x.p);
}

/**
 * Validates the whole document (structure, values, and every reference against the document
 * and the database) and imports it in one transaction. Throws ImportError listing every
 * problem, with nothing written; returns the counts of inserted or changed entities.
 */
export async function importDocument(db: Knex, doc: unknown, opts: ImportOptions = {}): Promise<Summary> {
  // every string value loses NUL and the other C0 controls but tab and line breaks, as web and mail
  // text do (PostgreSQL refuses NUL in text); in place, before the schema and the reference checks
  cleanStrings(doc);
  const parsed = documentSchema.safeParse(doc);
  const problems = parsed.success ? [] : zodProblems(parsed.error.issues);
  // outside the import's transaction: a generated key is kept even when this import is refused or a dry run
  const codeKey = bringsCodes(doc) ? await hotlineCodeKey({ db, hotline: { codeKey: opts.codeKey ?? null } }) : null;
  try {
    return await db.transaction(async (trx) => {
      await trx.raw('select pg_advisory_xact_lock(?)', [IMPORT_LOCK]);
      problems.push(...(await checkReferences(trx, doc, codeKey)));
      if (problems.length > 0 || !parsed.success) throw new ImportError(sortProblems(problems));
      const summary = await writeDocument(trx, parsed.data, { ...opts, codeKey });
      if (opts.dryRun) throw new DryRunRollback(summary);
      return summary;
    });
  } catch (e) {
    if (e instanceof DryRunRollback) return e.summary;
    throw e;
  }
}

/** JSON text → document; invalid JSON is an ImportError too. */
export function parseImportJson(text: string): unknown {
  if (text.trim() === '') throw new ImportError([{ path: 'document', message: 'is empty; expected a JSON object' }]);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ImportError([{ path: 'document', message: `is not valid JSON (${(e as Error).message})` }]);
  }
}
