import { z } from 'zod';
import { type Action, actionInputs, actionTargets, isFinal, nextState, type Requirement, type StateCode, TRANSITIONS, TransitionError } from '../domain/states.js';
import { cs } from '../i18n/cs.js';
import { type Actor, actorId, actorKind, SYSTEM } from './actor.js';
import type { ServiceContext, Tx } from './context.js';
import { ConflictError, ValidationError } from './errors.js';
import { type EventKind, recordEvent } from './history.js';
import { notifyStateChange, type QueuedMail } from './notifications.js';
import { notifyAssigned, notifyAssigneeOfComplaint } from './staff-notifications.js';
import { refreshStoredSla } from './sla.js';
import { type LockedTicket, lockVisibleTicket } from './ticket-lock.js';
import { id, optionalText, parseInput, requiredText } from './validate.js';

const EVENT_KIND: Partial<Record<Action, EventKind>> = {
  complain: 'complaint',
  uphold_complaint: 'complaint_decision',
  reject_complaint: 'complaint_decision',
};

async function stateBeforePause(trx: Tx, ticket: number): Promise<StateCode | null> {
  const row = await trx('ticket_events')
    .where({ ticket_number: ticket, to_state: 'paused' })
    .orderBy('id', 'desc')
    .first('from_state');
  return (row?.from_state as StateCode | undefined) ?? null;
}

/** Refuses what the transition table forbids, before any input is looked at. */
export function assertAllowed(ticket: LockedTicket, action: Action, actor: Actor, target?: StateCode): void {
  try {
    // resume's destination is resolved later; only the permission matters here
    nextState(ticket.state, action, actorKind(actor), { stateBeforePause: 'accepted', target: target ?? 'accepted' });
  } catch (e) {
    if (e instanceof TransitionError) {
      throw new ConflictError(cs.errors.transition(cs.actions[action], cs.states[ticket.state]));
    }
    throw e;
  }
}

/**
 * Moves a locked ticket to its next state and writes exactly one history event for it; returns
 * the new state and the notifications queued. The caller has already checked the action with
 * assertAllowed and validated its input.
 */
export async function applyTransition(
  ctx: ServiceContext,
  trx: Tx,
  actor: Actor,
  ticket: LockedTicket,
  action: Action,
  opts: { target?: StateCode; data?: Record<string, unknown>; set?: Record<string, unknown> } = {},
): Promise<{ state: StateCode; notifications: QueuedMail[] }> {
  const from = ticket.state;
  const before = from === 'paused' ? await stateBeforePause(trx, ticket.number) : null;
  const to = nextState(ticket.state, action, actorKind(actor), { stateBeforePause: before, target: opts.target });
  const stamps: Record<string, unknown> = { updated_at: trx.fn.now() };
  if (to === 'resolved') stamps.resolved_at = trx.fn.now();
  if (isFinal(to)) stamps.closed_at = trx.fn.now();
  await trx('tickets')
    .where({ number: ticket.number })
    .update({ state: to, ...stamps, ...opts.set });
  await recordEvent(trx, {
    ticket: ticket.number,
    actor,
    kind: EVENT_KIND[action] ?? 'state_changed',
    from: ticket.state,
    to,
    data: { action, ...opts.data },
  });
  ticket.state = to;
  await refreshStoredSla(trx, ticket.number);
  const notifications = await notifyStateChange(ctx, trx, ticket.number, from, to, opts.data ?? {});
  return { state: to, notifications };
}

async function addSystemMessage(trx: Tx, ticket: number, actor: Actor, body: string): Promise<void> {
  await trx('ticket_messages').insert({ ticket_number: ticket, author_id: actorId(actor), body, source: 'system' });
}

async function addStaffMessage(trx: Tx, ticket: number, actor: Actor, body: string): Promise<void> {
  const [row] = await trx('ticket_messages')
    .insert({ ticket_number: ticket, author_id: actorId(actor), body, source: 'web' })
    .returning('id');
  await recordEvent(trx, { ticket, actor, kind: 'message', data: { message_id: Number(row.id) } });
}

