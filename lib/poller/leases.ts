/**
 * Which worker polls which target, through PollState rows shared in PostgreSQL. A worker claims
 * due targets with `FOR UPDATE SKIP LOCKED` and holds each for a lease (poll timeout + margin);
 * it commits a cycle only while the lease is still its own. A killed worker's lease simply
 * expires. Not advisory locks: the embedded PGlite multiplexes every connection onto one
 * session, where they exclude nothing.
 */
import type { PrismaClient } from '../db/client';
import type { PollState } from '../db/generated/client';
import type { Db } from '../observations/table-writer';
import type { PollKind } from './backoff';

export const pollStateId = (kind: PollKind, targetId: string): string => `${kind}:${targetId}`;

/**
 * One PollState per stored target, read from the targets tables on every scheduling tick: a
 * target added in Settings becomes due at once, an edited one is due again at once (its
 * credentials or nodes may have been fixed), a removed one loses its row by cascade.
 */
export async function syncPollStates(prisma: PrismaClient, now: Date): Promise<number> {
  const added = await prisma.$executeRawUnsafe(
    `INSERT INTO "PollState" ("id", "kind", "vcenterId", "kmsProviderId", "openstackCloudId", "nextDueAt", "targetUpdatedAt")
       SELECT 'vcenter:' || "id", 'vcenter', "id", NULL, NULL, $1::timestamp(3), "updatedAt" FROM "VcenterTarget"
     UNION ALL
       SELECT 'kms:' || "id", 'kms', NULL, "id", NULL, $1::timestamp(3), "updatedAt" FROM "KmsProvider"
     UNION ALL
       SELECT 'openstack:' || "id", 'openstack', NULL, NULL, "id", $1::timestamp(3), "updatedAt" FROM "OpenstackCloud"
     ON CONFLICT ("id") DO NOTHING`,
    now,
  );
  await prisma.$executeRawUnsafe(
    `UPDATE "PollState" p SET "nextDueAt" = LEAST(p."nextDueAt", $1), "targetUpdatedAt" = t."updatedAt"
     FROM (SELECT "id", "updatedAt" FROM "VcenterTarget" UNION ALL SELECT "id", "updatedAt" FROM "KmsProvider" UNION ALL SELECT "id", "updatedAt" FROM "OpenstackCloud") t
     WHERE t."id" = COALESCE(p."vcenterId", p."kmsProviderId", p."openstackCloudId") AND p."targetUpdatedAt" IS DISTINCT FROM t."updatedAt"`,
    now,
  );
  return added;
}

export interface Claim {
  pollStateId: string;
  kind: PollKind;
  targetId: string;
  /** PollState.cycle when claimed: the in-memory row cache is valid only for this cycle. */
  cycle: number;
  consecutiveFailures: number;
  lastSuccessAt: Date | null;
}

/** Claims up to `limit` due targets of `kind` for `workerId` until now + leaseMs. */
export async function claimDue(prisma: PrismaClient, kind: PollKind, workerId: string, now: Date, limit: number, leaseMs: number): Promise<Claim[]> {
  if (limit <= 0) return [];
  const rows = await prisma.$queryRawUnsafe<Pick<PollState, 'id' | 'kind' | 'vcenterId' | 'kmsProviderId' | 'openstackCloudId' | 'cycle' | 'consecutiveFailures' | 'lastSuccessAt'>[]>(
    `UPDATE "PollState" p SET "leaseOwner" = $3, "leaseExpiresAt" = $4, "lastStartedAt" = $2
     FROM (
       SELECT "id" FROM "PollState"
       WHERE "kind" = $1 AND "nextDueAt" <= $2 AND ("leaseExpiresAt" IS NULL OR "leaseExpiresAt" <= $2)
       ORDER BY "nextDueAt" LIMIT $5
       FOR UPDATE SKIP LOCKED
     ) due
     WHERE p."id" = due."id"
     RETURNING p."id", p."kind", p."vcenterId", p."kmsProviderId", p."openstackCloudId", p."cycle", p."consecutiveFailures", p."lastSuccessAt"`,
    kind,
    now,
    workerId,
    new Date(now.getTime() + leaseMs),
    limit,
  );
  return rows.map((r) => ({
    pollStateId: r.id,
    kind,
    targetId: (kind === 'vcenter' ? r.vcenterId : kind === 'kms' ? r.kmsProviderId : r.openstackCloudId)!,
    cycle: r.cycle,
    consecutiveFailures: r.consecutiveFailures,
    lastSuccessAt: r.lastSuccessAt,
  }));
}

/** Inside the cycle's transaction: locks the row and checks the lease is still ours. */
export async function holdsLease(tx: Db, claim: Claim, workerId: string): Promise<boolean> {
  const rows = await tx.$queryRawUnsafe<{ leaseOwner: string | null; cycle: number }[]>(
    `SELECT "leaseOwner", "cycle" FROM "PollState" WHERE "id" = $1 FOR UPDATE`,
    claim.pollStateId,
  );
  const row = rows[0];
  return row !== undefined && row.leaseOwner === workerId && row.cycle === claim.cycle;
}

export interface CycleEnd {
  startedAt: Date;
  finishedAt: Date;
  nextDueAt: Date;
  ok: boolean;
  error: string | null;
  consecutiveFailures: number;
  /** Observations were written: the cycle counter moves on. */
  stored: boolean;
  /** Stored observations differ from before this cycle: the data version moves on. */
  dataChanged: boolean;
}

/** Records the cycle's end on PollState and releases the lease (in the cycle's transaction). */
export async function finishCycle(tx: Db, claim: Claim, end: CycleEnd): Promise<void> {
  await tx.pollState.update({
    where: { id: claim.pollStateId },
    data: {
      leaseOwner: null,
      leaseExpiresAt: null,
      nextDueAt: end.nextDueAt,
      lastFinishedAt: end.finishedAt,
      lastDurationMs: end.finishedAt.getTime() - end.startedAt.getTime(),
      consecutiveFailures: end.consecutiveFailures,
      ...(end.ok ? { lastSuccessAt: end.finishedAt, lastError: null } : { lastErrorAt: end.finishedAt, lastError: end.error }),
      ...(end.stored && { cycle: { increment: 1 } }),
      ...(end.dataChanged && { dataVersion: { increment: 1 } }),
    },
  });
}

/** Gives a claim back without a cycle (worker stopping): due again at once for whoever is next. */
export async function releaseLease(prisma: PrismaClient, claim: Claim, workerId: string): Promise<void> {
  await prisma.pollState.updateMany({ where: { id: claim.pollStateId, leaseOwner: workerId }, data: { leaseOwner: null, leaseExpiresAt: null } });
}
