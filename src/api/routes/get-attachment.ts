import { apiAttachment } from '../../services/reads/api-tickets.js';
import { defineRoute } from '../route.js';
import { attachmentContent, getAttachmentParams } from './get-attachment.schema.js';

/**
 * GET /api/v1/tickets/{number}/attachments/{id}: the file of a message the customer sees, always
 * as application/octet-stream with its name in Content-Disposition (its own type is in the
 * message's attachments[].content_type), so nothing a caller fetches is ever rendered.
 */
export const getAttachment = defineRoute({
  method: 'get',
  path: '/api/v1/tickets/{number}/attachments/{id}',
  auth: 'token',
  operationId: 'getAttachment',
  summary: 'Stáhnout přílohu',
  description: 'Obsah přílohy, kterou vidí zákazník. Příloha interní poznámky, příloha jiné smlouvy i neexistující příloha jsou stejné 404.',
  tags: ['messages'],
  request: { params: getAttachmentParams },
  responses: { 200: { description: 'Soubor', schema: attachmentContent, contentType: 'application/octet-stream' } },
  problems: [404],
  async handle({ pools, token, params }) {
    const file = await apiAttachment(pools, { actor: token.actor, contractId: token.contractId }, params.number, params.id);
    return { status: 200, body: file.content, contentType: 'application/octet-stream', download: file.name };
  },
});
