import { apiTicket } from '../../services/reads/api-tickets.js';
import { presentTicket } from '../present.js';
import { defineRoute } from '../route.js';
import { getTicketParams, getTicketResponse } from './get-ticket.schema.js';

/** GET /api/v1/tickets/{number}: one ticket of the token's contract with both SLA clocks. */
export const getTicket = defineRoute({
  method: 'get',
  path: '/api/v1/tickets/{number}',
  auth: 'token',
  operationId: 'getTicket',
  summary: 'Jeden požadavek smlouvy tokenu',
  description: 'The ticket with its state, paragraph, assignee and both SLA clocks. A number of another contract is 404, exactly as a number that does not exist.',
  tags: ['tickets'],
  request: { params: getTicketParams },
  responses: { 200: { description: 'The ticket', schema: getTicketResponse } },
  problems: [404],
  async handle({ pools, token, params }) {
    const row = await apiTicket(pools, { actor: token.actor, contractId: token.contractId }, params.number);
    return { status: 200, body: presentTicket(row) };
  },
});
