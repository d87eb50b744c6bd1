import { createHash } from 'node:crypto';
import { cs } from '../i18n/cs.js';
import { type Actor, actorId } from './actor.js';
import type { AttachmentLimits, Tx } from './context.js';
import { ValidationError } from './errors.js';
import { recordEvent } from './history.js';

/** A file as any channel hands it over (web upload, e-mail part, hotline recording). */
export interface IncomingFile {
  name: string;
  type: string;
  data: Buffer;
  /** an e-mail's inline image (cid: part) */
  inline?: boolean;
  contentId?: string | null;
}

export function checkFileLimits(files: readonly IncomingFile[], limits: AttachmentLimits, field = 'files'): void {
  if (files.length > limits.maxFiles) throw new ValidationError({ [field]: cs.errors.tooManyFiles(limits.maxFiles) });
  if (files.some((f) => f.data.length > limits.maxBytes)) {
    throw new ValidationError({ [field]: cs.errors.fileTooLarge(Math.round(limits.maxBytes / 1024 / 1024)) });
  }
}

/** Names keep their Czech characters; path parts and control characters never reach storage. */
export function cleanFileName(name: string): string {
  const base = name.normalize('NFC').split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 200);
  return cleaned === '' ? 'priloha' : cleaned;
}

/**
 * Stores files in the caller's transaction, content deduplicated by sha256, one history
 * event per file.
 */
export async function storeAttachments(
  trx: Tx,
  ticket: number,
  messageId: number | null,
  files: readonly IncomingFile[],
  actor: Actor,
  internal = false,
): Promise<void> {
  for (const file of files) {
    const sha256 = createHash('sha256').update(file.data).digest('hex');
    await trx('attachment_blobs').insert({ sha256, size: file.data.length, data: file.data }).onConflict('sha256').ignore();
    const name = cleanFileName(file.name);
    await trx('attachments').insert({
      ticket_number: ticket,
      message_id: messageId,
      sha256,
      name,
      content_type: file.type || 'application/octet-stream',
      size: file.data.length,
      uploaded_by: actorId(actor),
      inline: file.inline ?? false,
      content_id: file.contentId ?? null,
    });
    await recordEvent(trx, { ticket, actor, kind: 'attachment', data: { name, size: file.data.length }, internal });
  }
}
