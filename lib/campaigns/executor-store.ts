/**
 * The executor's writes: the campaign lease (one executor per campaign across workers, held in
 * PostgreSQL), claiming the next VM's pending items with SKIP LOCKED, item transitions, the
 * failure count behind "stop after N failures", pausing for a reason.
 */
import type { PrismaClient } from '../db/client';
import type { FailureClass } from './model';
import { bumpItemsVersion } from './progress-cache';

type Db = PrismaClient;
export type ItemRecord = NonNullable<Awaited<ReturnType<Db['campaignItem']['findUnique']>>>;

/** Takes (or renews) the campaign's lease for `owner`; false when another live executor holds it. */
export async function acquireLease(prisma: Db, campaignId: string, owner: string, leaseMs: number, now: Date): Promise<boolean> {
  const { count } = await prisma.campaign.updateMany({
    where: { id: campaignId, OR: [{ leaseOwner: null }, { leaseOwner: owner }, { leaseUntil: null }, { leaseUntil: { lt: now } }] },
    data: { leaseOwner: owner, leaseUntil: new Date(now.getTime() + leaseMs) },
  });
  return count === 1;
}

export async function releaseLease(prisma: Db, campaignId: string, owner: string): Promise<void> {
  await prisma.campaign.updateMany({ where: { id: campaignId, leaseOwner: owner }, data: { leaseOwner: null, leaseUntil: null } });
}

/**
 * Claims the pending items of the next VM (lowest position) as in-progress, atomically: two
 * executors (or two workers of one) never take the same VM.
 */
export async function claimNextVm(prisma: Db, campaignId: string, now: Date): Promise<ItemRecord[]> {
  const at = now.toISOString();
  const rows = await prisma.$queryRawUnsafe<{ id: string }[]>(
    `WITH next AS (
       SELECT "entityMoid", position FROM "CampaignItem"
       WHERE "campaignId" = $1 AND state = 'pending' AND kind IN ('vm-config','vm-disk')
       ORDER BY position LIMIT 1 FOR UPDATE SKIP LOCKED
     )
     UPDATE "CampaignItem" AS i SET state = 'in-progress', attempts = i.attempts + 1, "failureClass" = NULL, "errorText" = NULL,
       "startedAt" = ($2::timestamptz AT TIME ZONE 'UTC'), "updatedAt" = ($2::timestamptz AT TIME ZONE 'UTC')
     FROM next
     -- A VM's items are consecutive: its first pending item and the ones after it (vSphere allows at most 256 disks).
     WHERE i."campaignId" = $1 AND i.state = 'pending' AND i.position >= next.position AND i.position <= next.position + 257
       AND i."entityMoid" = next."entityMoid" AND i.kind IN ('vm-config','vm-disk')
     RETURNING i.id`,
    campaignId,
    at,
  );
  if (rows.length === 0) return [];
  await bumpItemsVersion(prisma, campaignId);
  return prisma.campaignItem.findMany({ where: { campaignId, id: { in: rows.map((r) => r.id) } }, orderBy: { position: 'asc' } });
}

/** Claims the next pending vSAN KEK or host key item (one at a time: each is its own vCenter task). */
export async function claimNextInfraItem(prisma: Db, campaignId: string, now: Date): Promise<ItemRecord | null> {
  const rows = await prisma.$queryRawUnsafe<{ id: string }[]>(
    // A materialized CTE: a LIMIT subquery in FROM may be scanned again by the join and pick a second row.
    `WITH next AS MATERIALIZED (
       SELECT id FROM "CampaignItem" WHERE "campaignId" = $1 AND state = 'pending' AND kind IN ('vsan-kek','host-key')
       ORDER BY position LIMIT 1 FOR UPDATE SKIP LOCKED
     )
     UPDATE "CampaignItem" AS i SET state = 'in-progress', attempts = i.attempts + 1, "failureClass" = NULL, "errorText" = NULL,
       "startedAt" = ($2::timestamptz AT TIME ZONE 'UTC'), "updatedAt" = ($2::timestamptz AT TIME ZONE 'UTC')
     FROM next
     WHERE i."campaignId" = $1 AND i.id = next.id
     RETURNING i.id`,
    campaignId,
    now.toISOString(),
  );
  if (rows.length === 0) return null;
  await bumpItemsVersion(prisma, campaignId);
  return prisma.campaignItem.findUnique({ where: { campaignId_id: { campaignId, id: rows[0]!.id } } });
}

