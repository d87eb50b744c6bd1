import type { NextFunction, Request, Response } from 'express';
import multer from 'multer';
import { cs } from '../i18n/cs.js';
import type { IncomingFile } from '../services/attachments.js';
import type { AttachmentLimits } from '../services/context.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Czech message when the upload broke a limit; the form is shown again with it. */
      uploadError?: string;
    }
  }
}

/** Multipart parsing for forms with attachments (field `files`), held in memory up to the limits. */
export function uploadFiles(limits: AttachmentLimits) {
  const parse = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: limits.maxBytes, files: limits.maxFiles, fields: 50, fieldSize: 1024 * 1024 },
    // browsers send UTF-8 file names without a charset parameter
    defParamCharset: 'utf8',
  }).array('files', limits.maxFiles);
  return (req: Request, res: Response, next: NextFunction) => {
    parse(req, res, (err: unknown) => {
      if (err instanceof multer.MulterError) {
        req.body ??= {};
        req.uploadError =
          err.code === 'LIMIT_FILE_SIZE'
            ? cs.errors.fileTooLarge(Math.round(limits.maxBytes / 1024 / 1024))
            : err.code === 'LIMIT_FILE_COUNT' || err.code === 'LIMIT_UNEXPECTED_FILE'
              ? cs.errors.tooManyFiles(limits.maxFiles)
              : cs.errors.upload;
        return next();
      }
      next(err);
    });
  };
}

export function incomingFiles(req: Request): IncomingFile[] {
  const files = (req.files as Express.Multer.File[] | undefined) ?? [];
  return files
    .filter((f) => f.originalname !== '' || f.size > 0)
    .map((f) => ({ name: f.originalname, type: f.mimetype, data: f.buffer }));
}
