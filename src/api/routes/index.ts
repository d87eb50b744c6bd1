import type { ApiRoute } from '../route.js';
import { alertmanagerWebhook } from './alertmanager.js';
import { addMessage } from './add-message.js';
import { createTicket } from './create-ticket.js';
import { apiDocsPage } from './docs-page.js';
import { getAttachment } from './get-attachment.js';
import { getTicket } from './get-ticket.js';
import { listMessages } from './list-messages.js';
import { listTickets } from './list-tickets.js';
import { openApiDocumentRoute } from './openapi-document.js';

/**
 * Every endpoint of the integration API, in the order the document lists them. A new endpoint
 * is a module in this folder exporting its route (defineRoute: method, path, schemas, handler)
 * and one line here; the router and the OpenAPI document both read this list.
 */
export const apiRoutes: readonly ApiRoute[] = [createTicket, listTickets, getTicket, listMessages, addMessage, getAttachment, alertmanagerWebhook, openApiDocumentRoute, apiDocsPage];
