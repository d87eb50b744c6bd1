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
    'webhook_config Alertmanageru (payload verze 4) s tokenem v `http_config.authorization`. Jeden požadavek na groupKey, dokud je otevřený: první upozornění ho založí (201); další notifikace přidá zprávu, jen když do skupiny upozornění přibylo, znovu se spustilo nebo pominulo (200, message_added); nezměněné opakování nepřidá nic (200, unchanged). Pominutí skupiny oznámí zpráva; požadavek tím nikdy nevyřeší. Když podpora požadavek vyřeší nebo uzavře, další upozornění založí nový.',
  tags: ['alertmanager'],
  request: {
    body: alertNotificationSchema,
  },
  responses: {
    200: { description: 'Zpráva byla přidána, nebo se nic nezměnilo', schema: alertResultSchema },
    201: { description: 'Požadavek skupiny byl založen', schema: alertResultSchema },
  },
  async handle({ ctx, token, body, transact }) {
    return transact(async (trx) => {
      const result = await receiveAlertsInTx(trx, ctx, token, body);
      return { status: result.outcome === 'created' ? 201 : 200, body: result };
    });
  },
});
