/**
 * The time-driven part of alerting, run by the evaluate-alerts job: a target nobody polls turns
 * stale although no cycle runs to say so (DATA_STALE), and a target removed in Settings takes its
 * open alerts with it. Each target is evaluated in its own short transaction holding its
 * PollState row, so it never races the cycle committing that target.
 */
import type { PrismaClient } from '../db/client';
import type { PollState } from '../db/generated/client';
import type { PollKind } from '../poller/backoff';
import { kmsScope, openstackScope, TARGETS_SCOPE, vcenterScope } from './catalog';
import { reconcileAlerts, resolveScopes } from './reconcile';
import { targetHealthConditions, targetScope } from './rules-targets';

export interface EvaluateResult {
  evaluated: number;
  skippedBusy: number;
  opened: number;
  resolved: number;
}

export async function evaluateTargetAlerts(prisma: PrismaClient, staleAfterMs: (kind: PollKind) => number, now: Date): Promise<EvaluateResult> {
  const [vcenters, kms, clouds] = await Promise.all([
    prisma.vcenterTarget.findMany({ select: { id: true, name: true, createdAt: true } }),
    prisma.kmsProvider.findMany({ select: { id: true, name: true, createdAt: true } }),
    prisma.openstackCloud.findMany({ select: { id: true, name: true, createdAt: true } }),
  ]);
  const targets = [
    ...vcenters.map((t) => ({ ...t, kind: 'vcenter' as const })),
    ...kms.map((t) => ({ ...t, kind: 'kms' as const })),
    ...clouds.map((t) => ({ ...t, kind: 'openstack' as const })),
  ];
  const ownScope = { vcenter: vcenterScope, kms: kmsScope, openstack: openstackScope } as const;
  const result: EvaluateResult = { evaluated: 0, skippedBusy: 0, opened: 0, resolved: 0 };
  for (const t of targets) {
    const outcome = await prisma.$transaction(async (tx) => {
      const rows = await tx.$queryRawUnsafe<Pick<PollState, 'lastSuccessAt' | 'lastError' | 'lastErrorAt' | 'consecutiveFailures'>[]>(
        `SELECT "lastSuccessAt", "lastError", "lastErrorAt", "consecutiveFailures" FROM "PollState" WHERE "id" = $1 FOR UPDATE SKIP LOCKED`,
        `${t.kind}:${t.id}`,
      );
      const exists = await tx.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "PollState" WHERE "id" = $1`, `${t.kind}:${t.id}`);
      // Locked by a cycle being committed: that cycle evaluates the target itself.
      if (rows.length === 0 && Number(exists[0]?.n ?? 0) > 0) return null;
      return reconcileAlerts(
        tx,
        targetScope(t.id),
        targetHealthConditions({ kind: t.kind, targetId: t.id, targetName: t.name, createdAt: t.createdAt, state: rows[0] ?? null, staleAfterMs: staleAfterMs(t.kind), now }),
        now,
      );
    }, { timeout: 30_000, maxWait: 30_000 });
    if (!outcome) {
      result.skippedBusy++;
      continue;
    }
    result.evaluated++;
    result.opened += outcome.opened.length;
    result.resolved += outcome.resolved.length;
  }
  const live = new Set(targets.flatMap((t) => [targetScope(t.id), ownScope[t.kind](t.id)]));
  live.add(TARGETS_SCOPE);
  const openScopes = await prisma.alert.findMany({ where: { state: 'open' }, select: { scope: true }, distinct: ['scope'] });
  const orphaned = openScopes.map((s) => s.scope).filter((s) => !live.has(s));
  if (orphaned.length > 0) result.resolved += (await prisma.$transaction((tx) => resolveScopes(tx, orphaned, now), { timeout: 30_000, maxWait: 30_000 })).length;
  return result;
}
