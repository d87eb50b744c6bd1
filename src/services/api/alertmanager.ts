/**
 * Prometheus Alertmanager's webhook (API.md §2, issue 14): one ticket per (token, groupKey)
 * while that ticket is open. The first firing notification creates it; a later one adds a
 * message only when an alert of the group changed (a fingerprint joined, or one's status moved
 * between firing and resolved); Alertmanager's unchanged repeats (every repeat_interval) add
 * nothing. A resolved group is said in a message and never resolves the ticket: staff do.
 * Once the group's ticket is resolved, closed or cancelled, the next firing opens a new one.
 */
import { customerMayComment, type StateCode } from '../../domain/states.js';
import { cs } from '../../i18n/cs.js';
import type { ServiceContext, Tx } from '../context.js';
import { addMessageInTx } from '../conversation.js';
import { createTicketInTx, SUBJECT_MAX, TEXT_MAX } from '../create-ticket.js';
import type { ApiToken } from './authenticate.js';

export type AlertStatus = 'firing' | 'resolved';

/** One alert of a notification (the fields the ticket shows and the change detection reads). */
export interface Alert {
  status: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/** Alertmanager's webhook payload, version 4 (the channel validates it). */
export interface AlertNotification {
  version: string;
  groupKey: string;
  status: AlertStatus;
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: Alert[];
  truncatedAlerts: number;
}

/**
 * What a notification did: created the group's ticket, added a message to it, nothing (an
 * unchanged repeat), or nothing because there is no open ticket and nothing fires.
 */
export type AlertOutcome = 'created' | 'message_added' | 'unchanged' | 'ignored';

export interface AlertResult {
  outcome: AlertOutcome;
  /** the group's ticket; null when ignored */
  ticket: number | null;
}

/** fingerprint → status, as last reported (api_alert_groups.alerts) */
type AlertStates = Record<string, AlertStatus>;

const T = cs.apiAdmin.alerts;
/** Alertmanager's "no end yet" */
const ZERO_TIME = '0001-01-01T00:00:00Z';

const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
const pairs = (record: Record<string, string>) => Object.entries(record).map(([k, v]) => `${k}=${v}`).join(', ');

/** The ticket's subject: "alertname: summary" from the group's common labels and annotations. */
export function alertSubject(n: AlertNotification): string {
  const parts = [n.commonLabels.alertname, n.commonAnnotations.summary].map((p) => p?.trim()).filter((p): p is string => Boolean(p));
  return cut(parts.join(': ') || T.subjectFallback, SUBJECT_MAX);
}

/** One alert as text: its status, labels, annotations, times and where it came from. */
function alertText(alert: Alert, index: number, heading = T.alert(index, T.status[alert.status] ?? alert.status)): string {
  const lines = [heading, `${T.labels}: ${pairs(alert.labels)}`];
  const annotations = Object.entries(alert.annotations);
  if (annotations.length > 0) lines.push(`${T.annotations}:`, ...annotations.map(([k, v]) => `  ${k}: ${v}`));
  lines.push(`${T.startsAt}: ${alert.startsAt}`);
  if (alert.endsAt && alert.endsAt !== ZERO_TIME && alert.status === 'resolved') lines.push(`${T.endsAt}: ${alert.endsAt}`);
  if (alert.generatorURL) lines.push(`${T.source}: ${alert.generatorURL}`);
  return lines.join('\n');
}

/** The ticket's description: every alert of the notification with labels, annotations and generatorURL. */
export function alertDescription(n: AlertNotification): string {
  const blocks = [T.intro(n.alerts.length), ...n.alerts.map((a, i) => alertText(a, i + 1))];
  if (n.truncatedAlerts > 0) blocks.push(T.truncated(n.truncatedAlerts));
  return cut(blocks.join('\n\n'), TEXT_MAX);
}

interface Change {
  alert: Alert;
  kind: 'joined' | 'nowFiring' | 'nowResolved';
}

/** The alerts whose fingerprint is new to the group or whose status differs from the last report. */
export function alertChanges(known: AlertStates, alerts: readonly Alert[]): Change[] {
  const changes: Change[] = [];
  for (const alert of alerts) {
    const before = known[alert.fingerprint];
    if (before === undefined) changes.push({ alert, kind: 'joined' });
    else if (before !== alert.status) changes.push({ alert, kind: alert.status === 'firing' ? 'nowFiring' : 'nowResolved' });
  }
  return changes;
}

/** The message of a change: each changed alert in full, and that the group resolved when it did. */
function changeMessage(n: AlertNotification, changes: readonly Change[]): string {
  const blocks = [
    T.changed,
    ...changes.map((c, i) => alertText(c.alert, i + 1, `${T[c.kind]}: ${T.alert(i + 1, T.status[c.alert.status] ?? c.alert.status)}`)),
  ];
  if (n.status === 'resolved') blocks.push(T.allResolved);
  return cut(blocks.join('\n\n'), TEXT_MAX);
}

const statesOf = (alerts: readonly Alert[]): AlertStates => Object.fromEntries(alerts.map((a) => [a.fingerprint, a.status]));

/**
 * Use case: one Alertmanager notification, in the caller's transaction (the API's `transact`).
 * The token's row is locked first, so the notifications of one token are taken one after the
 * other and two concurrent first firings of a group cannot open two tickets.
 */
export async function receiveAlertsInTx(trx: Tx, ctx: ServiceContext, token: ApiToken, n: AlertNotification): Promise<AlertResult> {
  await trx('api_tokens').where({ id: token.id }).forUpdate().first('id');
  const group = (await trx('api_alert_groups as g')
    .join('tickets as t', 't.number', 'g.ticket_number')
    .where({ 'g.token_id': token.id, 'g.group_key': n.groupKey })
    .orderBy('g.ticket_number', 'desc')
    .first('g.ticket_number', 'g.alerts', 't.state')) as { ticket_number: string | number; alerts: AlertStates; state: StateCode } | undefined;

  if (group && customerMayComment(group.state)) {
    const number = Number(group.ticket_number);
    const changes = alertChanges(group.alerts, n.alerts);
    if (changes.length === 0) return { outcome: 'unchanged', ticket: number };
    await addMessageInTx(trx, ctx, token.actor, number, { body: changeMessage(n, changes) }, { source: 'api' });
    await trx('api_alert_groups')
      .where({ token_id: token.id, group_key: n.groupKey, ticket_number: number })
      .update({ alerts: JSON.stringify({ ...group.alerts, ...statesOf(n.alerts) }), updated_at: trx.fn.now() });
    return { outcome: 'message_added', ticket: number };
  }

  // no open ticket for the group: only something firing opens one
  if (!n.alerts.some((a) => a.status === 'firing')) return { outcome: 'ignored', ticket: null };
  const created = await createTicketInTx(
    trx,
    ctx,
    token.actor,
    { contract_id: token.contractId, paragraph_id: token.paragraphId, subject: alertSubject(n), description: alertDescription(n) },
    { channel: 'api', via: token.name },
  );
  await trx('api_alert_groups').insert({ token_id: token.id, group_key: n.groupKey, ticket_number: created.number, alerts: JSON.stringify(statesOf(n.alerts)) });
  return { outcome: 'created', ticket: created.number };
}

/** The same use case in its own transaction. */
export function receiveAlerts(ctx: ServiceContext, token: ApiToken, n: AlertNotification): Promise<AlertResult> {
  return ctx.db.transaction((trx) => receiveAlertsInTx(trx, ctx, token, n));
}
