import { randomBytes } from 'node:crypto';
import { mkdir, mkdirSync, readdirSync, statSync, unlink, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { cs } from '../i18n/cs.js';
import type { IncomingFile } from '../services/attachments.js';
import type { AttachmentLimits } from '../services/context.js';
import { TEXT_MAX } from '../services/create-ticket.js';
import { ValidationError } from '../services/errors.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Czech message when the upload broke a limit; the form is shown again with it. */
      uploadError?: string;
      /** Czech message per text field cut at the field limit (its cut text is kept in the body); the form is shown again with them at those fields. */
      uploadFieldErrors?: Record<string, string>;
    }
  }
}

/** The folder uploads wait in until their request ends (under the temp dir when the app is built). */
export function uploadDir(): string {
  return path.join(os.tmpdir(), 'helpdesk-uploads');
}

/** A text field's bytes: any text the use cases accept (TEXT_MAX characters of up to 4 bytes) fits. */
const FIELD_BYTES = 4 * TEXT_MAX + 1024;
/** Text fields per form: ours have fewer than ten. */
const MAX_FIELDS = 20;
/** Left-over files older than this (a process that was killed mid-request) are removed at start. */
const STALE_MS = 24 * 3600 * 1000;

/** One request's upload: its temporary files (deleted when its response finishes or its connection closes) and what the parse noticed. */
interface TempFiles {
  paths: Set<string>;
  ended: boolean;
  textTooLong: boolean;
  /** the text fields cut at the limit */
  truncated: Set<string>;
  /** a part that could not be read (undecodable text, a file part without a readable file name) */
  malformed: boolean;
}
const tempFiles = new WeakMap<Request, TempFiles>();

/** Deletes the request's files; called again for a file whose write ended after the first call. */
function removeAll(temp: TempFiles): void {
  temp.ended = true;
  for (const p of temp.paths) unlink(p, () => {});
}

function sweepStale(dir: string): void {
  try {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      try {
        if (Date.now() - statSync(p).mtimeMs > STALE_MS) unlinkSync(p);
      } catch {
        // removed meanwhile by another process
      }
    }
  } catch {
    // the folder is created on the first upload
  }
}

/** Reads and discards what is left of a request body, so a refusal is not cut off by a reset connection. */
function drained(req: Request): Promise<void> {
  if (req.readableEnded || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    req.once('end', resolve).once('close', resolve).once('error', resolve);
    req.resume();
  });
}

/** A limit a browser's form can run into: the form is shown again with a message. */
function limitMessage(err: unknown, limits: AttachmentLimits): string | null {
  if (!(err instanceof multer.MulterError)) return null;
  switch (err.code) {
    case 'LIMIT_FILE_SIZE':
      return cs.errors.fileTooLarge(Math.round(limits.maxBytes / 1024 / 1024));
    case 'LIMIT_FILE_COUNT':
    case 'LIMIT_UNEXPECTED_FILE':
      return cs.errors.tooManyFiles(limits.maxFiles);
    case 'LIMIT_FIELD_VALUE':
      return cs.errors.textTooLong(TEXT_MAX);
    default:
      return null;
  }
}

/** A charset parameter on the request's Content-Type that names no known encoding (browsers send none). */
function unknownCharset(contentType: string | undefined): boolean {
  const label = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(contentType ?? '')?.[1];
  if (label === undefined) return false;
  try {
    new TextDecoder(label);
    return false;
  } catch {
    return true;
  }
}

/** The server's own failure (disk full, permissions) rather than a bad request body. */
function isServerFault(err: unknown): boolean {
  return typeof (err as { syscall?: unknown } | null)?.syscall === 'string';
}

/**
 * Multipart parsing for forms with attachments (field `files`). Files are streamed to
 * temporary files in uploadDir(), never held in memory, and deleted when the request ends
 * (response finished or connection closed, whatever the outcome). A limit a form can run into
 * sets `req.uploadError` (the route shows the form again with the typed values); a text
 * field over the limit is kept cut at the limit and so are the fields after it. Any other
 * broken multipart body (no or wrong boundary, truncated, malformed part headers, bad
 * charset, too many fields or parts) is refused with 400.
 */
