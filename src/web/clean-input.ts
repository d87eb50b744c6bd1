import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { cs } from '../i18n/cs.js';
import { cleanStrings } from '../domain/text.js';
import { ValidationError } from '../services/errors.js';

export { cleanStrings } from '../domain/text.js';

/**
 * What the body parser refuses (too large, too many fields, an unknown charset or encoding) is
 * the client's mistake: a 400 with the form message, never a 500. Only errors of the middleware
 * before it (the body parsers) pass through here.
 */
const bodyParserErrors: ErrorRequestHandler = (err, _req, _res, next) => {
  const status = (err as { status?: unknown; statusCode?: unknown }).status ?? (err as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return next(new ValidationError({ form: cs.errors.form }));
  next(err);
};

/**
 * Strings of the query and the (url-encoded) body lose NUL and the other C0 control characters
 * except tab and line breaks (PostgreSQL refuses NUL in text; see domain/text.ts), so a form shown
 * again keeps what was typed, minus them. A body no parser read is `{}` (Express 5 leaves it
 * undefined). Multipart fields are parsed later (upload.ts): call `cleanStrings(req.body)` there;
 * the service schemas (services/validate.ts) clean them in any case.
 */
const cleanQueryAndBody: RequestHandler = (req: Request, _res: Response, next: NextFunction) => {
  // Express 5 parses the query string anew on every read of req.query: keep one cleaned copy
  const query = cleanStrings(req.query as Record<string, unknown>);
  Object.defineProperty(req, 'query', { value: query, writable: true, configurable: true, enumerable: true });
  if (req.body === undefined && !req.is('multipart/*')) req.body = {};
  else cleanStrings(req.body as unknown);
  next();
};

/** Registered once, right after the url-encoded body parser (app.ts). */
export const cleanInput = [bodyParserErrors, cleanQueryAndBody];
