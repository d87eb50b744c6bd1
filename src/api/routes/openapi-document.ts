import { defineRoute } from '../route.js';
import { z } from '../zod.js';

/** GET /api/v1/openapi.json: the document, without a token (API.md §2). */
export const openApiDocumentRoute = defineRoute({
  method: 'get',
  path: '/api/v1/openapi.json',
  auth: 'none',
  operationId: 'getOpenApiDocument',
  summary: 'Dokument OpenAPI 3.1 tohoto API',
  tags: ['documentation'],
  responses: { 200: { description: 'Dokument OpenAPI 3.1', schema: z.object({ openapi: z.string() }).passthrough() } },
  async handle({ document }) {
    return { status: 200, body: document() };
  },
});
