/**
 * The progress counts of a campaign, cached on its row so the detail read does not scan 100,000
 * items each time. Every write to a campaign's items bumps `itemsVersion` (after the write, or in
 * the same transaction); the cache is valid only for the version it was computed at. A reader
 * reads the version first and stores its result only if the version has not moved, so a cache
 * can be missing but never stale.
 */
import { z } from 'zod';
import type { PrismaClient } from '../db/client';
import { FAILURE_CLASSES, ITEM_STATES } from './model';
import type { ProgressCounts } from './progress';
import { countsFromGroups, VM_ROLLUP_SQL } from './reconcile-sql';

type Db = Pick<PrismaClient, '$queryRawUnsafe' | '$executeRawUnsafe'>;

const CountsSchema = z.object({
  total: z.number().int(),
  byState: z.partialRecord(z.enum(ITEM_STATES), z.number().int()),
  failuresByClass: z.partialRecord(z.enum(FAILURE_CLASSES), z.number().int()),
  verifiedPerHour: z.array(z.object({ hour: z.string(), count: z.number().int() })),
  vms: z.object({ total: z.number().int(), verified: z.number().int(), failed: z.number().int() }),
});

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Marks the campaign's items as changed; returns the new version. */
export async function bumpItemsVersion(prisma: Db, campaignId: string): Promise<number> {
  const [row] = await prisma.$queryRawUnsafe<{ v: number }[]>(`UPDATE "Campaign" SET "itemsVersion" = "itemsVersion" + 1 WHERE id = $1 RETURNING "itemsVersion" AS v`, campaignId);
  return row?.v ?? 0;
}

/** Stores counts computed at `version`, unless the items moved on meanwhile. */
export async function storeCounts(prisma: Db, campaignId: string, version: number, counts: ProgressCounts): Promise<boolean> {
  const n = await prisma.$executeRawUnsafe(
    `UPDATE "Campaign" SET "progressCache" = $3, "progressVersion" = $2 WHERE id = $1 AND "itemsVersion" = $2`,
    campaignId,
    version,
    JSON.stringify(counts),
  );
  return n === 1;
}

/** The counts straight from the items: one grouped scan, plus one per-VM roll-up. */
export async function aggregateCounts(prisma: Db, campaignId: string): Promise<ProgressCounts> {
  const [groups, [vms]] = await Promise.all([
    prisma.$queryRawUnsafe<{ state: string; cls: string | null; hour: string | null; n: number }[]>(
      `SELECT state, "failureClass" AS cls, to_char("verifiedAt", 'YYYY-MM-DD"T"HH24') AS hour, count(*)::int AS n
       FROM "CampaignItem" WHERE "campaignId" = $1 GROUP BY 1, 2, 3`,
      campaignId,
    ),
    prisma.$queryRawUnsafe<ProgressCounts['vms'][]>(VM_ROLLUP_SQL(`(SELECT kind, "entityMoid", state FROM "CampaignItem" WHERE "campaignId" = $1) items`), campaignId),
  ]);
  return countsFromGroups(groups, vms ?? { total: 0, verified: 0, failed: 0 });
}

export interface CacheState {
  id: string;
  itemsVersion: number;
  progressVersion: number | null;
  progressCache: string | null;
}

/** The counts for `row` as read: from its cache when valid, else aggregated (and cached for the next reader). */
export async function countsFor(prisma: Db, row: CacheState): Promise<{ counts: ProgressCounts; cached: boolean }> {
  if (row.progressVersion === row.itemsVersion && row.progressCache) {
    const parsed = CountsSchema.safeParse(parseJson(row.progressCache));
    if (parsed.success) return { counts: parsed.data, cached: true };
  }
  const counts = await aggregateCounts(prisma, row.id);
  await storeCounts(prisma, row.id, row.itemsVersion, counts);
  return { counts, cached: false };
}
