import { apiTicketMessages } from '../../services/reads/api-tickets.js';
import { presentMessage } from '../present.js';
import { defineRoute } from '../route.js';
import { listMessagesParams, listMessagesResponse } from './list-messages.schema.js';

export const listMessages = defineRoute({
  method: 'get',
  path: '/api/v1/tickets/{number}/messages',
  auth: 'token',
  operationId: 'listMessages',
  summary: 'Komunikace požadavku',
  description: 'Zprávy, které vidí zákazník (nikdy interní poznámky dodavatele), od nejstarší.',
  tags: ['messages'],
  request: { params: listMessagesParams },
  responses: { 200: { description: 'Komunikace', schema: listMessagesResponse } },
  problems: [404],
  async handle({ pools, token, params }) {
    const rows = await apiTicketMessages(pools, { actor: token.actor, contractId: token.contractId }, params.number);
    return { status: 200, body: { items: rows.map(presentMessage) } };
  },
});
