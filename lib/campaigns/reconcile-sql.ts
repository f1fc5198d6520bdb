/**
 * Reconciling a campaign's items with vCenter's truth, in PostgreSQL: one statement joins every
 * item with what vCenter reports about its entity, writes the items whose state or current key
 * changed, and returns the campaign's progress counts after the change — no item row travels to
 * the application (on 96,000 items, reading them and writing the changes back one chunk at a time
 * was most of the 2–3 s a recompute took).
 *
 * vCenter's truth comes from one of two observation sources with the same columns
 * (kind, moid, dk, key_id, provider_id, crypto, conn):
 * - `storedObservations`: the poller's stored inventory tables (VcVm, VcVmDisk, VcCluster, VcHost),
 *   what the worker recomputes from after a poll;
 * - `snapshotObservations`: an inventory snapshot in hand (a live read, tests), sent as arrays.
 *
 * The rules (the only copy of them):
 * - an item vCenter no longer reports keeps its state and its last known key;
 * - so does an item written after the observation began (`observedAt`: the poll's or the read's
 *   start): the executor verified it live since, and an older read must not undo that;
 * - in-progress items belong to the executor: only their current key is refreshed;
 * - on the target provider with its VM unlocked and connected (VM items) → verified;
 * - on the target but its VM locked → failed, KEY_INCORRECT;
 * - off the target while recorded verified or rekeyed → pending (reverted, or never done);
 * - a state change is written only if the row still has the state it was computed from.
 */
import type { PrismaClient } from '../db/client';
import type { InventorySnapshot } from './inventory';
import type { FailureClass, ItemState } from './model';
import type { ProgressCounts } from './progress';

type Db = Pick<PrismaClient, '$queryRawUnsafe'>;

export const LOCKED_ON_TARGET_TEXT = 'vCenter reports the VM locked (runtime.cryptoState locked) while it names a key of the target provider.';

/** One observation source: a SQL fragment producing the observation columns, and its parameters (numbered from `first`). */
export interface ObservationSource {
  sql: (first: number) => string;
  params: unknown[];
}

/** What the poller stored for one vCenter (row ids are "<vcenterId>:<moid>"). */
export function storedObservations(vcenterId: string): ObservationSource {
  return {
    params: [vcenterId],
    sql: (p) => `
      SELECT 'vm-config'::text AS kind, v.moid, NULL::int AS dk, v."keyId" AS key_id, CASE WHEN v."keyId" IS NOT NULL THEN v."keyProviderId" END AS provider_id,
             v."cryptoState" AS crypto, v."connectionState" AS conn
        FROM "VcVm" v WHERE v."vcenterId" = $${p}
      UNION ALL
      SELECT 'vm-disk', v.moid, d."deviceKey", d."keyId", CASE WHEN d."keyId" IS NOT NULL THEN d."keyProviderId" END, v."cryptoState", v."connectionState"
        FROM "VcVmDisk" d JOIN "VcVm" v ON v.id = d."vmId" WHERE d."vcenterId" = $${p}
      UNION ALL
      SELECT 'vsan-kek', c.moid, NULL, CASE WHEN c."vsanEncryption" THEN c."vsanKekId" END,
             CASE WHEN c."vsanEncryption" AND c."vsanKekId" IS NOT NULL THEN c."vsanProviderId" END, NULL, NULL
        FROM "VcCluster" c WHERE c."vcenterId" = $${p}
      UNION ALL
      SELECT 'host-key', h.moid, NULL, h."hostKeyId", CASE WHEN h."hostKeyId" IS NOT NULL THEN h."hostKeyProviderId" END, NULL, NULL
        FROM "VcHost" h WHERE h."vcenterId" = $${p}`,
  };
}

