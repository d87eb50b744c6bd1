import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import type { Reads } from '../services/reads/pools.js';
import { type AttachmentDownload, attachmentContent } from '../services/reads/ticket-page.js';

/**
 * Types a browser only displays or plays, never runs: an attachment is served with its stored
 * type only when it is one of these (or any audio/ or video/ type). HTML, SVG, XML, scripts and
 * everything else go out as application/octet-stream, so no upload can ever act in our origin
 * whatever a browser would otherwise make of it.
 */
const PASSIVE_TYPES: ReadonlySet<string> = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'text/plain',
  'text/csv',
  'application/zip',
  'application/x-zip-compressed',
  'application/x-7z-compressed',
  'application/gzip',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
]);
const MEDIA_TYPE = /^(audio|video)\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;

/**
 * The image types shown in the page (a thumbnail, the image opened large): served inline only
 * when asked (`?inline=1`) and only for these. SVG is never among them: it is a document that
 * can run script, and stays a download (as application/octet-stream) like HTML.
 */
const INLINE_IMAGE_TYPES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** Is an attachment of this stored type shown as an image in the page (and served inline when asked)? */
export function isInlineImage(stored: string | null | undefined): boolean {
  return INLINE_IMAGE_TYPES.has((stored ?? '').split(';')[0]!.trim().toLowerCase());
}

/** The Content-Type an attachment is served with: its stored type without parameters when passive, else octet-stream. */
export function downloadContentType(stored: string | null | undefined): string {
  const type = (stored ?? '').split(';')[0]!.trim().toLowerCase();
  return PASSIVE_TYPES.has(type) || MEDIA_TYPE.test(type) ? type : 'application/octet-stream';
}

/**
 * The single byte range a request asks for: null for the whole content (no Range, a malformed
 * or multi-part one, or an If-Range for another version), 'unsatisfiable' for a range outside it.
 */
function requestedRange(req: Request, size: number, etag: string): { start: number; end: number } | 'unsatisfiable' | null {
  if (!req.headers.range) return null;
  const ifRange = req.headers['if-range'];
  if (ifRange !== undefined && ifRange !== etag) return null;
  const ranges = req.range(size, { combine: true });
  if (ranges === undefined || ranges === -2) return null;
  if (ranges === -1) return 'unsatisfiable';
  if (ranges.type !== 'bytes' || ranges.length !== 1) return null;
  return { start: ranges[0]!.start, end: ranges[0]!.end };
}

/**
 * Sends a stored attachment as a download: `Content-Disposition: attachment`, nosniff, never
 * cached, a passive Content-Type; the content streamed chunk by chunk from PostgreSQL (one chunk
 * in memory at a time), whole or one byte range (206, or 416 outside the content). With
 * `inline`, a PNG, JPEG, GIF or WebP image (isInlineImage) goes out `inline` so the page can
 * show it (an <img>, whose CSP img-src is 'self'); any other type stays a download.
 */
export async function sendAttachment(pools: Reads, req: Request, res: Response, file: AttachmentDownload, opts: { inline?: boolean } = {}): Promise<void> {
  res.attachment(file.name);
  if (opts.inline && isInlineImage(file.content_type)) {
    // the same header with the file's name encoded as attachment() wrote it, as inline
    res.setHeader('Content-Disposition', String(res.get('Content-Disposition')).replace(/^attachment/, 'inline'));
  }
  // after attachment(), which would set a type from the name's extension
  res.setHeader('Content-Type', downloadContentType(file.content_type));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'private, no-store');
  res.setHeader('Accept-Ranges', 'bytes');
  // the content's hash is a strong validator: If-Range can resume the same content only
  const etag = `"${file.sha256}"`;
  res.setHeader('ETag', etag);

  const range = requestedRange(req, file.size, etag);
  if (range === 'unsatisfiable') {
    res.status(416).setHeader('Content-Range', `bytes */${file.size}`);
    res.setHeader('Content-Length', '0');
    res.end();
    return;
  }
  const { start, end } = range ?? { start: 0, end: file.size - 1 };
  if (range) {
    res.status(206);
    res.setHeader('Content-Range', `bytes ${start}-${end}/${file.size}`);
  }
  res.setHeader('Content-Length', String(end - start + 1));
  if (req.method === 'HEAD' || end < start) {
    res.end();
    return;
  }
  // a byte-sized buffer of 1: the next chunk is read only once the last one went to the socket
  const body = Readable.from(attachmentContent(pools, file, start, end), { objectMode: false, highWaterMark: 1 });
  try {
    await pipeline(body, res);
  } catch (e) {
    // the client went away, or a chunk could not be read after the headers were sent: the
    // response is cut short (pipeline destroyed it), which the client sees as an incomplete body
    if ((e as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE') console.error('attachment download failed', e);
  }
}
