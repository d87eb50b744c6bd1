import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Knex } from 'knex';
import { cs } from '../i18n/cs.js';
import { type Actor, actorId } from './actor.js';
import type { AttachmentLimits, ServiceContext, Tx } from './context.js';
import { ValidationError } from './errors.js';
import { recordEvent } from './history.js';
import { consume, refund } from './rate-counters.js';

/**
 * Where a file's bytes are: in memory (e-mail parts and imports, small and already parsed) or
 * in a temporary file the channel owns and deletes after the use case (web uploads).
 */
export type FileSource = Buffer | { path: string };

/** A file as any channel hands it over (web upload, e-mail part, hotline recording). */
export interface IncomingFile {
  name: string;
  type: string;
  /** bytes */
  size: number;
  source: FileSource;
  /** an e-mail's inline image (cid: part) */
  inline?: boolean;
  contentId?: string | null;
}

export type InMemoryFile = IncomingFile & { source: Buffer };

export function fileFromBuffer(name: string, type: string, data: Buffer, extra: Pick<IncomingFile, 'inline' | 'contentId'> = {}): InMemoryFile {
  return { name, type, size: data.length, source: data, ...extra };
}

/**
 * Content is stored and read in chunks of this size (attachment_chunks), so a file never has
 * to be in memory as a whole; the migration that split older content used the same size.
 */
export const CHUNK_BYTES = 1024 * 1024;

export function checkFileLimits(files: readonly IncomingFile[], limits: AttachmentLimits, field = 'files'): void {
  if (files.length > limits.maxFiles) throw new ValidationError({ [field]: cs.errors.tooManyFiles(limits.maxFiles) });
  if (files.some((f) => f.size > limits.maxBytes)) {
    throw new ValidationError({ [field]: cs.errors.fileTooLarge(Math.round(limits.maxBytes / 1024 / 1024)) });
  }
}

/** Channels whose uploads count against the user's hourly quota (only the web for now). */
const QUOTA_CHANNELS: ReadonlySet<string> = new Set(['web']);
const QUOTA_WINDOW_SECONDS = 3600;