export function uploadFiles(limits: AttachmentLimits) {
  const dir = uploadDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  sweepStale(dir);

  const storage = multer.diskStorage({
    // created again if a temp cleaner removed the folder
    destination: (_req, _file, cb) => mkdir(dir, { recursive: true, mode: 0o700 }, (err) => cb(err ?? null, dir)),
    filename: (req, _file, cb) => {
      const temp = tempFiles.get(req);
      if (!temp || temp.ended) return cb(new Error('the request has ended'), '');
      const name = `${process.pid}-${randomBytes(16).toString('hex')}`;
      temp.paths.add(path.join(dir, name));
      cb(null, name);
    },
  });
  const options = {
    storage,
    limits: {
      fileSize: limits.maxBytes,
      files: limits.maxFiles,
      fields: MAX_FIELDS,
      parts: MAX_FIELDS + limits.maxFiles,
      fieldSize: FIELD_BYTES,
      // our forms have flat names; `a[99999999]` would otherwise become a huge sparse array
      fieldNestingDepth: 0,
    },
    // browsers send UTF-8 file names without a charset parameter
    defParamCharset: 'utf8',
    // multer's own option (not in its types): a text field over the limit is marked instead of
    // ending the parse, so the fields after it are still read and the form keeps them
    streamHandler: (req: Request, busboy: NodeJS.EventEmitter & NodeJS.WritableStream) => {
      busboy.prependListener('field', (name: string, value: string | undefined, info: { valueTruncated: boolean }) => {
        const temp = tempFiles.get(req);
        if (!temp) return;
        // busboy gives no value for text in an unknown charset; a text part under the file
        // field's name is a file part without a file name
        if (value === undefined || name === 'files') temp.malformed = true;
        if (info.valueTruncated) {
          info.valueTruncated = false;
          temp.textTooLong = true;
          temp.truncated.add(name);
        }
      });
      req.pipe(busboy);
    },
  };
  const parse = multer(options as multer.Options).array('files', limits.maxFiles);

  return (req: Request, res: Response, next: NextFunction) => {
    const temp: TempFiles = { paths: new Set(), ended: false, textTooLong: false, truncated: new Set(), malformed: false };
    tempFiles.set(req, temp);
    const cleanUp = () => removeAll(temp);
    res.once('finish', cleanUp).once('close', cleanUp);

    const refuse = () => void drained(req).then(() => next(new ValidationError({ form: cs.errors.badMultipart })));
    if (req.is('multipart/*') && unknownCharset(req.headers['content-type'])) return refuse();

    parse(req, res, (err: unknown) => {
      // a file whose write ended after the response (a client that went away) goes at once
      if (temp.ended) removeAll(temp);
      req.body ??= {};
      if (!err && temp.malformed) return refuse();
      if (!err) {
        if (temp.textTooLong) cutFields(req, temp.truncated);
        return next();
      }
      const message = limitMessage(err, limits);
      if (message) {
        req.uploadError = message;
        return next();
      }
      if (isServerFault(err)) return next(err);
      // anything else is a body that is not a well-formed form: a clear 400, never a 500
      refuse();
    });
  };
}

/**
 * A text field cut at the field limit keeps its text up to what a use case accepts (TEXT_MAX
 * characters, without a character split by the cut), and gets its message at the field.
 */
function cutFields(req: Request, names: Set<string>): void {
  const body = req.body as Record<string, unknown>;
  const errors: Record<string, string> = {};
  for (const name of names) {
    const value = body[name];
    if (typeof value === 'string') {
      let kept = value.slice(0, TEXT_MAX).replace(/\uFFFD+$/, '');
      if (/[\uD800-\uDBFF]$/.test(kept)) kept = kept.slice(0, -1);
      body[name] = kept;
    }
    errors[name] = cs.errors.fieldTooLong(TEXT_MAX);
  }
  req.uploadFieldErrors = errors;
}

/** The uploaded files for the use case: temporary files, deleted by uploadFiles when the request ends. */
export function incomingFiles(req: Request): IncomingFile[] {
  const files = (req.files as Express.Multer.File[] | undefined) ?? [];
  return files
    .filter((f) => f.originalname !== '' || f.size > 0)
    .map((f) => ({ name: f.originalname, type: f.mimetype, size: f.size, source: { path: f.path } }));
}

/**
 * Parses a form with files, then checks its token whatever the parsing gave: a body broken
 * before its token could be read is a CSRF refusal (403) like any other request without one,
 * and only a request with a valid token learns that its body was malformed (400).
 */
export function uploadThenVerify(upload: RequestHandler, verifyCsrf: RequestHandler): RequestHandler {
  return (req, res, next) => upload(req, res, (uploadErr?: unknown) => verifyCsrf(req, res, (csrfErr?: unknown) => next(csrfErr ?? uploadErr)));
}
