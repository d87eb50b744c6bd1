/**
 * The staff side of the HotLine (issue 13, HOTLINE.md §6): the call log with the retry of a
 * failed recording download, and the issue of customers' codes. Agents and admins; to a
 * customer these pages do not exist (404, requireStaff). A new code is rendered only in the
 * answer to the POST that issued it, never stored (not in the session either) and not cached.
 */
import { Router } from 'express';
import { issueCode } from '../../services/hotline/codes.js';
import { retryRecording } from '../../services/hotline/save-recording.js';
import { ValidationError } from '../../services/errors.js';
import { hotlineCodeList } from '../../services/reads/hotline-codes.js';
import { HOTLINE_OUTCOMES, type HotlineOutcome, hotlineLog } from '../../services/reads/hotline-log.js';
import { currentUser, requireStaff } from '../auth.js';
import type { WebContext } from '../context.js';
import { INT4_ID, optionalInt, PAGE, pathId } from '../params.js';
import { translateFields } from '../translate.js';

/** `path?query&page=n`, the query without empty values. */
function pageUrl(path: string, query: Record<string, string | undefined>, page: number): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) p.set(k, v);
  p.set('page', String(page));
  return `${path}?${p}`;
}

export function hotlineStaffRoutes(ctx: WebContext): Router {
  const r = Router();

  r.get('/staff/hotline', requireStaff, async (req, res) => {
    const q = req.query as Record<string, unknown>;
    const outcome = HOTLINE_OUTCOMES.includes(q.outcome as HotlineOutcome) ? (q.outcome as HotlineOutcome) : undefined;
    const page = optionalInt(q.page, 'page', PAGE, 1);
    const result = await hotlineLog(ctx, { ...(outcome ? { outcome } : {}), page });
    const words = res.locals.t.hotlineAdmin.log;
    const retried = optionalInt(q.retried, 'retried', PAGE, undefined);
    const notice = retried !== undefined ? words.retried(retried) : q.retry === 'failed' ? words.retryFailed : null;
    res.render('hotline-log', {
      result,
      outcome: outcome ?? '',
      outcomes: HOTLINE_OUTCOMES,
      notice,
      page,
      prevUrl: page > 1 ? pageUrl('/staff/hotline', { outcome }, page - 1) : null,
      nextUrl: result.hasNext ? pageUrl('/staff/hotline', { outcome }, page + 1) : null,
    });
  });

  // the retry of a failed download (services/hotline/save-recording.ts); a call not failed (any more) is a 409
  r.post('/staff/hotline/:id/retry', requireStaff, async (req, res) => {
    const result = await retryRecording(ctx, currentUser(req), pathId(req.params.id));
    res.redirect(303, result.ok ? `/staff/hotline?retried=${result.ticketNumber}` : '/staff/hotline?retry=failed&outcome=download_failed');
  });

  r.get('/staff/hotline/codes', requireStaff, async (req, res) => {
    const q = req.query as Record<string, unknown>;
    const text = typeof q.q === 'string' ? q.q.trim().slice(0, 200) : '';
    const page = optionalInt(q.page, 'page', PAGE, 1);
    const result = await hotlineCodeList(ctx, { ...(text ? { text } : {}), page });
    res.render('hotline-codes', {
      result,
      text,
      page,
      prevUrl: page > 1 ? pageUrl('/staff/hotline/codes', { q: text }, page - 1) : null,
      nextUrl: result.hasNext ? pageUrl('/staff/hotline/codes', { q: text }, page + 1) : null,
    });
  });

  // issue or re-issue: the answer shows the code once; the admin's user page posts here too (from=admin)
  r.post('/staff/hotline/codes', requireStaff, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const userId = pathId(body.user_id, INT4_ID);
    const contractId = pathId(body.contract_id, INT4_ID);
    const back = body.from === 'admin' && currentUser(req).role === 'admin' ? `/admin/users/${userId}` : '/staff/hotline/codes';
    res.set('Cache-Control', 'no-store');
    try {
      const issued = await issueCode(ctx, currentUser(req), userId, contractId);
      res.render('hotline-code-issued', { issued, error: null, back });
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      res.status(400).render('hotline-code-issued', { issued: null, error: Object.values(translateFields(e.fields, res.locals.t)).join(' '), back });
    }
  });
  return r;
}
