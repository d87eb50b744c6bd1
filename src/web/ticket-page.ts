import { billableByDefault, type Kind } from '../domain/report/index.js';
import type { Request, Response } from 'express';
import { type Action, actionInputs, actionTargets, allowedActions, customerMayComment, isFinal, staffMayComment } from '../domain/states.js';
import { actorKind, isStaff } from '../services/actor.js';
import { paragraphsOfContract, ticketPageSolvers } from '../services/reads/choices.js';
import { latestComplaintReason, latestPauseRequest, type TabRows, ticketEfforts, ticketEvents, ticketWithTab } from '../services/reads/ticket-page.js';
import { clocksOf } from '../services/sla.js';
import { currentUser } from './auth.js';
import type { WebContext } from './context.js';
import type { FormErrors, FormValues } from './form.js';
import { pathId } from './params.js';

/** The ticket page's tabs and their paths under /tickets/:number. */
export type Tab = 'request' | 'conversation' | 'evaluation' | 'history';
export const TAB_PATHS: Record<Tab, string> = { request: '', conversation: '/komunikace', evaluation: '/vyhodnoceni', history: '/historie' };
/** the rows a tab shows that come with the ticket's header statement */
const TAB_ROWS: Record<Tab, TabRows> = { request: 'attachments', conversation: 'messages', evaluation: 'none', history: 'none' };

/**
 * The destructive actions: their form carries a required "Potvrzuji" checkbox (`confirm=1`) and
 * the server refuses them without it (routes/staff.ts), with or without JavaScript.
 */
export const CONFIRMED_ACTIONS: readonly Action[] = ['cancel', 'reject_complaint'];

/** Form state shown again after a refused submission: which form, its values, its errors. */
export interface FormState {
  form: string;
  values: FormValues;
  errors: FormErrors;
}

/**
 * Renders one tab of the ticket page (the customers' and the staff's, with the refused form's
 * state when given) with the response's status; throws NotFoundError for a ticket the user may
 * not see.
 */
export async function renderTicket(ctx: WebContext, req: Request, res: Response, number: number, tab: Tab, state?: FormState) {
  const user = currentUser(req);
  // Komunikace's messages and Zadání's attachments come with the header's statement
  const { ticket, messages, attachments } = await ticketWithTab(ctx, user, number, TAB_ROWS[tab]);
  const staff = isStaff(user);
  const clocks = clocksOf(ticket);
  const [events, efforts, solvers, paragraphs] = await Promise.all([
    tab === 'history' ? ticketEvents(ctx, user, number) : [],
    tab === 'evaluation' ? ticketEfforts(ctx, user, number) : [],
    staff ? ticketPageSolvers(ctx) : [],
    staff ? paragraphsOfContract(ctx, ticket.contract_id) : [],
  ]);
  const actions = allowedActions(ticket.state, actorKind(user));
  const complaint = ticket.state === 'complained' && tab !== 'history' ? await latestComplaintReason(ctx, number) : null;
  // the customer's banner while the ticket waits for them: what staff asked for when pausing it
  const pauseRequest = ticket.state === 'paused' && !staff ? await latestPauseRequest(ctx, number) : null;
  res.render('ticket', {
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
    pauseRequest,
    actions,
    // the staff panel's forms: the table's actions for staff, each with the inputs its rule names
    actionForms: staff
      ? actions.map((action) => ({ action, inputs: actionInputs(action), targets: actionTargets(action), confirm: CONFIRMED_ACTIONS.includes(action) }))
      : [],
    ticketFinal: isFinal(ticket.state),
    mayComment: staff ? staffMayComment(ticket.state) : customerMayComment(ticket.state),
    form: state ?? { form: '', values: {}, errors: {} },
    limits: ctx.limits,
    billableDefault: billableByDefault(ticket.paragraph_kind as Kind),
  });
}

/**
 * formRoute's `renderAgain` for the forms of the ticket page (posted to /tickets/:number/...):
 * the tab again with the refused form's values and errors next to it.
 */
export function ticketFormAgain(ctx: WebContext, tab: Tab, form: string | ((req: Request) => string)) {
  return (req: Request, res: Response, values: FormValues, errors: FormErrors) =>
    renderTicket(ctx, req, res, pathId(req.params.number), tab, { form: typeof form === 'string' ? form : form(req), values, errors });
}
