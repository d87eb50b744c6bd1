import type { Knex } from 'knex';
import nodemailer, { type Transporter } from 'nodemailer';
import type { MailSettings } from '../services/context.js';
import { LINK_MAIL_PURPOSES, redactedLinkBodies } from '../services/password-links.js';
import { mailSealingKey, openedBodies } from '../services/sealed-mail.js';

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  password?: string;
}

export function createTransport(smtp: SmtpSettings): Transporter {
  return nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
    // one connection reused for a batch: a new SMTP session per mail is slow
    pool: true,
    maxConnections: 2,
  });
}

/** After this many failed attempts a mail is marked failed; until then it waits and retries. */
export const MAX_SEND_ATTEMPTS = 12;

/** 1, 2, 4 … minutes, at most one hour: a failed SMTP server delays mail, never loses it. */
export function retryDelayMs(attempts: number): number {
  return Math.min(60, 2 ** Math.max(0, attempts - 1)) * 60_000;
}

interface OutboxRow {
  id: number;
  ticket_number: number | null;
  message_id: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  in_reply_to: string | null;
  references: string[] | null;
  purpose: string;
  /** a secret the mail carries, encrypted (services/sealed-mail.ts) */
  sealed: string | null;
}

/**
 * Sends the outbox mail that is due, in one transaction with SKIP LOCKED so several app
 * processes never send the same mail twice. Returns how many were sent and how many failed.
 */
export async function sendDueMail(
  db: Knex,
  transport: Transporter,
  settings: MailSettings,
  batch = 50,
  /** HOTLINE_CODE_KEY (null: the generated one): the key sealed mail is opened with */
  codeKey: string | null = null,
): Promise<{ sent: number; failed: number }> {
  let sealingKey: Promise<Buffer> | undefined;
  const opened = (m: OutboxRow) => {
    if (m.sealed === null) return Promise.resolve({ text: m.text_body, html: m.html_body });
    sealingKey ??= mailSealingKey({ db, hotline: { codeKey } });
    return sealingKey.then((key) => openedBodies(key, { ...m, sealed: m.sealed! }));
  };
  return db.transaction(async (trx) => {
    const rows = (await trx('outbound_mail')
      .where('status', 'pending')
      .where('next_attempt_at', '<=', trx.fn.now())
      .orderBy('id')
      .limit(batch)
      .forUpdate()
      .skipLocked()
      .select('*')) as OutboxRow[];
    let sent = 0;
    let failed = 0;
    for (const m of rows) {
      try {
        // a sealed secret is readable only in the mail handed to SMTP, never in the row
        const body = await opened(m);
        await transport.sendMail({
          from: settings.helpdeskAddress,
          to: m.to_address,
          subject: m.subject,
          text: body.text,
          ...(body.html ? { html: body.html } : {}),
          messageId: m.message_id,
          ...(m.in_reply_to ? { inReplyTo: m.in_reply_to } : {}),
          ...(m.references?.length ? { references: m.references } : {}),
          headers: {
            // RFC 3834: auto-responders must not answer us; Outlook's own suppression too
            'Auto-Submitted': 'auto-generated',
            'X-Auto-Response-Suppress': 'All',
            ...(m.ticket_number ? { 'X-Helpdesk-Ticket': String(m.ticket_number) } : {}),
          },
        });
        // an invitation or reset link is a password for one use: once sent, the outbox keeps the mail without it
        const redacted = LINK_MAIL_PURPOSES.has(m.purpose) ? redactedLinkBodies(trx) : {};
        await trx('outbound_mail').where({ id: m.id }).update({ status: 'sent', sent_at: trx.fn.now(), last_error: null, attempts: trx.raw('attempts + 1'), sealed: null, ...redacted });
        sent += 1;
      } catch (e) {
        failed += 1;
        const row = await trx('outbound_mail').where({ id: m.id }).first('attempts');
        const attempts = Number(row.attempts) + 1;
        await trx('outbound_mail')
          .where({ id: m.id })
          .update({
            attempts,
            last_error: String((e as Error).message ?? e).slice(0, 1000),
            status: attempts >= MAX_SEND_ATTEMPTS ? 'failed' : 'pending',
            ...(attempts >= MAX_SEND_ATTEMPTS && LINK_MAIL_PURPOSES.has(m.purpose) ? redactedLinkBodies(trx) : {}),
            ...(attempts >= MAX_SEND_ATTEMPTS ? { sealed: null } : {}),
            next_attempt_at: trx.raw("now() + make_interval(secs => ?)", [retryDelayMs(attempts) / 1000]),
          });
      }
    }
    return { sent, failed };
  });
}
