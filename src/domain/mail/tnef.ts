/**
 * Unpacking of `application/ms-tnef` (winmail.dat) with node-tnef (EMAIL.md §4.7).
 *
 * node-tnef has two process-wide side effects on load, both neutralised here:
 * - a module-level bunyan logger that prints JSON lines to stdout on every parse: it is created
 *   while `bunyan.createLogger` is temporarily swapped for one that gets no output streams;
 * - it overwrites `String.prototype.replaceAll` with a RegExp-based version: the native method is
 *   put back right after loading (node-tnef's own use of it behaves the same with the native one).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as NodeTnef from 'node-tnef';

type TnefModule = typeof NodeTnef;

const require = createRequire(import.meta.url);
let loaded: TnefModule | null = null;

function loadTnef(): TnefModule {
  if (loaded) return loaded;
  const entry = require.resolve('node-tnef');
  const bunyanPath = require.resolve('bunyan', { paths: [path.dirname(entry)] });
  const bunyan = require(bunyanPath) as { createLogger: (opts: Record<string, unknown>) => unknown };
  const originalCreateLogger = bunyan.createLogger;
  const replaceAll = Object.getOwnPropertyDescriptor(String.prototype, 'replaceAll');
  // a copy loaded elsewhere before us would keep its noisy logger: load our own instance
  delete require.cache[entry];
  bunyan.createLogger = (opts) => originalCreateLogger.call(bunyan, { ...opts, streams: [] });
  try {
    loaded = require(entry) as TnefModule;
  } finally {
    bunyan.createLogger = originalCreateLogger;
    if (replaceAll) Object.defineProperty(String.prototype, 'replaceAll', replaceAll);
  }
  return loaded;
}

export interface TnefFile {
  /** decoded title, not yet sanitized; '' when the TNEF attachment has none */
  name: string;
  data: Buffer;
}

/** attAttachTitle holds the bytes of the sender's code page: UTF-8 when valid, else windows-1250. */
function decodeTitle(title: string | undefined): string {
  if (!title) return '';
  const bytes = Buffer.from(title, 'latin1');
  if (!bytes.some((b) => b >= 0x80)) return title;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1250').decode(bytes);
  }
}

/**
 * The files inside a TNEF blob, or `null` when it is not TNEF, is corrupt, or holds no file
 * (the caller then keeps winmail.dat as it is).
 */
export function unpackTnef(blob: Buffer): TnefFile[] | null {
  let outcome: { err: boolean; result: unknown } = { err: true, result: null };
  try {
    loadTnef().parseBuffer(blob, (err, result) => {
      outcome = { err, result };
    });
  } catch {
    return null;
  }
  const { err, result } = outcome;
  if (err || !result || result instanceof Error) return null;
  const attachments = (result as NodeTnef.TnefResult).Attachments;
  if (!Array.isArray(attachments) || attachments.length === 0) return null;
  const files: TnefFile[] = [];
  for (const a of attachments) {
    if (!a || !Array.isArray(a.Data)) return null;
    if (a.Data.some((b) => typeof b !== 'number')) return null; // truncated blob
    files.push({ name: decodeTitle(a.Title).replace(/\0+$/, ''), data: Buffer.from(a.Data as number[]) });
  }
  return files;
}
