/**
 * Mail that carries a secret the database must never hold readable (a hotline code, issue 13).
 * The bodies are written with SEALED_MARK where the secret goes, and the secret itself is kept
 * in `outbound_mail.sealed`, AES-256-GCM under a key derived from the hotline code key
 * (HOTLINE_CODE_KEY, else the generated one). The outbox sender (mail/outbox.ts) puts the
 * secret into the mail it hands to SMTP and clears `sealed` once the mail has left or has been
 * given up; the stored bodies only ever show the mark.
 */
import { seal, sealingKey, unseal } from '../domain/sealed.js';
import type { ServiceContext, Tx } from './context.js';
import { hotlineCodeKey } from './hotline/code-key.js';
import { queueMail, type QueuedMail } from './notifications.js';

/** Where the secret goes in a sealed mail's bodies; also what the outbox keeps in its place. */
export const SEALED_MARK = '••••••••••';

type KeySource = Parameters<typeof hotlineCodeKey>[0];

/** The outbox's sealing key: derived from the hotline code key, never the key itself. */
export async function mailSealingKey(source: KeySource): Promise<Buffer> {
  return sealingKey(await hotlineCodeKey(source), 'outbox mail');
}

/** Queues a mail (queueMail) whose bodies mark SEALED_MARK where `secret` goes; the row keeps the secret only sealed. */
export async function queueSealedMail(
  ctx: ServiceContext,
  trx: Tx,
  mail: { to: string; subject: string; text: string; html?: string | null; purpose: string },
  secret: string,
): Promise<QueuedMail> {
  if (!mail.text.includes(SEALED_MARK)) throw new Error('a sealed mail must mark where its secret goes');
  const sealed = seal(await mailSealingKey(ctx), secret);
  return queueMail(ctx, trx, { ...mail, sealed });
}

/** The bodies as they are sent: the mark replaced by the opened secret. */
export function openedBodies(key: Buffer, row: { text_body: string; html_body: string | null; sealed: string }): { text: string; html: string | null } {
  const secret = unseal(key, row.sealed);
  return { text: row.text_body.replaceAll(SEALED_MARK, secret), html: row.html_body === null ? null : row.html_body.replaceAll(SEALED_MARK, secret) };
}
