import { apiTicketPage } from '../../services/reads/api-tickets.js';
import { presentTicketSummary } from '../present.js';
import { defineRoute } from '../route.js';
import { encodeCursor, LIST_LIMIT_DEFAULT, listTicketsQuery, listTicketsResponse } from './list-tickets.schema.js';

/** GET /api/v1/tickets: the contract's tickets, newest first, a keyset page at a time. */
export const listTickets = defineRoute({
  method: 'get',
  path: '/api/v1/tickets',
  auth: 'token',
  operationId: 'listTickets',
  summary: 'Požadavky smlouvy tokenu',
  description:
    'Od nejnovějšího. Kurzor je neprůhledný a stálý: požadavky založené během stránkování nikdy nezpůsobí, že se položka zopakuje nebo chybí. ' +
    'Položky nemají popis ani SLA; ty dá GET požadavku.',
  tags: ['tickets'],
  request: { query: listTicketsQuery },
  responses: { 200: { description: 'Stránka požadavků', schema: listTicketsResponse } },
  async handle({ pools, token, query }) {
    const limit = query.limit ?? LIST_LIMIT_DEFAULT;
    const { rows, more } = await apiTicketPage(pools, { actor: token.actor, contractId: token.contractId }, {
      limit,
      ...(query.state ? { state: query.state } : {}),
      ...(query.external_id !== undefined ? { externalId: query.external_id } : {}),
      ...(query.updated_since ? { updatedSince: query.updated_since } : {}),
      ...(query.cursor ? { after: query.cursor } : {}),
    });
    const last = rows.at(-1);
    return { status: 200, body: { items: rows.map(presentTicketSummary), next_cursor: more && last ? encodeCursor(last.position) : null } };
  },
});