/** A snapshot in hand, as seven parallel arrays (one bind each, whatever the size). */
export function snapshotObservations(snapshot: InventorySnapshot): ObservationSource {
  const kind: string[] = [];
  const moid: string[] = [];
  const dk: (number | null)[] = [];
  const keyId: (string | null)[] = [];
  const providerId: (string | null)[] = [];
  const crypto: (string | null)[] = [];
  const conn: (string | null)[] = [];
  const push = (k: string, m: string, d: number | null, key: { keyId: string; providerId: string | null } | null, c: string | null, n: string | null) => {
    kind.push(k);
    moid.push(m);
    dk.push(d);
    keyId.push(key?.keyId ?? null);
    providerId.push(key?.providerId ?? null);
    crypto.push(c);
    conn.push(n);
  };
  for (const vm of snapshot.vms) {
    push('vm-config', vm.moid, null, vm.configKey, vm.cryptoState, vm.connectionState);
    for (const d of vm.disks) push('vm-disk', vm.moid, d.key, d.keyId, vm.cryptoState, vm.connectionState);
  }
  for (const c of snapshot.clusters) push('vsan-kek', c.moid, null, c.vsanKek, null, null);
  for (const h of snapshot.hosts) push('host-key', h.moid, null, h.hostKey, null, null);
  return {
    params: [kind, moid, dk, keyId, providerId, crypto, conn],
    sql: (p) =>
      `SELECT * FROM unnest($${p}::text[], $${p + 1}::text[], $${p + 2}::int[], $${p + 3}::text[], $${p + 4}::text[], $${p + 5}::text[], $${p + 6}::text[])
         AS o(kind, moid, dk, key_id, provider_id, crypto, conn)`,
  };
}

export interface ReconcileOutcome {
  /** Items the reconcile found changed. */
  planned: number;
  /** Of those, rows written (fewer when another writer changed an item's state meanwhile). */
  applied: number;
  /** Rows written whose state changed. */
  transitions: number;
  /** The counts as they stand after this statement's writes (another writer's meanwhile excepted). */
  counts: ProgressCounts;
}

interface GroupRow {
  state: string;
  cls: string | null;
  hour: string | null;
  n: number;
}

/** Progress counts from (state, class, verified hour) groups and the per-VM roll-up. */
export function countsFromGroups(groups: readonly GroupRow[], vms: ProgressCounts['vms']): ProgressCounts {
  const counts: ProgressCounts = { total: 0, byState: {}, failuresByClass: {}, verifiedPerHour: [], vms };
  const hours = new Map<string, number>();
  for (const r of groups) {
    const state = r.state as ItemState;
    counts.total += r.n;
    counts.byState[state] = (counts.byState[state] ?? 0) + r.n;
    if (state === 'failed') {
      const cls = (r.cls ?? 'OTHER') as FailureClass;
      counts.failuresByClass[cls] = (counts.failuresByClass[cls] ?? 0) + r.n;
    }
    if (state === 'verified' && r.hour) hours.set(r.hour, (hours.get(r.hour) ?? 0) + r.n);
  }
  counts.verifiedPerHour = [...hours].map(([hour, count]) => ({ hour, count }));
  return counts;
}

/** The per-VM roll-up over rows with (kind, "entityMoid", state) columns named `from`. */
export const VM_ROLLUP_SQL = (from: string) =>
  `SELECT count(*)::int AS total, (count(*) FILTER (WHERE v))::int AS verified, (count(*) FILTER (WHERE f))::int AS failed FROM (
     SELECT bool_and(state = 'verified') AS v, bool_or(state = 'failed') AS f FROM ${from}
     WHERE kind IN ('vm-config','vm-disk') GROUP BY "entityMoid") vm`;

/**
 * Reconciles every item of `campaignId` with `source`, writes the changes stamped `now`, and
 * returns the counts after them — one statement, one round trip.
 */
