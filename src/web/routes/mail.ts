import { Router } from 'express';
import { cs } from '../../i18n/cs.js';
import type { WebContext } from '../context.js';
import { discardMail, listInboundMail, LOGGED_OUTCOMES, rawMail, releaseMail } from '../../services/mail/audit.js';
import { currentUser, requireStaff } from '../auth.js';
import { describeMailReason } from '../mail-reason.js';
import { pathId } from '../params.js';

/** Staff pages of the e-mail channel: the audit log and the quarantine. */
export function mailRoutes(ctx: WebContext): Router {
  const r = Router();
  r.get('/staff/mail', requireStaff, async (req, res) => {
    const outcome = (LOGGED_OUTCOMES as readonly string[]).includes(String(req.query.outcome)) ? String(req.query.outcome) : undefined;
    const pendingOnly = req.query.quarantine === '1';
    const rows = await listInboundMail(ctx, currentUser(req), pendingOnly ? { outcome: 'quarantine', pendingOnly } : { ...(outcome ? { outcome } : {}) });
    const notice = typeof req.query.done === 'string' ? req.query.done : null;
    const described = rows.map((m) => ({ ...m, reasonText: describeMailReason(m.reason) }));
    res.render('mail-log', { rows: described, outcome, pendingOnly, outcomes: LOGGED_OUTCOMES, notice });
  });
  r.get('/staff/mail/:id/raw', requireStaff, async (req, res) => {
    const id = pathId(req.params.id);
    const raw = await rawMail(ctx, currentUser(req), id);
    res.attachment(`mail-${id}.eml`).type('message/rfc822').send(raw);
  });
  r.post('/staff/mail/:id/release', requireStaff, async (req, res) => {
    const result = await releaseMail(ctx, currentUser(req), pathId(req.params.id));
    res.redirect(303, `/staff/mail?quarantine=1&done=${encodeURIComponent(cs.mailLog.released(cs.mailLog.outcomes[result.outcome] ?? result.outcome, result.ticket ?? null))}`);
  });
  r.post('/staff/mail/:id/discard', requireStaff, async (req, res) => {
    await discardMail(ctx, currentUser(req), pathId(req.params.id));
    res.redirect(303, `/staff/mail?quarantine=1&done=${encodeURIComponent(cs.mailLog.discarded)}`);
  });
  return r;
}
