/**
 * Ticket states and the ONE table of allowed transitions (DESIGN.md §3, manual §2.5 and §4).
 * The web pages show only the actions this table allows; services refuse all others.
 */
export const STATES = ['new', 'accepted', 'escalated', 'paused', 'resolved', 'closed', 'complained', 'cancelled'] as const;
export type StateCode = (typeof STATES)[number];

export type ActorKind = 'customer' | 'staff' | 'system';

export type Action =
  | 'accept'
  | 'escalate'
  | 'pause'
  | 'resume'
  | 'resolve'
  | 'close'
  | 'cancel'
  | 'complain'
  | 'uphold_complaint'
  | 'reject_complaint';

/**
 * What the actor supplies with the action: the staff panel shows one input per entry and the
 * action's input schema (services/transitions.ts) validates exactly these.
 */
export type Requirement = 'reason' | 'resolution' | 'assignee' | 'cooperation' | 'target' | 'note';

export interface TransitionRule {
  action: Action;
  from: readonly StateCode[];
  /** 'before_pause': back to the state the ticket had before it was paused; 'chosen': one of `targets`. */
  to: StateCode | 'before_pause' | 'chosen';
  targets?: readonly StateCode[];
  actors: readonly ActorKind[];
  requires: readonly Requirement[];
  /** inputs the actor may leave empty */
  optional?: readonly Requirement[];
}

export const TRANSITIONS: readonly TransitionRule[] = [
  { action: 'accept', from: ['new'], to: 'accepted', actors: ['staff'], requires: [] },
  { action: 'escalate', from: ['accepted'], to: 'escalated', actors: ['staff'], requires: ['assignee'] },
  { action: 'pause', from: ['accepted', 'escalated'], to: 'paused', actors: ['staff'], requires: ['cooperation'] },
  // a customer resumes a paused ticket by supplying the cooperation (a message)
  { action: 'resume', from: ['paused'], to: 'before_pause', actors: ['staff', 'customer'], requires: [] },
  { action: 'resolve', from: ['accepted', 'escalated'], to: 'resolved', actors: ['staff'], requires: ['resolution'] },
  { action: 'close', from: ['resolved'], to: 'closed', actors: ['staff', 'system'], requires: [] },
  {
    action: 'cancel',
    from: ['new', 'accepted', 'escalated', 'paused'],
    to: 'cancelled',
    actors: ['staff'],
    requires: ['reason'],
  },
  { action: 'complain', from: ['resolved'], to: 'complained', actors: ['customer'], requires: ['reason'] },
  {
    action: 'uphold_complaint',
    from: ['complained'],
    to: 'chosen',
    targets: ['accepted', 'escalated', 'paused'],
    actors: ['staff'],
    requires: ['target'],
    optional: ['note'],
  },
  { action: 'reject_complaint', from: ['complained'], to: 'resolved', actors: ['staff'], requires: ['reason'] },
];

/** The states no rule leaves (closed, cancelled): read off the table, not restated. */
export const FINAL_STATES: readonly StateCode[] = STATES.filter((s) => !TRANSITIONS.some((t) => t.from.includes(s)));

export function isFinal(state: StateCode): boolean {
  return FINAL_STATES.includes(state);
}

/** The customer overview's three lists (DESIGN.md §3). */
export type ListName = 'current' | 'resolved' | 'closed';
export const LIST_STATES: Record<ListName, readonly StateCode[]> = {
  current: ['new', 'accepted', 'escalated', 'paused', 'complained'],
  resolved: ['resolved'],
  closed: ['closed', 'cancelled'],
};

/**
 * Customers may write into the conversation while the ticket is being worked on, including
 * while their complaint waits (they may add to it; EMAIL.md §4.3.5), but not once resolved.
 */
export function customerMayComment(state: StateCode): boolean {
  return LIST_STATES.current.includes(state);
}

