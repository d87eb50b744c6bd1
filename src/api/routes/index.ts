import type { ApiRoute } from '../route.js';
import { apiDocsPage } from './docs-page.js';
import { getTicket } from './get-ticket.js';
import { openApiDocumentRoute } from './openapi-document.js';

/**
 * Every endpoint of the integration API, in the order the document lists them. A new endpoint
 * is a module in this folder exporting its route (defineRoute: method, path, schemas, handler)
 * and one line here; the router and the OpenAPI document both read this list.
 */
export const apiRoutes: readonly ApiRoute[] = [getTicket, openApiDocumentRoute, apiDocsPage];
