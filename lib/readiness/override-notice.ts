/**
 * Break-glass is loud: an admin's override of a BLOCKED verdict is queued to every enabled webhook
 * subscribed to `override` (severity warning, so critical-only receivers stay quiet), in the same
 * transaction as its audit row — an override nobody hears about is not written at all. The notify
 * job sends the queued bodies like alert notifications (signature, retries, dead letters).
 */
import { severityRank } from '../alerts/catalog';
import type { Db } from '../db/client';
import type { RuleStatus } from './rules';

export const OVERRIDE_EVENT = 'override';
const OVERRIDE_SEVERITY = 'warning';

export interface OverrideNotice {
  hostId: string;
  hostName: string;
  action: string;
  reason: string;
  by: string;
  expiresAt: Date;
  failingRules: { id: string; status: RuleStatus; summary: string }[];
  at: Date;
}

function jsonBody(n: OverrideNotice): string {
  return JSON.stringify({
    source: 'keywatch',
    event: OVERRIDE_EVENT,
    at: n.at.toISOString(),
    severity: OVERRIDE_SEVERITY,
    override: {
      host: { id: n.hostId, name: n.hostName },
      action: n.action,
      by: n.by,
      reason: n.reason,
      expiresAt: n.expiresAt.toISOString(),
      failingRules: n.failingRules,
      link: `/hosts/${encodeURIComponent(n.hostId)}`,
    },
  });
}

/** Slack mrkdwn needs &, < and > escaped. */
const slackEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function slackBody(n: OverrideNotice): string {
  const headline = `:warning: Readiness gate overridden: ${n.action} of ${n.hostName} by ${n.by}`;
  const rules = n.failingRules.map((r) => `• ${r.id} (${r.status}): ${r.summary}`).join('\n');
  return JSON.stringify({
    text: slackEscape(headline),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${slackEscape(headline)}*` } },
      { type: 'section', text: { type: 'mrkdwn', text: `*Reason:* ${slackEscape(n.reason)}\n*Failing rules:*\n${slackEscape(rules)}` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `Authorisation expires ${n.expiresAt.toISOString()} · ${n.at.toISOString()}` }] },
    ],
  });
}

export function overrideNoticeBody(format: string, notice: OverrideNotice): string {
  return format === 'slack' ? slackBody(notice) : jsonBody(notice);
}

/** Queues the notice for every subscribed webhook; returns how many deliveries were queued. */
export async function enqueueOverrideNotice(db: Db, notice: OverrideNotice): Promise<number> {
  const hooks = await db.webhook.findMany({ where: { enabled: true } });
  const rows = hooks
    .filter((h) => h.events.split(',').includes(OVERRIDE_EVENT) && severityRank(OVERRIDE_SEVERITY) >= severityRank(h.minSeverity))
    .map((h) => ({ webhookId: h.id, alertId: null, event: OVERRIDE_EVENT, payload: overrideNoticeBody(h.format, notice), status: 'pending', nextAttemptAt: notice.at, createdAt: notice.at }));
  if (rows.length === 0) return 0;
  return (await db.webhookDelivery.createMany({ data: rows })).count;
}
