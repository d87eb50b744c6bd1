import { type Request, type RequestHandler, type Response, Router } from 'express';
import type { ListName } from '../../domain/states.js';
import { cs } from '../../i18n/cs.js';
import { isStaff } from '../../services/actor.js';
import type { WebContext } from '../context.js';
import { addMessage } from '../../services/conversation.js';
import { createTicket } from '../../services/create-ticket.js';
import { contractsWithParagraphs, userPhone } from '../../services/reads/choices.js';
import { findVisibleNumber, LIST_DATE, listSortOf, type OverviewPage, overviewPage } from '../../services/reads/lists.js';
import { attachmentForDownload } from '../../services/reads/ticket-page.js';
import { fileComplaint } from '../../services/transitions.js';
import { currentUser, requireUser } from '../auth.js';
import { confirmUser } from '../page-locals.js';
import { sessionChecked, sessionToCheck, setFlash } from '../sessions.js';
import { sendAttachment } from '../download.js';
import { type FormErrors, formRoute, type FormValues } from '../form.js';
import { incomingFiles, uploadFiles, uploadThenVerify } from '../upload.js';
import { BIG_ID, boundedInt, optionalInt, PAGE, pathId } from '../params.js';
import { renderTicket, type Tab, TAB_PATHS, ticketFormAgain } from '../ticket-page.js';

function listName(raw: unknown): ListName {
  return raw === 'resolved' || raw === 'closed' ? raw : 'current';
}

/** The new-ticket form (with the response's status), with the values and errors of a refused one. */
async function renderNewForm(ctx: WebContext, req: Request, res: Response, values: FormValues, errors: FormErrors) {
  const contracts = await contractsWithParagraphs(ctx, currentUser(req));
  res.render('new-ticket', { contracts, values, errors, limits: ctx.limits });
}

/**
 * The forms that carry files. They are mounted before the app-wide CSRF check, which refuses
 * every other multipart body: their token is in the multipart body, so it is checked once the
 * body is parsed (`verifyCsrf` after `upload`), and never skipped.
 */
export function ticketUploadRoutes(ctx: WebContext, verifyCsrf: RequestHandler): Router {
  const r = Router();
  const upload = uploadThenVerify(uploadFiles(ctx.limits), verifyCsrf);

  // multipart fields are parsed here, after the app-wide input cleaning: formRoute cleans the values
  r.post(
    '/tickets/new',
    requireUser,
    upload,
    formRoute(
      async (req, res, values) => {
        const { number } = await createTicket(ctx, currentUser(req), values, incomingFiles(req), 'web');
        setFlash(req, cs.flash.ticketCreated(number));
        res.redirect(303, `/tickets/${number}`);
      },
      (req, res, values, errors) => renderNewForm(ctx, req, res, values, errors),
    ),
  );

  r.post(
    '/tickets/:number/messages',
    requireUser,
    upload,
    formRoute(
      async (req, res, values) => {
        const number = pathId(req.params.number);
        const internal = values.internal === true || values.internal === 'on' || values.internal === '1' || values.internal === 'true';
        await addMessage(ctx, currentUser(req), number, values, incomingFiles(req), 'web');
        setFlash(req, internal ? cs.flash.noteSaved : cs.flash.messageSent);
        res.redirect(303, `/tickets/${number}${TAB_PATHS.conversation}`);
      },
      ticketFormAgain(ctx, 'conversation', 'message'),
      { fields: ['body', 'internal'] },
    ),
  );

  return r;
}

/**
 * The customer overview, the portal's most requested page: mounted before app.ts checks a
 * session taken unchecked from memory, because its statement checks it (sessions.ts), which
 * spares a round trip to PostgreSQL. Only a session found changed or ended is read again
 * (confirmUser) before anything is answered; the page read with it is then not shown.
 */
export function overviewRoutes(ctx: WebContext): Router {
  const r = Router();
  r.get('/tickets', async (req, res) => {
    const list = listName(req.query.list);
    const page = optionalInt(req.query.page, 'page', PAGE, 1);
    const sort = listSortOf(req.query.sort, req.query.dir);
    const show = ({ result, counts }: OverviewPage) =>
      res.render('overview', { list, dateColumn: LIST_DATE[list], result, counts, sort, search: '', searchError: null });
    const session = sessionToCheck(req);
    if (session && req.user) {
      const read = await overviewPage(ctx, currentUser(req), list, page, sort, session);
      if (read.sessionUnchanged) {
        sessionChecked(req);
        return show(read);
      }
    }
    await confirmUser(req, res);
    if (!req.user) return requireUser(req, res, () => undefined);
    show(await overviewPage(ctx, currentUser(req), list, page, sort));
  });
  return r;
}

export function ticketRoutes(ctx: WebContext): Router {
  const r = Router();

  r.get('/', requireUser, (req, res) => res.redirect(isStaff(currentUser(req)) ? '/staff/queue' : '/tickets'));

  r.get('/tickets/search', requireUser, async (req, res) => {
    const q = String(req.query.q ?? '').trim();
    const asked = boundedInt(q, BIG_ID);
    const found = asked === undefined ? null : await findVisibleNumber(ctx, currentUser(req), asked);
    if (found !== null) return res.redirect(`/tickets/${found}`);
    const sort = listSortOf(undefined, undefined);
    const { result, counts } = await overviewPage(ctx, currentUser(req), 'current', 1);
    const searchError = asked === undefined ? cs.overview.badNumber : cs.overview.notFound(q);
    res.status(404).render('overview', { list: 'current', dateColumn: LIST_DATE.current, result, counts, sort, search: q, searchError });
  });

  r.get('/tickets/new', requireUser, async (req, res) => {
    const user = currentUser(req);
    // a fresh form offers the profile's phone; a refused one shows what was typed (renderNewForm's values)
    const phone = await userPhone(ctx, user);
    await renderNewForm(ctx, req, res, { contact_email: user.email, contact_phone: phone ?? '' }, {});
  });

  for (const [tab, suffix] of Object.entries(TAB_PATHS) as [Tab, string][]) {
    r.get(`/tickets/:number${suffix}`, requireUser, async (req, res) => {
      await renderTicket(ctx, req, res, pathId(req.params.number), tab);
    });
  }

  r.post(
    '/tickets/:number/complaint',
    requireUser,
    formRoute(
      async (req, res, values) => {
        const number = pathId(req.params.number);
        await fileComplaint(ctx, currentUser(req), number, values);
        setFlash(req, cs.flash.actions.complain ?? '');
        res.redirect(303, `/tickets/${number}`);
      },
      ticketFormAgain(ctx, 'request', 'complain'),
      { fields: ['reason'] },
    ),
  );

  r.get('/tickets/:number/attachments/:id', requireUser, async (req, res) => {
    const number = pathId(req.params.number);
    const fileId = pathId(req.params.id);
    const file = await attachmentForDownload(ctx, currentUser(req), number, fileId);
    // a download with a passive type: uploaded HTML or SVG must never render in our origin; only
    // PNG, JPEG, GIF and WebP images are shown inline, when the page asks for them (?inline=1)
    await sendAttachment(ctx, req, res, file, { inline: req.query.inline === '1' });
  });

  return r;
}