export async function reconcileInDatabase(
  prisma: Db,
  campaignId: string,
  targetProviderId: string,
  source: ObservationSource,
  observedAt: Date,
  now: Date,
): Promise<ReconcileOutcome> {
  const at = now.toISOString();
  const hour = at.slice(0, 13);
  const p = source.params.length;
  const [row] = await prisma.$queryRawUnsafe<{ r: { planned: number; applied: number; transitions: number; groups: GroupRow[] | null; vms: ProgressCounts['vms'] } }[]>(
    `WITH obs AS (${source.sql(1)}),
     cur AS MATERIALIZED (
       SELECT i.id, i.kind, i."entityMoid", i.state, i."failureClass", i."verifiedAt",
              i."currentProviderId" AS cp, i."currentKeyId" AS ck, seen AS found,
              CASE WHEN seen THEN o.provider_id ELSE i."currentProviderId" END AS p,
              CASE WHEN seen THEN o.key_id ELSE i."currentKeyId" END AS k,
              o.crypto, o.conn
       FROM "CampaignItem" i
       -- COALESCE rather than IS NOT DISTINCT FROM: an equality the planner can hash.
       LEFT JOIN obs o ON o.kind = i.kind AND o.moid = i."entityMoid" AND COALESCE(o.dk, -1) = COALESCE(i."diskKey", -1)
       CROSS JOIN LATERAL (SELECT o.moid IS NOT NULL AND i."updatedAt" <= ($${p + 6}::timestamptz AT TIME ZONE 'UTC') AS seen) s
       WHERE i."campaignId" = $${p + 1}
     ),
     judged AS MATERIALIZED (
       SELECT c.*, CASE
           WHEN c.state = 'in-progress' OR NOT c.found THEN NULL
           WHEN c.p = $${p + 2} AND (c.kind NOT IN ('vm-config','vm-disk') OR (c.crypto = 'unlocked' AND (c.conn IS NULL OR c.conn = 'connected')))
             THEN CASE WHEN c.state <> 'verified' THEN 'verified' END
           WHEN c.p = $${p + 2} AND c.crypto = 'locked' THEN CASE WHEN c.state <> 'failed' THEN 'failed' END
           WHEN c.p IS DISTINCT FROM $${p + 2} AND c.state IN ('verified','rekeyed') THEN 'pending'
         END AS ns
       FROM cur c
     ),
     changed AS (SELECT * FROM judged WHERE ns IS NOT NULL OR p IS DISTINCT FROM cp OR k IS DISTINCT FROM ck),
     upd AS (
       UPDATE "CampaignItem" AS i SET
         state = COALESCE(n.ns, i.state),
         "currentProviderId" = n.p,
         "currentKeyId" = n.k,
         "failureClass" = CASE n.ns WHEN 'failed' THEN 'KEY_INCORRECT' WHEN 'verified' THEN NULL WHEN 'pending' THEN NULL ELSE i."failureClass" END,
         "errorText" = CASE n.ns WHEN 'failed' THEN $${p + 3} WHEN 'verified' THEN NULL WHEN 'pending' THEN NULL ELSE i."errorText" END,
         "verifiedAt" = CASE n.ns WHEN 'verified' THEN ($${p + 4}::timestamptz AT TIME ZONE 'UTC') WHEN 'failed' THEN NULL WHEN 'pending' THEN NULL ELSE i."verifiedAt" END,
         "failedAt" = CASE n.ns WHEN 'failed' THEN ($${p + 4}::timestamptz AT TIME ZONE 'UTC') WHEN 'verified' THEN NULL WHEN 'pending' THEN NULL ELSE i."failedAt" END,
         "updatedAt" = ($${p + 4}::timestamptz AT TIME ZONE 'UTC')
       FROM changed n
       WHERE i."campaignId" = $${p + 1} AND i.id = n.id AND (n.ns IS NULL OR i.state = n.state)
       RETURNING n.ns
     ),
     after AS (
       SELECT kind, "entityMoid", COALESCE(ns, state) AS state,
              CASE WHEN ns = 'failed' THEN 'KEY_INCORRECT' WHEN ns IS NOT NULL THEN NULL ELSE "failureClass" END AS cls,
              CASE WHEN ns = 'verified' THEN $${p + 5} WHEN ns IS NOT NULL THEN NULL ELSE to_char("verifiedAt", 'YYYY-MM-DD"T"HH24') END AS hour
       FROM judged
     )
     SELECT json_build_object(
       'planned', (SELECT count(*) FROM changed),
       'applied', (SELECT count(*) FROM upd),
       'transitions', (SELECT count(ns) FROM upd),
       'groups', (SELECT json_agg(g) FROM (SELECT state, cls, hour, count(*)::int AS n FROM after GROUP BY 1, 2, 3) g),
       'vms', (SELECT row_to_json(t) FROM (${VM_ROLLUP_SQL('after')}) t)
     ) AS r`,
    ...source.params,
    campaignId,
    targetProviderId,
    LOCKED_ON_TARGET_TEXT,
    at,
    hour,
    observedAt.toISOString(),
  );
  const r = row!.r;
  return { planned: r.planned, applied: r.applied, transitions: r.transitions, counts: countsFromGroups(r.groups ?? [], r.vms) };
}
