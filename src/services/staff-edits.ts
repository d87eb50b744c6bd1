import { z } from 'zod';
import { FINAL_STATES } from '../domain/states.js';
import { cs } from '../i18n/cs.js';
import { type Actor, isStaff } from './actor.js';
import type { ServiceContext } from './context.js';
import { ConflictError, ForbiddenError, ValidationError } from './errors.js';
import { recordEvent } from './history.js';
import { notifyAssigned } from './staff-notifications.js';
import { activeStaff } from './transitions.js';
import { refreshStoredSla } from './sla.js';
import { type LockedTicket, lockVisibleTicket } from './ticket-lock.js';
import type { Tx } from './context.js';
import { id, optionalId, optionalText, parseInput } from './validate.js';

/** Staff-only edits that do not change the state: run them on an open ticket in one transaction. */
async function staffEdit<T>(
  ctx: ServiceContext,
  actor: Actor,
  number: number,
  body: (trx: Tx, ticket: LockedTicket) => Promise<T>,
): Promise<T> {
  if (!isStaff(actor)) throw new ForbiddenError();
  return ctx.db.transaction(async (trx) => {
    const ticket = await lockVisibleTicket(trx, actor, number);
    if (FINAL_STATES.includes(ticket.state)) throw new ConflictError(cs.errors.commentClosed);
    return body(trx, ticket);
  });
}

/** Hand the ticket to another solver (or nobody) without changing its state. */
export async function assignTicket(ctx: ServiceContext, actor: Actor, number: number, input: unknown): Promise<void> {
  const { assignee_id } = parseInput(z.object({ assignee_id: optionalId }), input);
  await staffEdit(ctx, actor, number, async (trx, ticket) => {
    const name = assignee_id === undefined ? null : (await activeStaff(trx, assignee_id)).name;
    if ((ticket.assignee_id ?? undefined) === assignee_id) return;
    await trx('tickets').where({ number }).update({ assignee_id: assignee_id ?? null, updated_at: trx.fn.now() });
    await recordEvent(trx, { ticket: number, actor, kind: 'assigned', data: { assignee_id: assignee_id ?? null, assignee: name } });
    if (assignee_id !== undefined) await notifyAssigned(ctx, trx, number, actor);
  });
}

/** Reclassify: another paragraph of the same contract, and/or the category. One event per changed field. */
export async function changeClassification(ctx: ServiceContext, actor: Actor, number: number, input: unknown): Promise<void> {
  const data = parseInput(z.object({ paragraph_id: id, category: optionalText(100) }), input);
  await staffEdit(ctx, actor, number, async (trx, ticket) => {
    const paragraphs = await trx('contract_paragraphs')
      .whereIn('id', [ticket.paragraph_id, data.paragraph_id])
      .select('id', 'contract_id', 'code', 'name', 'active');
    const next = paragraphs.find((p) => p.id === data.paragraph_id);
    const prev = paragraphs.find((p) => p.id === ticket.paragraph_id);
    if (!next || next.contract_id !== ticket.contract_id || (!next.active && next.id !== prev?.id)) {
      throw new ValidationError({ paragraph_id: cs.errors.choice });
    }
    const changes: Record<string, unknown> = {};
    if (next.id !== ticket.paragraph_id) {
      changes.paragraph_id = next.id;
      await recordEvent(trx, {
        ticket: number,
        actor,
        kind: 'field_changed',
        // the ids let the monthly report place later events under the new paragraph
        data: { field: 'paragraph', from: prev ? `${prev.code} ${prev.name}` : null, to: `${next.code} ${next.name}`, from_id: prev?.id ?? null, to_id: next.id },
      });
    }
    const category = data.category ?? null;
    if (category !== ticket.category) {
      changes.category = category;
      await recordEvent(trx, { ticket: number, actor, kind: 'field_changed', data: { field: 'category', from: ticket.category, to: category } });
    }
    if (Object.keys(changes).length > 0) await trx('tickets').where({ number }).update({ ...changes, updated_at: trx.fn.now() });
    // another paragraph means other targets; the clocks still start at the submission
    if (changes.paragraph_id) await refreshStoredSla(trx, number);
  });
}
