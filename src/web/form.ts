import type { Request, RequestHandler, Response } from 'express';
import { cleanStrings } from '../domain/text.js';
import { ValidationError } from '../services/errors.js';
import { translateFields } from './translate.js';

/** What the user typed into a form, shown again when it is refused. */
export type FormValues = Record<string, unknown>;
/** A message per refused field (a use case's ValidationError fields). */
export type FormErrors = Record<string, string>;

/**
 * What the user typed: the body's fields (only `fields` when given, else all but the CSRF
 * token) in a copy cleaned of control characters (domain/text.ts). The url-encoded body was
 * cleaned on arrival (clean-input.ts); a multipart body is parsed later and cleaned only here.
 */
export function typedValues(body: unknown, fields?: readonly string[]): FormValues {
  const typed = (body ?? {}) as FormValues;
  const values: FormValues = fields ? Object.fromEntries(fields.map((f) => [f, typed[f]])) : { ...typed };
  delete values._csrf;
  return cleanStrings(values);
}

/**
 * The HTTP side of every form: `run` calls the use case with what the user typed and answers
 * (a 303 redirect, or a page). When the use case refuses the input (ValidationError), or the
 * upload before it broke a limit (`req.uploadError` at the files, `req.uploadFieldErrors` at
 * the text fields cut, upload.ts), `renderAgain` shows the form
 * again with those values and the errors, with status 400. Any other error (a 404 of the path,
 * a 409 of the transition table) goes to the app's error handler.
 */
export function formRoute(
  run: (req: Request, res: Response, values: FormValues) => Promise<void>,
  renderAgain: (req: Request, res: Response, values: FormValues, errors: FormErrors) => Promise<void> | void,
  opts: { fields?: readonly string[] } = {},
): RequestHandler {
  return async (req, res) => {
    const values = typedValues(req.body, opts.fields);
    if (req.uploadError || req.uploadFieldErrors) {
      // a text field cut at the upload's limit: its kept text with the message at that field
      res.status(400);
      return renderAgain(req, res, values, { ...req.uploadFieldErrors, ...(req.uploadError ? { files: req.uploadError } : {}) });
    }
    try {
      await run(req, res, values);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      res.status(400);
      // the use case's Czech messages in the page's language (translate.ts)
      await renderAgain(req, res, values, translateFields(e.fields, res.locals.t));
    }
  };
}
