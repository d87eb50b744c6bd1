import { docsHtml } from '../docs-html.js';
import { defineRoute } from '../route.js';
import { z } from '../zod.js';

/** GET /api/v1/docs: the document rendered for people, without a token. */
export const apiDocsPage = defineRoute({
  method: 'get',
  path: '/api/v1/docs',
  auth: 'none',
  operationId: 'getApiDocs',
  summary: 'Popis API pro lidi (HTML)',
  tags: ['documentation'],
  responses: { 200: { description: 'Stránka HTML vytvořená z dokumentu OpenAPI', schema: z.string(), contentType: 'text/html' } },
  async handle({ document }) {
    return { status: 200, body: docsHtml(document()), contentType: 'text/html; charset=utf-8' };
  },
});
