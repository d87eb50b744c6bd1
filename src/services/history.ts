import type { StateCode } from '../domain/states.js';
import { type Actor, actorId } from './actor.js';
import type { Tx } from './context.js';

export type EventKind =
  | 'created'
  | 'state_changed'
  | 'assigned'
  | 'message'
  | 'attachment'
  | 'complaint'
  | 'complaint_decision'
  | 'field_changed'
  | 'effort'
  /** a staff member changed or deleted their effort entry */
  | 'effort_changed'
  | 'effort_deleted'
  /** a mail-created ticket that follows a resolved or closed one */
  | 'linked'
  /** an e-mail attachment over the limits, not stored */
  | 'attachment_skipped'
  /** one of our notifications bounced */
  | 'delivery_failed'
  /** the first event of a ticket brought over from the old system */
  | 'imported';

export interface NewEvent {
  ticket: number;
  actor: Actor;
  kind: EventKind;
  from?: StateCode | null;
  to?: StateCode | null;
  data?: Record<string, unknown>;
  /** staff-only (internal notes, effort): never shown to customers */
  internal?: boolean;
}

/** Appends one history event; the table refuses updates and deletes. */
export async function recordEvent(trx: Tx, e: NewEvent): Promise<void> {
  await trx('ticket_events').insert(eventRow(e));
}

/** The ticket_events row of an event, for a statement that writes it along with other rows. */
export function eventRow(e: NewEvent) {
  return {
    ticket_number: e.ticket,
    actor_id: actorId(e.actor),
    kind: e.kind,
    from_state: e.from ?? null,
    to_state: e.to ?? null,
    data: JSON.stringify(e.data ?? {}),
    internal: e.internal ?? false,
  };
}
