import { type Request, Router } from 'express';
import { DateTime } from 'luxon';
import { DEFAULT_TIMEZONE, SlaInputError } from '../../domain/sla/index.js';
import { cs } from '../../i18n/cs.js';
import { deadlinesFor, paragraphZone } from '../../services/sla.js';
import { type Action, findRule, isStateCode, LIST_STATES } from '../../domain/states.js';
import type { WebContext } from '../context.js';
import { NotFoundError, ValidationError } from '../../services/errors.js';
import { contractsWithParagraphs, staffMembers } from '../../services/reads/choices.js';
import { COUNT_LIMIT, type QueueFilter, queueStateCounts, staffQueue } from '../../services/reads/lists.js';
import { assignTicket, changeClassification } from '../../services/staff-edits.js';
import { deleteEffort, editEffort, logEffort } from '../../services/effort.js';
import { TRANSITION_USE_CASES } from '../../services/transitions.js';
import { currentUser, requireStaff } from '../auth.js';
import { formRoute, type FormValues } from '../form.js';
import { boundedInt, INT4_ID, optionalInt, PAGE, pathId } from '../params.js';
import { setFlash } from '../sessions.js';
import { CONFIRMED_ACTIONS, type Tab, TAB_PATHS, ticketFormAgain } from '../ticket-page.js';

/** The "due within N hours" choices of the queue filter. */
export const SLA_WITHIN = [1, 4, 8, 24];

/** The queue's filter from the query; an empty field is "all", a number that is not one is 400. */
function queueFilter(q: Record<string, unknown>, me: number): QueueFilter {
  const state = String(q.state ?? 'open');
  const sla = q.sla === 'breached' ? 'breached' : optionalInt(q.sla, 'sla', INT4_ID, undefined);
  if (typeof sla === 'number' && !SLA_WITHIN.includes(sla)) throw new ValidationError({ sla: cs.errors.choice });
  return {
    state: state === 'open' ? 'open' : isStateCode(state) ? state : undefined,
    contract_id: optionalInt(q.contract, 'contract', INT4_ID, undefined),
    // 'me' (the tab Moje): the signed-in staff member
    assignee: q.assignee === 'none' ? 'none' : q.assignee === 'me' ? me : optionalInt(q.assignee, 'assignee', INT4_ID, undefined),
    text: typeof q.text === 'string' ? q.text.slice(0, 200) : undefined,
    sla,
    sort: q.sort === 'created_asc' || q.sort === 'due_asc' ? q.sort : 'created_desc',
    page: optionalInt(q.page, 'page', PAGE, 1),
  };
}

export function staffRoutes(ctx: WebContext): Router {
  const r = Router();

  r.get('/staff/queue', requireStaff, async (req, res) => {
    const user = currentUser(req);
    const filter = queueFilter(req.query as Record<string, unknown>, user.id);
    const [result, counts, contracts, solvers] = await Promise.all([
      staffQueue(ctx, user, filter),
      queueStateCounts(ctx, user, filter),
      contractsWithParagraphs(ctx, user),
      staffMembers(ctx),
    ]);
    res.render('queue', { result, counts, filter, contracts, solvers, slaWithin: SLA_WITHIN, query: req.query, me: user.id, countLimit: COUNT_LIMIT, openStates: LIST_STATES.current });
  });

  r.get('/staff/sla-calculator', requireStaff, async (req, res) => {
    const contracts = await contractsWithParagraphs(ctx, currentUser(req));
    // a paragraph that is not a number is refused like one that does not exist
    const paragraphId = boundedInt(req.query.paragraph_id, INT4_ID) ?? null;
    const badParagraph = paragraphId === null && req.query.paragraph_id !== undefined && req.query.paragraph_id !== '';
    const startText = typeof req.query.start === 'string' ? req.query.start : '';
    let result = null;
    let error: string | null = badParagraph ? cs.errors.choice : null;
    // the field the error is about, tied to it on the page (aria-invalid, aria-describedby)
    let errorField: 'paragraph_id' | 'start' | null = badParagraph ? 'paragraph_id' : null;
    if (paragraphId) {
      // a paragraph that does not exist is refused even before a start is given
      const zone = await paragraphZone(ctx, paragraphId);
      const start = zone && startText ? DateTime.fromISO(startText, { zone }) : null;
      if (!zone) [error, errorField] = [cs.errors.choice, 'paragraph_id'];
      else if (start && !start.isValid) [error, errorField] = [cs.errors.date, 'start'];
      else if (start) {
        try {
          result = { deadlines: await deadlinesFor(ctx, paragraphId, start.toJSDate()), start };
        } catch (e) {
          if (!(e instanceof SlaInputError)) throw e;
          error = `${cs.sla.calendarError} ${e.message}`;
          errorField = 'paragraph_id';
        }
      }
    }
    const now = DateTime.now().setZone(DEFAULT_TIMEZONE).toFormat("yyyy-MM-dd'T'HH:mm");
    res.status(error ? 400 : 200).render('sla-calculator', { contracts, paragraphId, startText: startText || now, result, error, errorField });
  });

  /**
   * Runs a staff use case on the ticket; refused input shows the ticket again with the errors next
   * to the form; done, the ticket's page shows `done` once (the flash).
   */
  const staffPost = (
    path: string,
    form: (req: Request) => string,
    run: (req: Request, number: number, values: FormValues) => Promise<unknown>,
    done: (req: Request) => string,
    backTo: Tab = 'request',
  ) => {
    r.post(
      path,
      requireStaff,
      formRoute(
        async (req, res, values) => {
          const number = pathId(req.params.number);
          await run(req, number, values);
          setFlash(req, done(req));
          res.redirect(303, `/tickets/${number}${TAB_PATHS[backTo]}`);
        },
        ticketFormAgain(ctx, backTo, form),
      ),
    );
  };

  // a customer's forged POST gets 404 from requireStaff; a forbidden transition gets 409 from the use case
  staffPost(
    '/tickets/:number/actions/:action',
    (req) => String(req.params.action),
    async (req, number, values) => {
      const action = String(req.params.action);
      if (!findRule(action)) throw new NotFoundError();
      // a destructive action is refused unless confirmed (the form's required "Potvrzuji"), with or without JavaScript
      if (CONFIRMED_ACTIONS.includes(action as Action) && values.confirm !== '1') throw new ValidationError({ confirm: cs.confirm.required });
      await TRANSITION_USE_CASES[action as Action](ctx, currentUser(req), number, values);
    },
    (req) => cs.flash.actions[String(req.params.action)] ?? '',
  );
  staffPost('/tickets/:number/assign', () => 'assign', (req, n, values) => assignTicket(ctx, currentUser(req), n, values), () => cs.flash.assigned);
  staffPost('/tickets/:number/classification', () => 'classification', (req, n, values) => changeClassification(ctx, currentUser(req), n, values), () => cs.flash.classified);
  staffPost('/tickets/:number/effort', () => 'effort', (req, n, values) => logEffort(ctx, currentUser(req), n, values), () => cs.flash.effortLogged, 'evaluation');
  staffPost(
    '/tickets/:number/effort/:id',
    // refused input comes back in that entry's own form, not in the new-entry form
    (req) => `effort-${String(req.params.id)}`,
    (req, n, values) => editEffort(ctx, currentUser(req), n, pathId(req.params.id), values),
    () => cs.flash.effortEdited,
    'evaluation',
  );
  staffPost('/tickets/:number/effort/:id/delete', () => 'effort', (req, n) => deleteEffort(ctx, currentUser(req), n, pathId(req.params.id)), () => cs.flash.effortDeleted, 'evaluation');

  return r;
}
