import { z } from '../zod.js';

/**
 * Prometheus Alertmanager's webhook payload, version 4 (webhook_config, Alertmanager 0.x): the
 * shape test/fixtures/alertmanager/*.json were captured in. Fields a later Alertmanager adds are
 * ignored, not refused, so an upgrade of the sender does not break the receiver.
 */
const labels = z.record(z.string().max(10_000)).openapi({ example: { alertname: 'HighLatency', instance: 'db1:9100' } });
const status = z.enum(['firing', 'resolved']);
/** RFC 3339 as Go writes it (nanoseconds; the zero time 0001-01-01T00:00:00Z for "no end yet") */
const goTime = z.string().max(64).openapi({ example: '2026-11-27T11:38:24.238493617Z' });

export const alertSchema = z
  .object({
    status,
    labels,
    annotations: labels.default({}),
    startsAt: goTime,
    endsAt: goTime,
    generatorURL: z.string().max(10_000).default(''),
    fingerprint: z.string().min(1).max(200).openapi({ example: 'ed40415e09ba2203' }),
  })
  .openapi('Alert');

export const alertNotificationSchema = z
  .object({
    version: z.literal('4'),
    groupKey: z.string().min(1).max(10_000).openapi({ example: '{}:{alertname="HighLatency", instance="db1:9100"}' }),
    status,
    receiver: z.string().max(1_000),
    groupLabels: labels,
    commonLabels: labels,
    commonAnnotations: labels,
    externalURL: z.string().max(10_000),
    alerts: z.array(alertSchema).min(1).max(10_000),
    truncatedAlerts: z.number().int().min(0).default(0),
  })
  .openapi('AlertmanagerNotification');

export const alertResultSchema = z
  .object({
    ticket: z.number().int().nullable().openapi({ description: 'Číslo požadavku skupiny; null, když se nic nestalo (vše vyřešeno, žádný otevřený požadavek)', example: 98001 }),
    outcome: z.enum(['created', 'message_added', 'unchanged', 'ignored']).openapi({
      description: 'created: první upozornění založilo požadavek; message_added: upozornění přibylo, znovu se spustilo nebo pominulo; unchanged: opakování toho, co požadavek už říká; ignored: pominulá upozornění bez otevřeného požadavku',
      example: 'created',
    }),
  })
  .openapi('AlertmanagerResult');
