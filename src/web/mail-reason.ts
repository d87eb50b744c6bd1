import { cs } from '../i18n/cs.js';
import { formatSize } from './format.js';

const r = cs.mailLog.reasonDetail;

/** Reasons that carry a detail after a fixed start (services/mail/ingest.ts, domain/mail/classify.ts autoReplyReason). */
const PATTERNS: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^size (\d+) > (\d+)$/, (m) => r.size(formatSize(Number(m[1])), formatSize(Number(m[2])))],
  [/^unparseable: ?([\s\S]*)$/, (m) => r.unparseable(m[1] ?? '')],
  [/^Auto-Submitted: ?(.*)$/i, (m) => r.autoSubmitted(m[1] ?? '')],
  [/^Precedence: ?(.*)$/i, (m) => r.bulk(m[1] ?? '')],
  [/^X-Autoreply$/i, () => r.autoreply],
  [/^(List-Id|List-Unsubscribe)$/i, (m) => r.list(m[1] ?? '')],
  [/^read receipt\b/i, () => r.readReceipt],
];

/**
 * The Czech text of an inbound mail's logged reason (inbound_mail.reason): a code of the
 * ingestion (not_authorized, rate_limit, …) by its label, a reason with a detail (the size, the
 * header that made it automatic, the parser's message) by its sentence with the detail. Text
 * the portal does not know (rows of an older version) is shown as it is.
 */
export function describeMailReason(reason: string | null | undefined): string {
  if (!reason) return '';
  const label = cs.mailLog.reasons[reason] ?? cs.mailLog.outcomes[reason];
  if (label) return label;
  for (const [pattern, describe] of PATTERNS) {
    const m = pattern.exec(reason);
    if (m) return describe(m);
  }
  return reason;
}
