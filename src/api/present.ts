import type { ClockResult } from '../domain/sla/index.js';
import type { StateCode } from '../domain/states.js';
import { cs } from '../i18n/cs.js';
import type { ApiMessageRow, ApiTicketRow, ApiTicketSummaryRow } from '../services/reads/api-tickets.js';
import type { StoredAttachment } from '../services/attachments.js';
import type { CreatedTicket } from '../services/create-ticket.js';
import type { TicketClocks } from '../services/sla.js';

/*
 * Presenters: internal rows in, the public shapes of schemas/ out. Only what the schema names is
 * copied (never a row spread), so a column added to a read never leaks into the API.
 */

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

export const presentAttachment = (a: StoredAttachment) => ({ id: Number(a.id), name: a.name, content_type: a.content_type, size: Number(a.size) });

export const presentState = (code: StateCode) => ({ code, label: cs.states[code] });

function presentClock(clock: ClockResult | null) {
  if (!clock) return { due: null, breached: null, state: 'not_applicable' as const };
  return { due: clock.due ? clock.due.toUTC().toISO() : null, breached: clock.breached, state: clock.clock };
}

export const presentClocks = (clocks: TicketClocks) => ({ reaction: presentClock(clocks.reaction), resolution: presentClock(clocks.resolution) });

function presentCommon(row: Omit<ApiTicketSummaryRow, 'position'>) {
  return {
    number: row.number,
    subject: row.subject,
    state: presentState(row.state),
    paragraph: { code: row.paragraph_code, name: row.paragraph_name },
    channel: row.channel,
    external_id: row.external_id,
    assignee_name: row.assignee_name,
    created_at: iso(row.created_at)!,
    updated_at: iso(row.updated_at)!,
    resolved_at: iso(row.resolved_at),
    closed_at: iso(row.closed_at),
  };
}

export function presentTicket(row: ApiTicketRow) {
  const { number, subject, ...rest } = presentCommon(row);
  return { number, subject, description: row.description, ...rest, sla: presentClocks(row.clocks), attachments: row.attachments.map(presentAttachment) };
}

/**
 * A ticket the API just created, from what the creation returned (a use case's caller never
 * reads its own writes back): the same shape GET /api/v1/tickets/{number} shows.
 */
export function presentCreatedTicket(created: CreatedTicket, origin: { paragraph: { code: string; name: string }; externalId: string | null }) {
  const at = created.createdAt.toISOString();
  return {
    number: created.number,
    subject: created.subject,
    description: created.description,
    state: presentState('new'),
    paragraph: { code: origin.paragraph.code, name: origin.paragraph.name },
    channel: 'api',
    external_id: origin.externalId,
    assignee_name: null,
    created_at: at,
    updated_at: at,
    resolved_at: null,
    closed_at: null,
    sla: presentClocks(created.clocks),
    attachments: created.attachments.map(presentAttachment),
  };
}

export const presentTicketSummary = (row: ApiTicketSummaryRow) => presentCommon(row);

export function presentMessage(row: ApiMessageRow) {
  return {
    body: row.body,
    channel: row.source,
    author: { name: row.author_name ?? cs.history.system, role: row.author_role === 'customer' ? ('customer' as const) : ('staff' as const) },
    created_at: iso(row.created_at)!,
    attachments: row.attachments.map(presentAttachment),
  };
}
