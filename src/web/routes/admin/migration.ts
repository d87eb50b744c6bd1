import { readFile } from 'node:fs/promises';
import { type RequestHandler, type Response, Router } from 'express';
import { cs } from '../../../i18n/cs.js';
import { ValidationError } from '../../../services/errors.js';
import { ImportError, importDocument, parseImportJson, type Problem, type Summary } from '../../../services/import/index.js';
import { currentUser } from '../../auth.js';
import type { WebContext } from '../../context.js';
import { type FormErrors, formRoute } from '../../form.js';
import { incomingFiles } from '../../upload.js';

/**
 * The migration import upload (issue 10): the document of `npm run import` (IMPORT.md) checked
 * as a dry run (what would change, or every problem with its JSON path) or imported, by the
 * same functions as the command (services/import: parseImportJson, importDocument). Stateless:
 * the import asks for the file again, so nothing uploaded is kept between two requests.
 */

type Mode = 'dry-run' | 'import';

interface Outcome {
  mode: Mode;
  fileName: string;
  summary: Summary | null;
  problems: readonly Problem[] | null;
}

function render(res: Response, errors: FormErrors, outcome: Outcome | null): void {
  res.render('admin/migration', { errors, outcome, counts: cs.admin.migration.counts });
}

/** The document's text: UTF-8 (a leading byte-order mark, as Windows editors write it, dropped). */
function decode(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ValidationError({ files: cs.admin.migration.notUtf8 });
  }
}

/** Admin pages: migration (issue 10). Mounted under requireAdmin by ./index.ts. */
export function migrationRoutes(_ctx: WebContext): Router {
  const r = Router();
  r.get('/admin/migration', (_req, res) => render(res, {}, null));
  return r;
}

/** Admin forms with a file: `upload` parses the multipart body, then verifies its CSRF token (index.ts). */
export function migrationUploadRoutes(ctx: WebContext, upload: RequestHandler): Router {
  const r = Router();
  r.post(
    '/admin/migration',
    upload,
    formRoute(
      async (req, res, values) => {
        const mode = values.mode;
        if (mode !== 'dry-run' && mode !== 'import') throw new ValidationError({ mode: cs.errors.choice });
        const file = incomingFiles(req)[0];
        if (!file) throw new ValidationError({ files: cs.admin.migration.noFile });
        const text = decode(Buffer.isBuffer(file.source) ? file.source : await readFile(file.source.path));
        let doc: unknown;
        try {
          doc = parseImportJson(text);
        } catch (e) {
          if (!(e instanceof ImportError)) throw e;
          // the command's own message for the document as a whole (empty, or where the JSON breaks)
          throw new ValidationError({ files: cs.admin.migration.invalidJson(e.problems.map((p) => p.message).join('; ')) });
        }
        try {
          const summary = await importDocument(ctx.db, doc, { dryRun: mode === 'dry-run', who: { actorId: currentUser(req).id, source: 'import' }, codeKey: ctx.hotline.codeKey });
          render(res, {}, { mode, fileName: file.name, summary, problems: null });
        } catch (e) {
          if (!(e instanceof ImportError)) throw e;
          res.status(400);
          render(res, {}, { mode, fileName: file.name, summary: null, problems: e.problems });
        }
      },
      (_req, res, _values, errors) => render(res, errors, null),
      { fields: ['mode'] },
    ),
  );
  return r;
}
