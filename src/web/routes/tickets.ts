import { type Request, type RequestHandler, type Response, Router } from 'express';
import { actionInputs, actionTargets, allowedActions, customerMayComment, isFinal, type ListName, staffMayComment } from '../../domain/states.js';
import { cs } from '../../i18n/cs.js';
import { actorKind, isStaff } from '../../services/actor.js';
import type { WebContext } from '../context.js';
import { addMessage } from '../../services/conversation.js';
import { createTicket } from '../../services/create-ticket.js';
import { NotFoundError, ValidationError } from '../../services/errors.js';
import {
  attachmentForDownload,
  contractsWithParagraphs,
  findVisibleNumber,
  latestComplaintReason,
  LIST_DATE,
  listTickets,
  paragraphsOfContract,
  staffMembers,
  ticketAttachments,
  ticketDetail,
  ticketEfforts,
  ticketEvents,
  ticketMessages,
} from '../../services/queries.js';
import { clocksOf } from '../../services/sla.js';
import { fileComplaint } from '../../services/transitions.js';
import { currentUser, requireUser } from '../auth.js';
import { sendAttachment } from '../download.js';
import { incomingFiles, uploadFiles } from '../upload.js';
import { BIG_ID, boundedInt, optionalInt, PAGE, pathInt } from '../params.js';
import { cleanStrings } from '../clean-input.js';

export type Tab = 'request' | 'conversation' | 'evaluation' | 'history';
export const TAB_PATHS: Record<Tab, string> = { request: '', conversation: '/komunikace', evaluation: '/vyhodnoceni', history: '/historie' };

/** A ticket number (or another bigint id) in a path; anything else is 404 (params.ts pathInt). */
export function parseTicketNumber(raw: unknown): number {
  return pathInt(raw, BIG_ID);
}

/** Form state shown again after a refused submission: which form, its values, its errors. */
export interface FormState {
  form: string;
  values: Record<string, unknown>;
  errors: Record<string, string>;
}

/** Renders one tab of the ticket page; throws NotFoundError for a ticket the user may not see. */
export async function renderTicket(ctx: WebContext, req: Request, res: Response, number: number, tab: Tab, state?: FormState, status = 200) {
  const user = currentUser(req);
  const db = ctx.reads;
  const ticket = await ticketDetail(db, user, number);
  const staff = isStaff(user);
  const clocks = clocksOf(ticket);
  const [messages, attachments, events, efforts, solvers, paragraphs] = await Promise.all([
    tab === 'conversation' ? ticketMessages(db, user, number) : [],
    tab === 'request' ? ticketAttachments(db, number) : [],
    tab === 'history' ? ticketEvents(db, user, number) : [],
    tab === 'evaluation' ? ticketEfforts(db, user, number) : [],
    staff ? staffMembers(db) : [],
    staff ? paragraphsOfContract(db, ticket.contract_id) : [],
  ]);
  const actions = allowedActions(ticket.state, actorKind(user));
  const complaint = ticket.state === 'complained' && tab !== 'history' ? await latestComplaintReason(db, number) : null;
  res.status(status).render('ticket', {
    ticket,
    clocks,
    tab,
    tabPaths: TAB_PATHS,
    messages,
    attachments,
    events,
    efforts,
    solvers,
    paragraphs,
    complaint,
    actions,
    // the staff panel's forms: the table's actions for staff, each with the inputs its rule names
    actionForms: staff ? actions.map((action) => ({ action, inputs: actionInputs(action), targets: actionTargets(action) })) : [],
    ticketFinal: isFinal(ticket.state),
    mayComment: staff ? staffMayComment(ticket.state) : customerMayComment(ticket.state),
    form: state ?? { form: '', values: {}, errors: {} },
    limits: ctx.limits,
  });
}

function listName(raw: unknown): ListName {
  return raw === 'resolved' || raw === 'closed' ? raw : 'current';
}

async function renderNewForm(ctx: WebContext, req: Request, res: Response, values: Record<string, unknown>, errors: Record<string, string>, status = 200) {
  const contracts = await contractsWithParagraphs(ctx.db, currentUser(req));
  res.status(status).render('new-ticket', { contracts, values, errors, limits: ctx.limits });
}

/**
 * Parses a form with files, then checks its token whatever the parsing gave: a body broken
 * before its token could be read is a CSRF refusal (403) like any other request without one,
 * and only a request with a valid token learns that its body was malformed (400).
 */
