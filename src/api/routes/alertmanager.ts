import { receiveAlertsInTx } from '../../services/api/alertmanager.js';
import { defineRoute } from '../route.js';
import { alertNotificationSchema, alertResultSchema } from './alertmanager.schema.js';

/** POST /api/v1/alertmanager: Prometheus Alertmanager's webhook receiver (API.md §2). */
export const alertmanagerWebhook = defineRoute({
  method: 'post',
  path: '/api/v1/alertmanager',
  auth: 'token',
  operationId: 'receiveAlertmanagerNotification',
  summary: 'Příjem upozornění z Prometheus Alertmanageru',
  description:
    'Alertmanager’s webhook_config (payload version 4) with `http_config.authorization` carrying the token. One ticket per groupKey while that ticket is open: the first firing creates it (201); a later notification adds a message only when an alert joined the group, fired again or resolved (200, message_added); an unchanged repeat adds nothing (200, unchanged). A resolved group is said in a message; it never resolves the ticket. After staff resolve or close the ticket, the next firing opens a new one.',
  tags: ['alertmanager'],
  request: {
    body: alertNotificationSchema,
  },
  responses: {
    200: { description: 'A message was added, or nothing changed', schema: alertResultSchema },
    201: { description: 'The group’s ticket was created', schema: alertResultSchema },
  },
  async handle({ ctx, token, body, transact }) {
    return transact(async (trx) => {
      const result = await receiveAlertsInTx(trx, ctx, token, body);
      return { status: result.outcome === 'created' ? 201 : 200, body: result };
    });
  },
});
