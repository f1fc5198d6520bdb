/**
 * Webhook bodies: a generic JSON document, or a Slack-compatible message (incoming webhooks and
 * the many receivers that accept Slack's format). Built once at enqueue time and sent as is, so
 * the signature covers exactly what the receiver gets on every retry.
 */
import type { Alert } from '../../db/generated/client';

const ALERT_EVENTS = ['open', 'resolve', 'ack'] as const;
export type WebhookEvent = (typeof ALERT_EVENTS)[number];
/** What a webhook may subscribe to: alert events, and break-glass overrides of the readiness gate (lib/readiness/override-notice.ts). */
export const WEBHOOK_EVENTS = [...ALERT_EVENTS, 'override'] as const;
export type DeliveryEvent = WebhookEvent | 'test';
export const WEBHOOK_FORMATS = ['json', 'slack'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

type AlertFacts = Pick<
  Alert,
  'id' | 'kind' | 'severity' | 'state' | 'entityType' | 'entityId' | 'entityName' | 'title' | 'cause' | 'runbook' | 'firstSeenAt' | 'lastSeenAt' | 'resolvedAt' | 'ackedAt' | 'ackedBy' | 'ackNote'
>;

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function jsonPayload(event: DeliveryEvent, alert: AlertFacts, at: Date): string {
  return JSON.stringify({
    source: 'keywatch',
    event,
    at: at.toISOString(),
    alert: {
      id: alert.id,
      kind: alert.kind,
      severity: alert.severity,
      state: alert.state,
      entity: { type: alert.entityType, id: alert.entityId, name: alert.entityName },
      title: alert.title,
      cause: alert.cause,
      runbook: alert.runbook,
      firstSeenAt: iso(alert.firstSeenAt),
      lastSeenAt: iso(alert.lastSeenAt),
      resolvedAt: iso(alert.resolvedAt),
      acknowledged: alert.ackedAt ? { at: iso(alert.ackedAt), by: alert.ackedBy, note: alert.ackNote } : null,
      link: `/api/v1/alerts/${alert.id}`,
    },
  });
}

const EMOJI: Record<string, string> = { critical: ':red_circle:', warning: ':large_orange_circle:', info: ':large_blue_circle:' };

/** Slack mrkdwn needs &, < and > escaped; nothing else is interpreted in a plain text object. */
const slackEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function slackPayload(event: DeliveryEvent, alert: AlertFacts, at: Date): string {
  const verb = { open: 'opened', resolve: 'resolved', ack: 'acknowledged', test: 'test' }[event];
  const icon = event === 'resolve' ? ':white_check_mark:' : (EMOJI[alert.severity] ?? ':bell:');
  const headline = `${icon} [${alert.severity.toUpperCase()}] ${alert.kind} ${verb}: ${alert.title}`;
  const lines = [`*Entity:* ${slackEscape(alert.entityName)}`, `*Likely cause:* ${slackEscape(alert.cause)}`];
  if (event === 'open') lines.push(`*Runbook:*\n${slackEscape(alert.runbook)}`);
  if (event === 'ack' && alert.ackedBy) lines.push(`*Acknowledged by* ${slackEscape(alert.ackedBy)}: ${slackEscape(alert.ackNote ?? '')}`);
  return JSON.stringify({
    text: slackEscape(headline),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${slackEscape(headline)}*` } },
      { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `Keywatch alert ${alert.id} · first seen ${iso(alert.firstSeenAt)} · ${at.toISOString()}` }] },
    ],
  });
}

export function buildPayload(format: string, event: DeliveryEvent, alert: AlertFacts, at: Date): string {
  return format === 'slack' ? slackPayload(event, alert, at) : jsonPayload(event, alert, at);
}
