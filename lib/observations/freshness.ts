/**
 * How old the stored picture of each target is. Every read model carries it, so a page never
 * shows old data as if it were current: `stale` is the same limit DATA_STALE alerts on.
 */
import type { PrismaClient } from '../db/client';
import type { PollKind } from '../poller/backoff';

export interface Freshness {
  targetId: string;
  kind: PollKind;
  lastSuccessAt: string | null;
  lastError: string | null;
  consecutiveFailures: number;
  /** Seconds since the last successful poll; null when never polled. */
  ageSeconds: number | null;
  stale: boolean;
}

export async function loadFreshness(
  prisma: PrismaClient,
  staleAfterMs: (kind: PollKind) => number,
  now: Date,
  targets?: readonly { id: string; kind: PollKind }[],
): Promise<Map<string, Freshness>> {
  const targetIds = targets?.map((t) => t.id);
  const states = await prisma.pollState.findMany({
    where: targetIds ? { OR: [{ vcenterId: { in: targetIds } }, { kmsProviderId: { in: targetIds } }] } : {},
    select: { kind: true, vcenterId: true, kmsProviderId: true, lastSuccessAt: true, lastError: true, consecutiveFailures: true },
  });
  const out = new Map<string, Freshness>();
  for (const s of states) {
    const targetId = s.vcenterId ?? s.kmsProviderId;
    if (!targetId) continue;
    const kind = s.kind as PollKind;
    const age = s.lastSuccessAt ? now.getTime() - s.lastSuccessAt.getTime() : null;
    out.set(targetId, {
      targetId,
      kind,
      lastSuccessAt: s.lastSuccessAt?.toISOString() ?? null,
      lastError: s.lastError,
      consecutiveFailures: s.consecutiveFailures,
      ageSeconds: age === null ? null : Math.round(age / 1000),
      stale: age === null || age > staleAfterMs(kind),
    });
  }
  // A target no worker has picked up yet has no data at all: stale by definition.
  for (const t of targets ?? []) {
    if (!out.has(t.id)) out.set(t.id, { targetId: t.id, kind: t.kind, lastSuccessAt: null, lastError: null, consecutiveFailures: 0, ageSeconds: null, stale: true });
  }
  return out;
}
