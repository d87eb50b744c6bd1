import { ticketNumberParams } from '../schemas/common.js';
import { ticketSchema } from '../schemas/ticket.js';

/** GET /api/v1/tickets/{number}: the number in the path; the ticket with both SLA clocks. */
export const getTicketParams = ticketNumberParams;
export const getTicketResponse = ticketSchema;