function uploadThenVerify(upload: RequestHandler, verifyCsrf: RequestHandler): RequestHandler {
  return (req, res, next) => upload(req, res, (uploadErr?: unknown) => verifyCsrf(req, res, (csrfErr?: unknown) => next(csrfErr ?? uploadErr)));
}

/**
 * The forms that carry files. They are mounted before the app-wide CSRF check, which refuses
 * every other multipart body: their token is in the multipart body, so it is checked once the
 * body is parsed (`verifyCsrf` after `upload`), and never skipped.
 */
export function ticketUploadRoutes(ctx: WebContext, verifyCsrf: RequestHandler): Router {
  const r = Router();
  const upload = uploadThenVerify(uploadFiles(ctx.limits), verifyCsrf);

  r.post('/tickets/new', requireUser, upload, async (req, res) => {
    // multipart fields are parsed here, after the app-wide input cleaning: the form shown again keeps no NUL
    const values = cleanStrings({ ...req.body });
    delete values._csrf;
    if (req.uploadError) return renderNewForm(ctx, req, res, values, { files: req.uploadError }, 400);
    try {
      const { number } = await createTicket(ctx, currentUser(req), values, incomingFiles(req), 'web');
      res.redirect(303, `/tickets/${number}`);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      await renderNewForm(ctx, req, res, values, e.fields, 400);
    }
  });

  r.post('/tickets/:number/messages', requireUser, upload, async (req, res) => {
    const number = parseTicketNumber(req.params.number);
    const values = cleanStrings({ body: req.body.body, internal: req.body.internal });
    if (req.uploadError) {
      return renderTicket(ctx, req, res, number, 'conversation', { form: 'message', values, errors: { files: req.uploadError } }, 400);
    }
    try {
      await addMessage(ctx, currentUser(req), number, values, incomingFiles(req), 'web');
      res.redirect(303, `/tickets/${number}/komunikace`);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      await renderTicket(ctx, req, res, number, 'conversation', { form: 'message', values, errors: e.fields }, 400);
    }
  });

  return r;
}

export function ticketRoutes(ctx: WebContext): Router {
  const r = Router();

  r.get('/', requireUser, (req, res) => res.redirect(isStaff(currentUser(req)) ? '/staff/queue' : '/tickets'));

  r.get('/tickets', requireUser, async (req, res) => {
    const list = listName(req.query.list);
    const page = optionalInt(req.query.page, 'page', PAGE, 1);
    const result = await listTickets(ctx.reads, currentUser(req), list, page);
    res.render('overview', { list, dateColumn: LIST_DATE[list], result, search: '', searchError: null });
  });

  r.get('/tickets/search', requireUser, async (req, res) => {
    const q = String(req.query.q ?? '').trim();
    const asked = boundedInt(q, BIG_ID);
    const found = asked === undefined ? null : await findVisibleNumber(ctx.reads, currentUser(req), asked);
    if (found !== null) return res.redirect(`/tickets/${found}`);
    const result = await listTickets(ctx.reads, currentUser(req), 'current', 1);
    const searchError = asked === undefined ? cs.overview.badNumber : cs.overview.notFound(q);
    res.status(404).render('overview', { list: 'current', dateColumn: LIST_DATE.current, result, search: q, searchError });
  });

  r.get('/tickets/new', requireUser, async (req, res) => {
    const user = currentUser(req);
    await renderNewForm(ctx, req, res, { contact_email: user.email }, {});
  });

  for (const [tab, suffix] of Object.entries(TAB_PATHS) as [Tab, string][]) {
    r.get(`/tickets/:number${suffix}`, requireUser, async (req, res) => {
      await renderTicket(ctx, req, res, parseTicketNumber(req.params.number), tab);
    });
  }

  r.post('/tickets/:number/complaint', requireUser, async (req, res) => {
    const number = parseTicketNumber(req.params.number);
    try {
      await fileComplaint(ctx, currentUser(req), number, { reason: req.body.reason });
      res.redirect(303, `/tickets/${number}`);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      await renderTicket(ctx, req, res, number, 'request', { form: 'complain', values: { reason: req.body.reason }, errors: e.fields }, 400);
    }
  });

  r.get('/tickets/:number/attachments/:id', requireUser, async (req, res) => {
    const number = parseTicketNumber(req.params.number);
    const fileId = parseTicketNumber(req.params.id);
    const file = await attachmentForDownload(ctx.reads, currentUser(req), number, fileId);
    // always a download with a passive type: uploaded HTML or SVG must never render in our origin
    await sendAttachment(ctx.reads, req, res, file);
  });

  return r;
}
