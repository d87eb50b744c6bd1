import { fileFromBuffer } from '../../services/attachments.js';
import { createTicketInTx } from '../../services/create-ticket.js';
import { paragraphByCode } from '../../services/reads/api-tickets.js';
import { cs } from '../../i18n/cs.js';
import { presentCreatedTicket } from '../present.js';
import { problems } from '../problem.js';
import { defineRoute } from '../route.js';
import { createTicketBody, createTicketExample, createTicketResponse } from './create-ticket.schema.js';

/**
 * POST /api/v1/tickets: the web's creation use case (channel 'api'), reported as the token's
 * user in the token's contract; the history says "přes API: <token name>".
 */
export const createTicket = defineRoute({
  method: 'post',
  path: '/api/v1/tickets',
  auth: 'token',
  operationId: 'createTicket',
  summary: 'Založit požadavek',
  description:
    'Založí požadavek ve smlouvě tokenu, nahlášený jako uživatel tokenu, se SLA, historií a notifikacemi jako každý nový požadavek. ' +
    'Pošlete Idempotency-Key, aby opakování nikdy nezaložilo druhý požadavek.',
  tags: ['tickets'],
  request: { body: createTicketBody, bodyExample: createTicketExample },
  responses: { 201: { description: 'Založený požadavek (při opakovaném Idempotency-Key ten založený poprvé)', schema: createTicketResponse, location: true } },
  fieldPaths: { paragraph_id: '/paragraph', contract_id: '/paragraph', files: '/attachments' },
  async handle({ ctx, token, body, transact }) {
    const paragraph = body.paragraph ? await paragraphByCode(ctx.db, token.contractId, body.paragraph) : { id: token.paragraphId, ...token.paragraph };
    if (paragraph === null) throw problems.validation([{ path: '/paragraph', message: cs.api.validation.paragraph }]);
    const files = (body.attachments ?? []).map((a) => fileFromBuffer(a.name, a.content_type, Buffer.from(a.content_base64, 'base64')));
    const externalId = body.external_id ?? null;
    return transact(async (trx) => {
      const created = await createTicketInTx(
        trx,
        ctx,
        token.actor,
        {
          contract_id: token.contractId,
          paragraph_id: paragraph.id,
          subject: body.subject,
          description: body.description,
          contact_phone: body.contact_phone ?? token.phone ?? undefined,
          contact_email: body.contact_email ?? undefined,
        },
        { files, channel: 'api', via: token.name, externalId },
      );
      return { status: 201, body: presentCreatedTicket(created, { paragraph, externalId }), location: `/api/v1/tickets/${created.number}` };
    });
  },
});
