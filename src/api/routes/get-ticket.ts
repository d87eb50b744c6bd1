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
  description: 'Požadavek se stavem, paragrafem, řešitelem a oběma hodinami SLA. Číslo jiné smlouvy je 404, stejně jako číslo, které neexistuje.',
  tags: ['tickets'],
  request: { params: getTicketParams },
  responses: { 200: { description: 'Požadavek', schema: getTicketResponse } },
  problems: [404],
  async handle({ pools, token, params }) {
    const row = await apiTicket(pools, { actor: token.actor, contractId: token.contractId }, params.number);
    return { status: 200, body: presentTicket(row) };
  },
});
