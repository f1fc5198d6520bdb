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

/** One PollState row as the freshness of its target is worked out from. */
export interface PollStateFacts {
  kind: string;
  vcenterId: string | null;
  kmsProviderId: string | null;
  openstackCloudId?: string | null;
  lastSuccessAt: Date | string | null;
  lastError: string | null;
  consecutiveFailures: number;
}

/**
 * The PollState columns freshness needs, as SQL over a table alias: for read models that fold
 * them into their own statement (one round trip per request instead of two).
 */
export const POLL_STATE_FACTS_JSON = (alias: string) =>
  `json_build_object('kind', ${alias}."kind", 'vcenterId', ${alias}."vcenterId", 'kmsProviderId', ${alias}."kmsProviderId", 'openstackCloudId', ${alias}."openstackCloudId",
     'lastSuccessAt', to_char(${alias}."lastSuccessAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'lastError', ${alias}."lastError",
     'consecutiveFailures', ${alias}."consecutiveFailures")`;

export function freshnessOf(
  states: readonly PollStateFacts[],
  staleAfterMs: (kind: PollKind) => number,
  now: Date,
  targets?: readonly { id: string; kind: PollKind }[],
): Map<string, Freshness> {
  const out = new Map<string, Freshness>();
  for (const s of states) {
    const targetId = s.vcenterId ?? s.kmsProviderId ?? s.openstackCloudId;
    if (!targetId) continue;
    const kind = s.kind as PollKind;
    const lastSuccessAt = s.lastSuccessAt ? new Date(s.lastSuccessAt) : null;
    const age = lastSuccessAt ? now.getTime() - lastSuccessAt.getTime() : null;
    out.set(targetId, {
      targetId,
      kind,
      lastSuccessAt: lastSuccessAt?.toISOString() ?? null,
      lastError: s.lastError,
      consecutiveFailures: Number(s.consecutiveFailures),
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

export async function loadFreshness(
  prisma: PrismaClient,
  staleAfterMs: (kind: PollKind) => number,
  now: Date,
  targets?: readonly { id: string; kind: PollKind }[],
): Promise<Map<string, Freshness>> {
  const targetIds = targets?.map((t) => t.id);
  // Raw SQL: read on every list request, and a model query costs several times more CPU per call.
  const states = await prisma.$queryRawUnsafe<PollStateFacts[]>(
    `SELECT "kind", "vcenterId", "kmsProviderId", "openstackCloudId", "lastSuccessAt", "lastError", "consecutiveFailures" FROM "PollState"
     ${targetIds ? `WHERE "vcenterId" = ANY($1::text[]) OR "kmsProviderId" = ANY($1::text[]) OR "openstackCloudId" = ANY($1::text[])` : ''}`,
    ...(targetIds ? [targetIds] : []),
  );
  return freshnessOf(states, staleAfterMs, now, targets);
}