/** An active staff member who can take a ticket, or a Czech error on the assignee field. */
export async function activeStaff(trx: Tx, userId: number): Promise<{ id: number; name: string }> {
  const user = await trx('users').where({ id: userId, active: true }).whereIn('role', ['agent', 'admin']).first('id', 'name');
  if (!user) throw new ValidationError({ assignee_id: cs.errors.choice });
  return user;
}

/**
 * One state-changing use case on a ticket the actor may see: called as (ctx, actor, number,
 * input) it runs in a transaction of its own; its `inTx(trx, ctx, actor, number, input)` runs in
 * the caller's transaction and commits or rolls back with it.
 */
function useCase<I>(
  action: Action,
  body: (trx: Tx, actor: Actor, ticket: LockedTicket, input: I, ctx: ServiceContext) => Promise<void>,
  target?: (input: unknown) => StateCode | undefined,
) {
  const inTx = async (trx: Tx, ctx: ServiceContext, actor: Actor, number: number, input: I): Promise<StateCode> => {
    const ticket = await lockVisibleTicket(trx, actor, number);
    assertAllowed(ticket, action, actor, target?.(input));
    await body(trx, actor, ticket, input, ctx);
    return ticket.state;
  };
  const run = (ctx: ServiceContext, actor: Actor, number: number, input: I): Promise<StateCode> =>
    ctx.db.transaction((trx) => inTx(trx, ctx, actor, number, input));
  return Object.assign(run, { inTx });
}

/** The form field and its validation for each input the transition table names. */
const INPUT_FIELDS: Record<Exclude<Requirement, 'target'>, { field: string; schema: z.ZodTypeAny }> = {
  reason: { field: 'reason', schema: requiredText(5000) },
  resolution: { field: 'resolution', schema: requiredText(20_000) },
  cooperation: { field: 'cooperation', schema: requiredText(20_000) },
  assignee: { field: 'assignee_id', schema: id },
  note: { field: 'note', schema: optionalText(5000) },
};

/** An action's input schema, built from the inputs its rule names (DESIGN §3: the table is the one source). */
function inputSchema(action: Action) {
  const shape: Record<string, z.ZodTypeAny> = {};
  for (const { requirement, required } of actionInputs(action)) {
    if (requirement === 'target') {
      const targets = actionTargets(action) as [StateCode, ...StateCode[]];
      shape.target = z.enum(targets, { errorMap: () => ({ message: cs.errors.choice }) });
    } else {
      const { field, schema } = INPUT_FIELDS[requirement];
      shape[field] = required ? schema : schema.optional();
    }
  }
  return z.object(shape);
}
const INPUT_SCHEMAS = Object.fromEntries(TRANSITIONS.map((t) => [t.action, inputSchema(t.action)])) as Record<
  Action,
  z.ZodObject<Record<string, z.ZodTypeAny>>
>;
const parseFor = <T>(action: Action, input: unknown): T => parseInput(INPUT_SCHEMAS[action], input) as T;

type Input = Record<string, unknown>;
const upholdTarget = (input: unknown): StateCode | undefined => {
  const t = (input as Input | undefined)?.target;
  return actionTargets('uphold_complaint').find((s) => s === t);
};

/** Staff accept a new ticket; whoever accepts it handles it until someone is assigned. */
export const acceptTicket = useCase<Input>('accept', async (trx, actor, ticket, _input, ctx) => {
  const set = ticket.assignee_id === null && actor !== SYSTEM ? { assignee_id: actor.id } : {};
  await applyTransition(ctx, trx, actor, ticket, 'accept', { set, data: set.assignee_id ? { assignee: actor.name } : {} });
});

