/**
 * Stored hosts' grid verdicts for the pages that show many hosts at once: the overview's grid and
 * the hosts list (a page of 50 shows 50 verdicts; a filter or sort by verdict needs every host's).
 * Evaluating all 2,500 hosts costs ~50-90 ms of the web process's one thread, so a verdict is
 * evaluated when first asked for and reused while the stored estate is the same one (no poll cycle
 * changed it) and for at most REUSE_MS of clock time: a host turns grey for old data (DATA_FRESH),
 * or back after a quiet cycle, at most that much late. The reboot gate never reads this: it checks
 * live.
 */
import type { PrismaClient } from '../db/client';
import { hostIndex, verdictOf, type HostVerdict } from './estate-verdicts';
import { loadStoredEstate, type LoadEstateOptions, type StoredEstate, type StoredHost } from './stored-estate';

const REUSE_MS = 15_000;

export interface StoredVerdicts {
  estate: StoredEstate;
  /** One host's verdict by VcHost row id (undefined: no such stored host). */
  of(id: string): HostVerdict | undefined;
  /** Every stored host's, in host name order. */
  all(): HostVerdict[];
}

interface Memo {
  freshnessLimitMs: number;
  at: number;
  index: Map<string, StoredHost>;
  byId: Map<string, HostVerdict>;
  complete: HostVerdict[] | null;
}

// Keyed by the estate's host list: loadStoredEstate hands out the same list until a cycle changes it.
const memos = new WeakMap<StoredHost[], Memo>();

export async function storedVerdicts(prisma: PrismaClient, options: LoadEstateOptions): Promise<StoredVerdicts> {
  const estate = await loadStoredEstate(prisma, options);
  const now = options.now.getTime();
  let memo = memos.get(estate.hosts);
  if (!memo || memo.freshnessLimitMs !== options.freshnessLimitMs || now < memo.at || now - memo.at >= REUSE_MS) {
    memo = { freshnessLimitMs: options.freshnessLimitMs, at: now, index: memo?.index ?? hostIndex(estate), byId: new Map(), complete: null };
    memos.set(estate.hosts, memo);
  }
  const m = memo;
  const of = (id: string): HostVerdict | undefined => {
    let verdict = m.byId.get(id);
    if (!verdict) {
      const host = m.index.get(id);
      if (!host) return undefined;
      verdict = verdictOf(estate, host, m.index).verdict;
      m.byId.set(id, verdict);
    }
    return verdict;
  };
  return {
    estate,
    of,
    all: () => (m.complete ??= estate.hosts.map((h) => of(h.rowId)!)),
  };
}
