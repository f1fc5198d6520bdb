/**
 * Every stored host's grid verdict for the pages that show many hosts at once (the overview's grid,
 * the hosts list with its verdict filter and sort). Evaluating 2,500 hosts costs ~50 ms, and the
 * hosts list is asked for on every filter change, so a result is reused while the stored estate is
 * the same one (no poll cycle changed it) and for at most REUSE_MS of clock time: a host turns grey
 * for old data (DATA_FRESH), or back from grey after a quiet cycle, at most that much late. The
 * reboot gate never reads this: it checks live.
 */
import type { PrismaClient } from '../db/client';
import { estateVerdicts, type HostVerdict } from './estate-verdicts';
import { loadStoredEstate, type StoredEstate, type StoredHost } from './stored-estate';

const REUSE_MS = 15_000;

export interface StoredVerdicts {
  estate: StoredEstate;
  verdicts: HostVerdict[];
  /** By VcHost row id. */
  byId: ReadonlyMap<string, HostVerdict>;
}

// Keyed by the estate's host list: loadStoredEstate hands out the same list until a cycle commits.
const reused = new WeakMap<StoredHost[], { freshnessLimitMs: number; at: number; verdicts: HostVerdict[]; byId: Map<string, HostVerdict> }>();

export async function storedVerdicts(prisma: PrismaClient, options: { now: Date; freshnessLimitMs: number }): Promise<StoredVerdicts> {
  const estate = await loadStoredEstate(prisma, options);
  const now = options.now.getTime();
  const hit = reused.get(estate.hosts);
  if (hit && hit.freshnessLimitMs === options.freshnessLimitMs && now >= hit.at && now - hit.at < REUSE_MS) {
    return { estate, verdicts: hit.verdicts, byId: hit.byId };
  }
  const verdicts = estateVerdicts(estate);
  const byId = new Map(verdicts.map((v) => [v.id, v]));
  reused.set(estate.hosts, { freshnessLimitMs: options.freshnessLimitMs, at: now, verdicts, byId });
  return { estate, verdicts, byId };
}