export const escalateTicket = useCase<Input>('escalate', async (trx, actor, ticket, input, ctx) => {
  const { assignee_id } = parseFor<{ assignee_id: number }>('escalate', input);
  const solver = await activeStaff(trx, assignee_id);
  await applyTransition(ctx, trx, actor, ticket, 'escalate', {
    set: { assignee_id: solver.id },
    data: { assignee_id: solver.id, assignee: solver.name },
  });
  await notifyAssigned(ctx, trx, ticket.number, actor);
});

/** Staff pause the ticket and ask the customer for cooperation (a message they see). */
export const pauseTicket = useCase<Input>('pause', async (trx, actor, ticket, input, ctx) => {
  const { cooperation } = parseFor<{ cooperation: string }>('pause', input);
  await addStaffMessage(trx, ticket.number, actor, cooperation);
  await applyTransition(ctx, trx, actor, ticket, 'pause', { data: { cooperation } });
});

export const resumeTicket = useCase<Input>('resume', async (trx, actor, ticket, _input, ctx) => {
  await applyTransition(ctx, trx, actor, ticket, 'resume');
});

export const resolveTicket = useCase<Input>('resolve', async (trx, actor, ticket, input, ctx) => {
  const { resolution } = parseFor<{ resolution: string }>('resolve', input);
  await applyTransition(ctx, trx, actor, ticket, 'resolve', { set: { resolution }, data: { resolution } });
});

export const closeTicket = useCase<Input>('close', async (trx, actor, ticket, _input, ctx) => {
  await applyTransition(ctx, trx, actor, ticket, 'close');
});

/** Staff cancel (wrong classification, duplicate); the customer is told why in the conversation. */
export const cancelTicket = useCase<Input>('cancel', async (trx, actor, ticket, input, ctx) => {
  const { reason } = parseFor<{ reason: string }>('cancel', input);
  await addSystemMessage(trx, ticket.number, actor, cs.systemMessages.cancelled(reason));
  await applyTransition(ctx, trx, actor, ticket, 'cancel', { data: { reason } });
});

/** The customer contests the resolution (Reklamace). */
export const fileComplaint = useCase<Input>('complain', async (trx, actor, ticket, input, ctx) => {
  const { reason } = parseFor<{ reason: string }>('complain', input);
  await applyTransition(ctx, trx, actor, ticket, 'complain', { data: { reason } });
  await notifyAssigneeOfComplaint(ctx, trx, ticket.number, actor.name, reason);
});

export const upholdComplaint = useCase<Input>(
  'uphold_complaint',
  async (trx, actor, ticket, input, ctx) => {
    const { target, note } = parseFor<{ target: StateCode; note?: string }>('uphold_complaint', input);
    await addSystemMessage(trx, ticket.number, actor, note ? `${cs.systemMessages.complaintUpheld}\n${note}` : cs.systemMessages.complaintUpheld);
    // the ticket is open again: the contested resolution stays in the history only
    await applyTransition(ctx, trx, actor, ticket, 'uphold_complaint', {
      target,
      set: { resolution: null, resolved_at: null },
      data: { upheld: true, note: note ?? null },
    });
  },
  upholdTarget,
);

export const rejectComplaint = useCase<Input>('reject_complaint', async (trx, actor, ticket, input, ctx) => {
  const { reason } = parseFor<{ reason: string }>('reject_complaint', input);
  await addSystemMessage(trx, ticket.number, actor, cs.systemMessages.complaintRejected(reason));
  await applyTransition(ctx, trx, actor, ticket, 'reject_complaint', { data: { upheld: false, reason } });
});

/** One entry per action of the transition table, for channels that dispatch by name. */
export const TRANSITION_USE_CASES: Record<Action, ReturnType<typeof useCase<Input>>> = {
  accept: acceptTicket,
  escalate: escalateTicket,
  pause: pauseTicket,
  resume: resumeTicket,
  resolve: resolveTicket,
  close: closeTicket,
  cancel: cancelTicket,
  complain: fileComplaint,
  uphold_complaint: upholdComplaint,
  reject_complaint: rejectComplaint,
};