/** "45 s", "12 min": how long to wait, for a message. */
function waitText(seconds: number): string {
  return seconds < 60 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`;
}

/**
 * Runs a use case that stores `files` within the actor's hourly upload quota (a counter shared
 * by every process, `upload:user:<id>`). The bytes are counted before the use case's
 * transaction; a form that would pass the quota is refused with the time to wait and counts
 * nothing, and a use case that fails gives its bytes back, so the counter holds what was stored.
 */
export async function withinUploadQuota<T>(
  ctx: ServiceContext,
  actor: Actor,
  channel: string,
  files: readonly IncomingFile[],
  run: () => Promise<T>,
  field = 'files',
): Promise<T> {
  const total = files.reduce((sum, f) => sum + f.size, 0);
  const id = actorId(actor);
  if (total === 0 || id === null || !QUOTA_CHANNELS.has(channel)) return run();
  const key = `upload:user:${id}`;
  const state = await consume(ctx.db, key, total, QUOTA_WINDOW_SECONDS);
  if (state.count > ctx.limits.quotaBytesPerHour) {
    await refund(ctx.db, key, total);
    throw new ValidationError({
      [field]: cs.errors.uploadQuota(Math.round(ctx.limits.quotaBytesPerHour / 1024 / 1024), waitText(state.retryAfterSeconds)),
    });
  }
  try {
    return await run();
  } catch (e) {
    await refund(ctx.db, key, total).catch(() => {});
    throw e;
  }
}

/** Names keep their Czech characters; path parts and control characters never reach storage. */
export function cleanFileName(name: string): string {
  const base = name.normalize('NFC').split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 200);
  return cleaned === '' ? 'priloha' : cleaned;
}

/** The content's sha256 and length, reading a file source as a stream. */
async function digest(source: FileSource): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  if (Buffer.isBuffer(source)) return { sha256: hash.update(source).digest('hex'), size: source.length };
  let size = 0;
  for await (const part of createReadStream(source.path, { highWaterMark: 256 * 1024 })) {
    hash.update(part as Buffer);
    size += (part as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** The content in chunks of CHUNK_BYTES, a file source read one chunk at a time. */
async function* chunksOf(source: FileSource): AsyncGenerator<Buffer> {
  if (Buffer.isBuffer(source)) {
    for (let at = 0; at < source.length; at += CHUNK_BYTES) yield source.subarray(at, at + CHUNK_BYTES);
    return;
  }
  const file = await open(source.path, 'r');
  try {
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      let filled = 0;
      while (filled < CHUNK_BYTES) {
        const { bytesRead } = await file.read(chunk, filled, CHUNK_BYTES - filled, null);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      if (filled > 0) yield chunk.subarray(0, filled);
      if (filled < CHUNK_BYTES) return;
    }
  } finally {
    await file.close();
  }
}

/** A file as stored: its id and what a list of attachments shows. */
export interface StoredAttachment {
  id: number;
  name: string;
  content_type: string;
  size: number;
}

/**
 * Stores files in the caller's transaction, content deduplicated by sha256, one history
 * event per file (what it stored is returned). New content is written in chunks of CHUNK_BYTES
 * read one at a time, so a file in a temporary file never sits in memory as a whole.
 */
export async function storeAttachments(
  trx: Tx,
  ticket: number,
  messageId: number | null,
  files: readonly IncomingFile[],
  actor: Actor,
  internal = false,
): Promise<StoredAttachment[]> {
  const stored: StoredAttachment[] = [];
  for (const file of files) {
    const { sha256, size } = await digest(file.source);
    // a concurrent transaction storing the same content makes this wait for its outcome
    const created = await trx('attachment_blobs').insert({ sha256, size }).onConflict('sha256').ignore().returning('sha256');
    if (created.length > 0) {
      let seq = 0;
      let written = 0;
      for await (const data of chunksOf(file.source)) {
        await trx('attachment_chunks').insert({ sha256, seq: seq++, data });
        written += data.length;
      }
      if (written !== size) throw new Error(`attachment ${sha256} changed while it was stored (${size} → ${written} bytes)`);
    }
    const name = cleanFileName(file.name);
    const contentType = file.type || 'application/octet-stream';
    const [row] = await trx('attachments')
      .insert({
        ticket_number: ticket,
        message_id: messageId,
        sha256,
        name,
        content_type: contentType,
        size,
        uploaded_by: actorId(actor),
        inline: file.inline ?? false,
        content_id: file.contentId ?? null,
      })
      .returning('id');
    await recordEvent(trx, { ticket, actor, kind: 'attachment', data: { name, size }, internal });
    stored.push({ id: Number(row.id), name, content_type: contentType, size });
  }
  return stored;
}

/** A stored content's chunks in order, with their lengths (read without loading the content). */
export async function contentChunks(db: Knex, sha256: string): Promise<{ seq: number; length: number }[]> {
  const rows = (await db('attachment_chunks').where({ sha256 }).orderBy('seq').select('seq', db.raw('octet_length(data) as length'))) as {
    seq: number;
    length: number | string;
  }[];
  return rows.map((r) => ({ seq: Number(r.seq), length: Number(r.length) }));
}

/** A stored content whole, in one query (for an answer that holds it in memory anyway); `size` is checked. */
export async function wholeContent(db: Knex, sha256: string, size: number): Promise<Buffer> {
  const rows = (await db('attachment_chunks').where({ sha256 }).orderBy('seq').select('data')) as { data: Buffer }[];
  const content = Buffer.concat(rows.map((r) => r.data));
  if (content.length !== size) throw new Error(`attachment ${sha256}: ${content.length} bytes stored, ${size} expected`);
  return content;
}

/**
 * The bytes `start`..`end` (inclusive) of a stored content, one chunk (one query) at a time;
 * a chunk only partly in the range is cut in PostgreSQL.
 */
export async function* readContent(db: Knex, sha256: string, chunks: readonly { seq: number; length: number }[], start: number, end: number): AsyncGenerator<Buffer> {
  let offset = 0;
  for (const chunk of chunks) {
    const from = Math.max(start, offset) - offset;
    const to = Math.min(end + 1, offset + chunk.length) - offset;
    offset += chunk.length;
    if (to <= from) {
      if (offset > end) return;
      continue;
    }
    const whole = from === 0 && to === chunk.length;
    const row = (await db('attachment_chunks')
      .where({ sha256, seq: chunk.seq })
      .first(whole ? 'data' : db.raw('substring(data from ? for ?) as data', [from + 1, to - from]))) as { data: Buffer } | undefined;
    if (!row || row.data.length !== to - from) throw new Error(`attachment ${sha256}: chunk ${chunk.seq} is missing or changed`);
    yield row.data;
  }
}
