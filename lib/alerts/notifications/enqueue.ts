/**
 * Queues one delivery per (alert, webhook) for an alert event, in the caller's transaction: if
 * the alert change rolls back, so do its notifications (no message about an alert that never was).
 */
import type { Alert } from '../../db/generated/client';
import type { Db } from '../../observations/table-writer';
import { severityRank } from '../catalog';
import { buildPayload, type WebhookEvent } from './payload';

export async function enqueueNotifications(db: Db, event: WebhookEvent, alerts: readonly Alert[], now: Date): Promise<number> {
  if (alerts.length === 0) return 0;
  const hooks = await db.webhook.findMany({ where: { enabled: true } });
  const rows = [];
  for (const hook of hooks) {
    if (!hook.events.split(',').includes(event)) continue;
    for (const alert of alerts) {
      if (severityRank(alert.severity) < severityRank(hook.minSeverity)) continue;
      rows.push({ webhookId: hook.id, alertId: alert.id, event, payload: buildPayload(hook.format, event, alert, now), status: 'pending', nextAttemptAt: now, createdAt: now });
    }
  }
  if (rows.length === 0) return 0;
  return (await db.webhookDelivery.createMany({ data: rows })).count;
}