/** Staff may write (messages, internal notes) and edit the ticket until it is final. */
export function staffMayComment(state: StateCode): boolean {
  return !isFinal(state);
}

export function isStateCode(value: unknown): value is StateCode {
  return typeof value === 'string' && (STATES as readonly string[]).includes(value);
}

export class TransitionError extends Error {
  constructor(
    readonly action: string,
    readonly from: StateCode,
  ) {
    super(`Action ${action} is not allowed in state ${from}`);
  }
}

export function findRule(action: string): TransitionRule | undefined {
  return TRANSITIONS.find((t) => t.action === action);
}

export function allowedActions(state: StateCode, actor: ActorKind): Action[] {
  return TRANSITIONS.filter((t) => t.from.includes(state) && t.actors.includes(actor)).map((t) => t.action);
}

/** May this actor take this action in this state now? */
export function mayAct(state: StateCode, action: Action, actor: ActorKind): boolean {
  const rule = findRule(action);
  return Boolean(rule && rule.from.includes(state) && rule.actors.includes(actor));
}

/**
 * The rule by which `actor` took a ticket from `from` to `to` (a past history replayed, as an
 * import brings it); undefined when the table allows no such step. `beforePause` is the state a
 * paused ticket resumes to.
 */
export function ruleBetween(from: StateCode, to: StateCode, actor: ActorKind, beforePause: StateCode | null): TransitionRule | undefined {
  return TRANSITIONS.find(
    (r) =>
      r.from.includes(from) &&
      r.actors.includes(actor) &&
      (r.to === to || (r.to === 'before_pause' && beforePause === to) || (r.to === 'chosen' && (r.targets ?? []).includes(to))),
  );
}

/** Does the action ask the actor for a text (a reason, the resolution, the cooperation asked for)? */
export function needsText(rule: TransitionRule): boolean {
  return rule.requires.some((r) => r === 'reason' || r === 'resolution' || r === 'cooperation');
}

/** The inputs of an action, required first, then optional ones. */
export function actionInputs(action: Action): { requirement: Requirement; required: boolean }[] {
  const rule = findRule(action);
  if (!rule) return [];
  return [...rule.requires.map((r) => ({ requirement: r, required: true })), ...(rule.optional ?? []).map((r) => ({ requirement: r, required: false }))];
}

/** The states an action may choose between (an upheld complaint's target); empty for the others. */
export function actionTargets(action: Action): readonly StateCode[] {
  return findRule(action)?.targets ?? [];
}

/**
 * The state an action leads to, or TransitionError when the table does not allow it.
 * `stateBeforePause` is needed for resume, `target` for an upheld complaint.
 */
export function nextState(
  state: StateCode,
  action: string,
  actor: ActorKind,
  ctx: { stateBeforePause?: StateCode | null; target?: StateCode | null } = {},
): StateCode {
  const rule = findRule(action);
  if (!rule || !rule.from.includes(state) || !rule.actors.includes(actor)) {
    throw new TransitionError(action, state);
  }
  if (rule.to === 'before_pause') {
    const before = ctx.stateBeforePause;
    return before === 'accepted' || before === 'escalated' ? before : 'accepted';
  }
  if (rule.to === 'chosen') {
    if (!ctx.target || !rule.targets?.includes(ctx.target)) throw new TransitionError(action, state);
    return ctx.target;
  }
  return rule.to;
}

/** Replays state-changing history events; the result must equal the ticket's stored state. */
export function replayState(events: readonly { from_state: string | null; to_state: string | null }[]): StateCode | null {
  let state: StateCode | null = null;
  for (const e of events) {
    if (e.to_state === null) continue;
    if (state !== null && e.from_state !== state) {
      throw new Error(`History is inconsistent: event from ${e.from_state} while the ticket was ${state}`);
    }
    if (!isStateCode(e.to_state)) throw new Error(`Unknown state in history: ${e.to_state}`);
    state = e.to_state;
  }
  return state;
}