/** Gives claimed items back (nothing was done to the VM): pending again, the attempt not counted. */
export async function unclaim(prisma: Db, campaignId: string, itemIds: readonly string[]): Promise<void> {
  await prisma.campaignItem.updateMany({ where: { campaignId, id: { in: [...itemIds] }, state: 'in-progress' }, data: { state: 'pending', attempts: { decrement: 1 } } });
  await bumpItemsVersion(prisma, campaignId);
}

export interface ItemUpdate {
  id: string;
  state: 'pending' | 'rekeyed' | 'verified' | 'failed';
  currentProviderId?: string | null;
  currentKeyId?: string | null;
  failureClass?: FailureClass | null;
  errorText?: string | null;
}

/** Applies per-item transitions in one transaction, stamping the time of the state reached. */
export async function updateItems(prisma: Db, campaignId: string, updates: readonly ItemUpdate[], now: Date): Promise<void> {
  await prisma.$transaction([
    ...updates.map((u) =>
      prisma.campaignItem.update({
        where: { campaignId_id: { campaignId, id: u.id } },
        data: {
          state: u.state,
          ...(u.currentProviderId !== undefined && { currentProviderId: u.currentProviderId }),
          ...(u.currentKeyId !== undefined && { currentKeyId: u.currentKeyId }),
          failureClass: u.state === 'failed' ? (u.failureClass ?? 'OTHER') : null,
          errorText: u.state === 'failed' ? (u.errorText ?? null) : null,
          ...(u.state === 'rekeyed' && { rekeyedAt: now }),
          ...(u.state === 'verified' && { verifiedAt: now, failedAt: null }),
          ...(u.state === 'failed' && { failedAt: now, verifiedAt: null }),
          ...(u.state === 'pending' && { verifiedAt: null, failedAt: null }),
        },
      }),
    ),
    prisma.campaign.update({ where: { id: campaignId }, data: { itemsVersion: { increment: 1 } } }),
  ]);
}

/**
 * Counts one failed VM; when the campaign's limit is reached it is stopped (status `stopped`),
 * atomically so concurrent workers stop it once.
 */
export async function countFailure(prisma: Db, campaignId: string, lastFailure: string): Promise<{ failures: number; limit: number | null; stopped: boolean }> {
  const [row] = await prisma.$queryRawUnsafe<{ failures: number; limit: number | null; stopped: boolean }[]>(
    `UPDATE "Campaign" SET "failuresSinceResume" = "failuresSinceResume" + 1,
       status = CASE WHEN status = 'running' AND "stopAfterFailures" IS NOT NULL AND "failuresSinceResume" + 1 >= "stopAfterFailures" THEN 'stopped' ELSE status END,
       "statusReason" = CASE WHEN status = 'running' AND "stopAfterFailures" IS NOT NULL AND "failuresSinceResume" + 1 >= "stopAfterFailures" THEN 'Stopped after ' || "stopAfterFailures" || ' failed VM' || CASE WHEN "stopAfterFailures" = 1 THEN '' ELSE 's' END || '; the last: ' || $2 || '.' ELSE "statusReason" END
     WHERE id = $1
     RETURNING "failuresSinceResume" AS failures, "stopAfterFailures" AS "limit", (status = 'stopped') AS stopped`,
    campaignId,
    lastFailure,
  );
  return row ?? { failures: 0, limit: null, stopped: false };
}

/** running → paused with a reason (a provider failed its check, an HA override could not be applied). */
export async function pauseFor(prisma: Db, campaignId: string, reason: string): Promise<boolean> {
  const { count } = await prisma.campaign.updateMany({ where: { id: campaignId, status: 'running' }, data: { status: 'paused', statusReason: reason } });
  return count === 1;
}
