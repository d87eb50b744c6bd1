/**
 * Attachment naming and typing rules (EMAIL.md §4.7). Pure helpers used by parse.ts.
 */

const EXT_BY_TYPE: Record<string, string> = {
  'application/pdf': 'pdf',
  'application/zip': 'zip',
  'application/x-zip-compressed': 'zip',
  'application/gzip': 'gz',
  'application/json': 'json',
  'application/xml': 'xml',
  'application/msword': 'doc',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.ms-powerpoint': 'ppt',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'pptx',
  'application/vnd.oasis.opendocument.text': 'odt',
  'application/vnd.oasis.opendocument.spreadsheet': 'ods',
  'application/ms-tnef': 'dat',
  'application/vnd.ms-tnef': 'dat',
  'application/pkcs7-signature': 'p7s',
  'application/x-pkcs7-signature': 'p7s',
  'application/pgp-signature': 'asc',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/jpg': 'jpg',
  'image/pjpeg': 'jpg',
  'image/gif': 'gif',
  'image/bmp': 'bmp',
  'image/webp': 'webp',
  'image/tiff': 'tif',
  'image/svg+xml': 'svg',
  'image/heic': 'heic',
  'text/plain': 'txt',
  'text/html': 'html',
  'text/csv': 'csv',
  'text/calendar': 'ics',
  'text/vcard': 'vcf',
  'text/x-vcard': 'vcf',
  'text/rfc822-headers': 'txt',
  'message/rfc822': 'eml',
  'message/delivery-status': 'txt',
  'message/disposition-notification': 'txt',
  'audio/mpeg': 'mp3',
  'video/mp4': 'mp4',
};

const TYPE_BY_EXT: Record<string, string> = {
  pdf: 'application/pdf',
  zip: 'application/zip',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  odt: 'application/vnd.oasis.opendocument.text',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  bmp: 'image/bmp',
  webp: 'image/webp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  txt: 'text/plain',
  log: 'text/plain',
  csv: 'text/csv',
  htm: 'text/html',
  html: 'text/html',
  xml: 'application/xml',
  json: 'application/json',
  ics: 'text/calendar',
  eml: 'message/rfc822',
  rtf: 'application/rtf',
};

/** The file extension for a MIME type (`bin` when unknown). */
export function extensionForType(type: string): string {
  const t = type.toLowerCase().split(';')[0]?.trim() ?? '';
  const known = EXT_BY_TYPE[t];
  if (known) return known;
  if (t.startsWith('text/')) return 'txt';
  return 'bin';
}

/** The MIME type for a file name by its extension (`application/octet-stream` when unknown). */
export function typeForName(name: string): string {
  const dot = name.lastIndexOf('.');
  const ext = dot >= 0 ? name.slice(dot + 1).toLowerCase() : '';
  return TYPE_BY_EXT[ext] ?? 'application/octet-stream';
}

const MAX_NAME = 255;

/**
 * A safe file name from what the message said: the last path segment (`/` and `\`), control and
 * bidi-override characters removed, whitespace collapsed, at most 255 characters (the extension
 * kept). `null` when nothing usable is left (the caller then names it `priloha-N.<ext>`).
 */
export function sanitizeFileName(name: string | null | undefined): string | null {
  if (!name) return null;
  const segments = name.split(/[/\\]+/).filter((s) => s.trim() !== '');
  let base = segments[segments.length - 1] ?? '';
  base = base
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (base === '' || /^\.+$/.test(base)) return null;
  const chars = Array.from(base);
  if (chars.length > MAX_NAME) {
    const dot = base.lastIndexOf('.');
    const ext = dot > 0 ? Array.from(base.slice(dot)) : [];
    const keepExt = ext.length > 0 && ext.length <= 16 ? ext : [];
    base = chars.slice(0, MAX_NAME - keepExt.length).join('').trimEnd() + keepExt.join('');
  }
  return base;
}

/** `priloha-N.<ext>` for a nameless part (N is the part's 1-based position among the attachments). */
export function fallbackName(ordinal: number, type: string): string {
  return `priloha-${ordinal}.${extensionForType(type)}`;
}

/** `name` with `.eml` appended unless it already ends so (message/rfc822 parts are stored as .eml). */
export function ensureEml(name: string): string {
  return /\.eml$/i.test(name) ? name : `${name}.eml`;
}

export function isTnef(type: string, name: string | null): boolean {
  const t = type.toLowerCase();
  return t === 'application/ms-tnef' || t === 'application/vnd.ms-tnef' || (name ?? '').toLowerCase() === 'winmail.dat';
}
