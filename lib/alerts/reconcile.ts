/**
 * Turns the conditions that hold now into alert rows: one open alert per (kind, entity), opened
 * when a condition appears, updated only when its text or severity changes, resolved when the
 * condition is gone. Runs inside the poll cycle's transaction, so alerts and the observations
 * they come from are committed together. Opened and resolved alerts are queued for webhooks.
 */
import type { Alert } from '../db/generated/client';
import type { Db } from '../observations/table-writer';
import type { AlertCondition } from './catalog';
import { enqueueNotifications } from './notifications/enqueue';

/** lastSeenAt of a still-open alert is refreshed at most this often (not every cycle). */
export const LAST_SEEN_RESOLUTION_MS = 60_000;

export interface ReconcileResult {
  opened: Alert[];
  resolved: Alert[];
  updated: number;
  rowsWritten: number;
}

export const openKeyOf = (c: { kind: string; entityId: string }): string => `${c.kind}|${c.entityId}`;

function detailsText(c: AlertCondition): string | null {
  return c.details ? JSON.stringify(c.details) : null;
}

export async function reconcileAlerts(db: Db, scope: string, conditions: readonly AlertCondition[], now: Date): Promise<ReconcileResult> {
  const open = await db.alert.findMany({ where: { scope, state: 'open' } });
  const openByKey = new Map(open.map((a) => [a.openKey!, a]));
  const wanted = new Map<string, AlertCondition>();
  for (const c of conditions) wanted.set(openKeyOf(c), c);

  const toCreate: AlertCondition[] = [];
  const stillOpen: string[] = [];
  let updated = 0;
  for (const [key, c] of wanted) {
    const existing = openByKey.get(key);
    if (!existing) {
      toCreate.push(c);
      continue;
    }
    stillOpen.push(existing.id);
    const details = detailsText(c);
    if (
      existing.severity !== c.severity ||
      existing.title !== c.title ||
      existing.cause !== c.cause ||
      existing.runbook !== c.runbook ||
      existing.entityName !== c.entityName ||
      existing.details !== details
    ) {
      await db.alert.update({
        where: { id: existing.id },
        data: { severity: c.severity, title: c.title, cause: c.cause, runbook: c.runbook, entityName: c.entityName, details, lastSeenAt: now },
      });
      updated++;
    }
  }

  let opened: Alert[] = [];
  if (toCreate.length > 0) {
    // skipDuplicates: another scope may already hold an open alert for the same (kind, entity).
    opened = await db.alert.createManyAndReturn({
      data: toCreate.map((c) => ({
        kind: c.kind,
        severity: c.severity,
        state: 'open',
        openKey: openKeyOf(c),
        scope,
        targetId: c.targetId,
        entityType: c.entityType,
        entityId: c.entityId,
        entityName: c.entityName,
        title: c.title,
        cause: c.cause,
        runbook: c.runbook,
        details: detailsText(c),
        firstSeenAt: now,
        lastSeenAt: now,
      })),
      skipDuplicates: true,
    });
  }

  const gone = open.filter((a) => !wanted.has(a.openKey!));
  let resolved: Alert[] = [];
  if (gone.length > 0) {
    resolved = await db.alert.updateManyAndReturn({
      where: { id: { in: gone.map((a) => a.id) }, state: 'open' },
      data: { state: 'resolved', openKey: null, resolvedAt: now, lastSeenAt: now },
    });
  }

  let touched = 0;
  if (stillOpen.length > 0) {
    touched = (
      await db.alert.updateMany({
        where: { id: { in: stillOpen }, lastSeenAt: { lt: new Date(now.getTime() - LAST_SEEN_RESOLUTION_MS) } },
        data: { lastSeenAt: now },
      })
    ).count;
  }

  const queued = (await enqueueNotifications(db, 'open', opened, now)) + (await enqueueNotifications(db, 'resolve', resolved, now));
  return { opened, resolved, updated, rowsWritten: opened.length + resolved.length + updated + touched + queued };
}

/** Resolves the open alerts of scopes whose target no longer exists (removed in Settings). */
export async function resolveScopes(db: Db, scopes: readonly string[], now: Date): Promise<Alert[]> {
  if (scopes.length === 0) return [];
  const resolved = await db.alert.updateManyAndReturn({
    where: { scope: { in: [...scopes] }, state: 'open' },
    data: { state: 'resolved', openKey: null, resolvedAt: now, lastSeenAt: now },
  });
  await enqueueNotifications(db, 'resolve', resolved, now);
  return resolved;
}
