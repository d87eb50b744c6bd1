import { fileFromBuffer } from '../../services/attachments.js';
import { addMessageInTx } from '../../services/conversation.js';
import { apiMessage, assertApiTicket } from '../../services/reads/api-tickets.js';
import { presentMessage } from '../present.js';
import { defineRoute } from '../route.js';
import { addMessageBody, addMessageParams, addMessageResponse } from './add-message.schema.js';

/**
 * POST /api/v1/tickets/{number}/messages: the web's addMessage as the token's user, so the same
 * rules hold (409 on a resolved or closed ticket; a paused ticket resumes).
 */
export const addMessage = defineRoute({
  method: 'post',
  path: '/api/v1/tickets/{number}/messages',
  auth: 'token',
  operationId: 'addMessage',
  summary: 'Přidat zprávu do komunikace',
  description:
    'Přidá zprávu jako uživatel tokenu, tak jako zákazník na webu: ne k vyřešenému, uzavřenému ani zrušenému požadavku (409); pozastavený požadavek se obnoví.',
  tags: ['messages'],
  request: { params: addMessageParams, body: addMessageBody, bodyExample: { body: 'Zabbix: problém trvá, volné místo 3 %.' } },
  responses: { 201: { description: 'Přidaná zpráva', schema: addMessageResponse } },
  problems: [404, 409],
  fieldPaths: { body: '/body', files: '/attachments' },
  async handle({ ctx, token, params, body, transact }) {
    const files = (body.attachments ?? []).map((a) => fileFromBuffer(a.name, a.content_type, Buffer.from(a.content_base64, 'base64')));
    return transact(async (trx) => {
      // the token's contract first: a ticket of another contract is not found, even where its user could see it
      await assertApiTicket(trx, { actor: token.actor, contractId: token.contractId }, params.number);
      const added = await addMessageInTx(trx, ctx, token.actor, params.number, { body: body.body }, { files, source: 'api' });
      return { status: 201, body: presentMessage(await apiMessage(trx, added.messageId)) };
    });
  },
});
