/**
 * Read models for GET /api/v1/hosts and /api/v1/hosts/{id}: the stored hosts, paged with a
 * keyset cursor and filtered server-side; one host with its key cache (keys needed after a
 * reboot vs keys loaded now, as far as vCenter shows), disk groups, encrypted VMs and its view of
 * each key provider.
 */
import { DomainError } from '../http/errors';
import { z } from 'zod';
import type { PrismaClient } from '../db/client';
import type { VcCluster, VcHost } from '../db/generated/client';
import type { PollKind } from '../poller/backoff';
import { freshnessOf, loadFreshness, POLL_STATE_FACTS_JSON, type Freshness, type PollStateFacts } from './freshness';
import { parseJsonList } from './json-columns';
import type { HostGridState } from '../readiness/estate-verdicts';

/** A query the API cannot answer (code 'invalid' → HTTP 400). */
export class HostQueryError extends DomainError<'invalid'> {
  override name = 'HostQueryError';
  constructor(message: string) {
    super('invalid', 400, message, { field: 'cursor' });
  }
}

const CONNECTION_STATES = ['connected', 'notResponding', 'disconnected'] as const;
const CRYPTO_STATES = ['incapable', 'prepared', 'safe', 'pendingIncapable', 'unknown'] as const;
const VERDICTS = ['READY', 'BLOCKED', 'unknown'] as const;
/** Sort keys; `-` in front for descending. `verdict` ascending puts BLOCKED first, then unknown, then READY. */
export const HOST_SORT_KEYS = ['name', 'cluster', 'connection', 'cryptoState', 'verdict'] as const;
export type HostSortKey = (typeof HOST_SORT_KEYS)[number];
const SORTS = HOST_SORT_KEYS.flatMap((k) => [k, `-${k}`] as const);

export const hostsQuerySchema = z
  .object({
    vcenter: z.string().min(1).max(100).optional(),
    /** Cluster id (as returned in `cluster.id`). */
    cluster: z.string().min(1).max(300).optional(),
    connection: z.enum(CONNECTION_STATES).optional(),
    cryptoState: z.enum(CRYPTO_STATES).optional(),
    /** The host's reboot verdict from stored data, as the overview's grid shows it. */
    verdict: z.enum(VERDICTS).optional(),
    /** Case-insensitive part of the host name. */
    q: z.string().trim().min(1).max(200).optional(),
    sort: z.enum(SORTS as [string, ...string[]]).default('name'),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    /** Numbered pages of `limit` rows (1 = the first); the answer carries `total`. */
    page: z.coerce.number().int().min(1).max(1_000_000).optional(),
    /** `nextCursor` of the previous page (name order only). */
    cursor: z.string().max(600).optional(),
  })
  .superRefine((q, ctx) => {
    if (q.cursor && q.page) ctx.addIssue({ code: 'custom', path: ['cursor'], message: 'use either cursor or page, not both' });
    if (q.cursor && q.sort !== 'name') ctx.addIssue({ code: 'custom', path: ['cursor'], message: 'a cursor pages in name order only: use page with another sort' });
  });
export type HostsQuery = z.infer<typeof hostsQuerySchema>;

const cursorSchema = z.tuple([z.string(), z.string()]);

function encodeCursor(name: string, id: string): string {
  return Buffer.from(JSON.stringify([name, id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new HostQueryError('The cursor is not one this API returned; start again without it.');
  }
}

export interface HostSummaryView {
  id: string;
  moid: string;
  name: string;
  vcenter: { id: string; name: string };
  cluster: { id: string; name: string } | null;
  connectionState: string;
  powerState: string | null;
  inMaintenanceMode: boolean;
  cryptoState: string | null;
  hostKeyLoaded: boolean;
  diskGroups: { total: number; unmounted: number; keysNotLoaded: number };
  vms: { total: number; encrypted: number; locked: number };
  changedAt: string;
}

interface HostAggregates {
  groups: Map<string, HostSummaryView['diskGroups']>;
  vms: Map<string, HostSummaryView['vms']>;
}

async function aggregates(prisma: PrismaClient, hostIds: string[]): Promise<HostAggregates> {
  if (hostIds.length === 0) return { groups: new Map(), vms: new Map() };
  const [groups, vms] = await Promise.all([
    prisma.$queryRawUnsafe<{ hostId: string; total: number; unmounted: number; keysNotLoaded: number }[]>(
      `SELECT "hostId", count(*)::int AS total, count(*) FILTER (WHERE NOT "mounted")::int AS unmounted,
              count(*) FILTER (WHERE "encrypted" AND "keysLoaded" = false)::int AS "keysNotLoaded"
       FROM "VcDiskGroup" WHERE "hostId" = ANY($1::text[]) GROUP BY "hostId"`,
      hostIds,
    ),
    prisma.$queryRawUnsafe<{ hostId: string; total: number; encrypted: number; locked: number }[]>(
      `SELECT "hostId", count(*)::int AS total, count(*) FILTER (WHERE "cryptoState" IS NOT NULL OR "keyId" IS NOT NULL)::int AS encrypted,
              count(*) FILTER (WHERE "cryptoState" = 'locked')::int AS locked
       FROM "VcVm" WHERE "hostId" = ANY($1::text[]) GROUP BY "hostId"`,
      hostIds,
    ),
  ]);
  return {
    groups: new Map(groups.map((g) => [g.hostId, { total: Number(g.total), unmounted: Number(g.unmounted), keysNotLoaded: Number(g.keysNotLoaded) }])),
    vms: new Map(vms.map((v) => [v.hostId, { total: Number(v.total), encrypted: Number(v.encrypted), locked: Number(v.locked) }])),
  };
}

function summary(h: VcHost, vcName: string, cluster: Pick<VcCluster, 'id' | 'name'> | undefined, agg: HostAggregates): HostSummaryView {
  return {
    id: h.id,
    moid: h.moid,
    name: h.name,
    vcenter: { id: h.vcenterId, name: vcName },
    cluster: cluster ? { id: cluster.id, name: cluster.name } : null,
    connectionState: h.connectionState,
    powerState: h.powerState,
    inMaintenanceMode: h.inMaintenanceMode,
    cryptoState: h.cryptoState,
    hostKeyLoaded: h.hostKeyId !== null,
    diskGroups: agg.groups.get(h.id) ?? { total: 0, unmounted: 0, keysNotLoaded: 0 },
    vms: agg.vms.get(h.id) ?? { total: 0, encrypted: 0, locked: 0 },
    changedAt: h.changedAt.toISOString(),
  };
}

type VerdictCell = { id: string; state: HostGridState; reason: string | null };

/** Hosts' reboot verdicts from stored data (lib/readiness/stored-verdicts). */
export interface HostVerdictSource {
  /** One host's, by row id (evaluated when first asked for). */
  of(id: string): VerdictCell | undefined;
  /** Every stored host's: what a filter or a sort by verdict needs. */
  all(): readonly VerdictCell[];
}

export interface HostListRow extends HostSummaryView {
  /** unknown also when the host was stored after the verdicts were last evaluated. */
  verdict: { state: HostGridState; reason: string | null };
}

export interface HostListView {
  hosts: HostListRow[];
  /** Hosts matching the filters, over every page; counted for numbered pages only (null with a cursor). */
  total: number | null;
  /** The page asked for (1 when paging by cursor). */
  page: number;
  nextCursor: string | null;
  /** Every stored cluster, for a cluster filter's choices; with numbered pages only (null with a cursor). */
  clusters: { id: string; name: string; vcenterId: string }[] | null;
  /** Per vCenter in the page: when its data was last read, and whether it is stale. */
  freshness: Freshness[];
}

type HostPageRow = VcHost & {
  clusterName: string | null;
  vcenterName: string;
  dgTotal: number;
  dgUnmounted: number;
  dgKeysNotLoaded: number;
  vmTotal: number;
  vmEncrypted: number;
  vmLocked: number;
  total: number;
  /** The PollState of the page's vCenters (the same on every row). */
  pollStates: PollStateFacts[] | null;
};

const VERDICT_RANK: Record<HostGridState, number> = { BLOCKED: 0, unknown: 1, READY: 2 };

/**
 * One SQL statement per page: the page of hosts (filtered, sorted, cut) first, then its cluster and
 * vCenter names, disk-group / VM counts for those rows only, and their vCenters' poll state. A
 * page costs about the same on 25 hosts as on 25,000, which keeps the list fast under many
 * concurrent clients. Verdicts are not columns: the filter and the sort receive them as arrays of
 * row ids from the stored-verdicts lookup.
 */
export async function listHosts(
  prisma: PrismaClient,
  query: HostsQuery,
  staleAfterMs: (kind: PollKind) => number,
  now: Date,
  verdicts: HostVerdictSource,
): Promise<HostListView> {
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const idsWith = (states: HostGridState[]) => verdicts.all().filter((v) => states.includes(v.state)).map((v) => v.id);
  const where: string[] = [];
  if (query.vcenter) where.push(`h."vcenterId" = ${p(query.vcenter)}`);
  if (query.cluster) where.push(`h."clusterId" = ${p(query.cluster)}`);
  if (query.connection) where.push(`h."connectionState" = ${p(query.connection)}`);
  if (query.cryptoState) where.push(query.cryptoState === 'unknown' ? `h."cryptoState" IS NULL` : `h."cryptoState" = ${p(query.cryptoState)}`);
  // A host without a verdict yet reads as unknown, so unknown is "neither READY nor BLOCKED".
  if (query.verdict === 'unknown') where.push(`NOT (h."id" = ANY(${p(idsWith(['READY', 'BLOCKED']))}::text[]))`);
  else if (query.verdict) where.push(`h."id" = ANY(${p(idsWith([query.verdict]))}::text[])`);
  if (query.q) where.push(`h."name" ILIKE ${p(`%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)}`);
  if (after) where.push(`(h."name", h."id") > (${p(after[0])}, ${p(after[1])})`);
  // The filters' parameters come first; a count past the last page reuses just them.
  const filterParams = params.slice();

  const descending = query.sort.startsWith('-');
  const key = query.sort.replace(/^-/, '') as HostSortKey;
  let joins = '';
  let sortKey: string | null = null;
  if (key === 'cluster') {
    joins = `LEFT JOIN "VcCluster" sc ON sc."id" = h."clusterId"`;
    sortKey = `sc."name"`;
  } else if (key === 'connection') sortKey = `h."connectionState"`;
  else if (key === 'cryptoState') sortKey = `h."cryptoState"`;
  else if (key === 'verdict') {
    const all = verdicts.all();
    joins = `LEFT JOIN unnest(${p(all.map((v) => v.id))}::text[], ${p(all.map((v) => VERDICT_RANK[v.state]))}::int[]) AS vr("id", "rank") ON vr."id" = h."id"`;
    sortKey = `coalesce(vr."rank", ${VERDICT_RANK.unknown})`;
  }
  const dir = descending ? 'DESC' : 'ASC';
  // Ties (and the name sort itself) in name order, then id: a stable order across pages.
  const order = (t: string) => (sortKey ? `${t}"sortKey" ${dir} NULLS LAST, ${t}"name", ${t}"id"` : `${t}"name" ${dir}, ${t}"id" ${dir}`);
  const offset = query.page ? (query.page - 1) * query.limit : 0;
  const clusters = query.page ? prisma.vcCluster.findMany({ select: { id: true, name: true, vcenterId: true }, orderBy: [{ name: 'asc' }, { id: 'asc' }] }) : null;
  const rows = await prisma.$queryRawUnsafe<HostPageRow[]>(
    `WITH page AS MATERIALIZED (
       SELECT h.*, ${sortKey ?? 'NULL::text'} AS "sortKey", ${query.page ? 'count(*) OVER ()::int' : 'NULL::int'} AS "total"
       FROM "VcHost" h ${joins} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${order('')} LIMIT ${p(query.limit + 1)} OFFSET ${p(offset)}
     )
     SELECT page.*, c."name" AS "clusterName", v."name" AS "vcenterName",
            dg.total AS "dgTotal", dg.unmounted AS "dgUnmounted", dg.keys AS "dgKeysNotLoaded",
            vm.total AS "vmTotal", vm.encrypted AS "vmEncrypted", vm.locked AS "vmLocked",
            (SELECT json_agg(${POLL_STATE_FACTS_JSON('s')}) FROM "PollState" s WHERE s."vcenterId" IN (SELECT "vcenterId" FROM page)) AS "pollStates"
     FROM page
     JOIN "VcenterTarget" v ON v."id" = page."vcenterId"
     LEFT JOIN "VcCluster" c ON c."id" = page."clusterId"
     LEFT JOIN LATERAL (
       SELECT count(*)::int AS total, count(*) FILTER (WHERE NOT g."mounted")::int AS unmounted,
              count(*) FILTER (WHERE g."encrypted" AND g."keysLoaded" = false)::int AS keys
       FROM "VcDiskGroup" g WHERE g."hostId" = page."id") dg ON true
     LEFT JOIN LATERAL (
       SELECT count(*)::int AS total, count(*) FILTER (WHERE m."cryptoState" IS NOT NULL OR m."keyId" IS NOT NULL)::int AS encrypted,
              count(*) FILTER (WHERE m."cryptoState" = 'locked')::int AS locked
       FROM "VcVm" m WHERE m."hostId" = page."id") vm ON true
     ORDER BY ${order('page.')}`,
    ...params,
  );
  const page = rows.slice(0, query.limit);
  const vcenterIds = [...new Set(page.map((h) => h.vcenterId))];
  // Folded into the page's statement: one round trip per request.
  const states = (rows[0]?.pollStates ?? []).filter((st) => st.vcenterId !== null && vcenterIds.includes(st.vcenterId));
  const freshness = freshnessOf(states, staleAfterMs, now, vcenterIds.map((id) => ({ id, kind: 'vcenter' as const })));
  const last = page[page.length - 1];
  // Past the last page there is no row to carry the count: count again only then.
  // Counting every match is what a pager needs; keyset paging (automation walking the list) skips it.
  const total = !query.page ? null : rows[0] ? Number(rows[0].total) : offset > 0 ? await countHosts(prisma, where, filterParams) : 0;
  return {
    hosts: page.map((h) => {
      const agg: HostAggregates = {
        groups: new Map([[h.id, { total: Number(h.dgTotal), unmounted: Number(h.dgUnmounted), keysNotLoaded: Number(h.dgKeysNotLoaded) }]]),
        vms: new Map([[h.id, { total: Number(h.vmTotal), encrypted: Number(h.vmEncrypted), locked: Number(h.vmLocked) }]]),
      };
      const row = summary({ ...h, changedAt: new Date(h.changedAt) }, h.vcenterName, h.clusterId && h.clusterName ? { id: h.clusterId, name: h.clusterName } : undefined, agg);
      const verdict = verdicts.of(h.id);
      return { ...row, verdict: verdict ? { state: verdict.state, reason: verdict.reason } : { state: 'unknown' as const, reason: 'Not evaluated yet: the host was stored after the last evaluation.' } };
    }),
    total,
    page: query.page ?? 1,
    nextCursor: !query.page && query.sort === 'name' && rows.length > query.limit && last ? encodeCursor(last.name, last.id) : null,
    clusters: await clusters,
    freshness: [...freshness.values()],
  };
}

async function countHosts(prisma: PrismaClient, where: string[], params: unknown[]): Promise<number> {
  const [row] = await prisma.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "VcHost" h ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`, ...params);
  return Number(row?.n ?? 0);
}

export type KeyPurpose = 'vsan-kek' | 'host-key' | 'vm-kek';

export interface KeyCacheEntry {
  keyId: string;
  providerId: string | null;
  purpose: KeyPurpose;
  /** What needs it on this host. */
  usedBy: string[];
  /** Loaded now as far as vCenter shows; null = vCenter does not say. */
  loaded: boolean | null;
  /** Which vCenter fact `loaded` comes from. */
  evidence: string;
}

export interface HostDetailView {
  host: HostSummaryView & { hostKeyId: string | null; readErrors: string[] };
  cluster: { id: string; name: string; vsanEncryption: boolean | null; vsanProviderId: string | null; vsanKekId: string | null; hostKeyId: string | null } | null;
  /** Keys this host needs after a reboot, and whether it holds each now. */
  keyCache: { needed: number; loaded: number; notLoaded: number; unknown: number; keys: KeyCacheEntry[] };
  diskGroups: { id: string; uuid: string; mounted: boolean; encrypted: boolean; keysLoaded: boolean | null; providerId: string | null; kekId: string | null; diskCount: number; capacityBytes: number | null; changedAt: string }[];
  encryptedVms: { id: string; name: string; powerState: string | null; cryptoState: string | null; keyId: string | null; keyProviderId: string | null; disks: { label: string | null; keyId: string | null; keyProviderId: string | null }[] }[];
  providers: { providerId: string; health: string; details: string[]; changedAt: string; kms: { targetId: string; targetName: string; nodesTotal: number; nodesUnreachable: number } | null }[];
  freshness: Freshness;
}

function keyCacheOf(host: VcHost, cluster: VcCluster | null, groups: HostDetailView['diskGroups'], vms: HostDetailView['encryptedVms']): KeyCacheEntry[] {
  const keys: KeyCacheEntry[] = [];
  if (cluster?.vsanEncryption && cluster.vsanKekId) {
    const encrypted = groups.filter((g) => g.encrypted);
    const states = encrypted.map((g) => g.keysLoaded);
    keys.push({
      keyId: cluster.vsanKekId,
      providerId: cluster.vsanProviderId,
      purpose: 'vsan-kek',
      usedBy: [`vSAN disk groups of ${cluster.name}`],
      loaded: states.includes(false) ? false : states.length > 0 && states.every((s) => s === true) ? true : null,
      evidence: encrypted.length ? 'vSAN disk groups: encryption keys loaded' : 'no encrypted disk group reported on this host',
    });
  }
  const hostKeyId = (cluster?.vsanEncryption ? cluster.hostKeyId : null) ?? host.hostKeyId;
  if (hostKeyId) {
    keys.push({
      keyId: hostKeyId,
      providerId: host.hostKeyProviderId ?? cluster?.vsanProviderId ?? null,
      purpose: 'host-key',
      usedBy: ['host key (core dumps, crypto state safe)'],
      loaded: host.hostKeyId === hostKeyId ? true : host.connectionState === 'connected' ? false : null,
      evidence: 'runtime.cryptoKeyId of the host',
    });
  }
  const byKey = new Map<string, { providerId: string | null; vms: string[]; states: (string | null)[] }>();
  for (const vm of vms) {
    const ids = new Map<string, string | null>();
    if (vm.keyId) ids.set(vm.keyId, vm.keyProviderId);
    for (const d of vm.disks) if (d.keyId && !ids.has(d.keyId)) ids.set(d.keyId, d.keyProviderId);
    for (const [keyId, providerId] of ids) {
      const entry = byKey.get(keyId) ?? { providerId, vms: [], states: [] };
      entry.vms.push(vm.name);
      entry.states.push(vm.powerState === 'poweredOn' || vm.cryptoState === 'locked' ? vm.cryptoState : null);
      byKey.set(keyId, entry);
    }
  }
  for (const [keyId, e] of byKey) {
    keys.push({
      keyId,
      providerId: e.providerId,
      purpose: 'vm-kek',
      usedBy: e.vms,
      loaded: e.states.includes('locked') ? false : e.states.includes('unlocked') ? true : null,
      evidence: 'crypto state of the encrypted VMs using it (locked = key not loaded; powered-off VMs say nothing)',
    });
  }
  return keys;
}

export async function getHost(prisma: PrismaClient, id: string, staleAfterMs: (kind: PollKind) => number, now: Date): Promise<HostDetailView | null> {
  const host = await prisma.vcHost.findUnique({ where: { id } });
  if (!host) return null;
  const [cluster, vcenter, groups, vms, views, agg, freshness, kmsTargets] = await Promise.all([
    host.clusterId ? prisma.vcCluster.findUnique({ where: { id: host.clusterId } }) : Promise.resolve(null),
    prisma.vcenterTarget.findUnique({ where: { id: host.vcenterId }, select: { name: true } }),
    prisma.vcDiskGroup.findMany({ where: { hostId: id }, orderBy: { uuid: 'asc' } }),
    prisma.vcVm.findMany({ where: { hostId: id, OR: [{ cryptoState: { not: null } }, { keyId: { not: null } }] }, orderBy: { name: 'asc' } }),
    prisma.vcHostProviderHealth.findMany({ where: { hostId: id }, orderBy: { providerId: 'asc' } }),
    aggregates(prisma, [id]),
    loadFreshness(prisma, staleAfterMs, now, [{ id: host.vcenterId, kind: 'vcenter' }]),
    prisma.kmsProvider.findMany({ select: { id: true, name: true, keyProviderId: true, nodeStates: { select: { reachable: true } } } }),
  ]);
  const disks = await prisma.vcVmDisk.findMany({ where: { vmId: { in: vms.map((v) => v.id) } }, orderBy: [{ vmId: 'asc' }, { deviceKey: 'asc' }] });
  const groupViews: HostDetailView['diskGroups'] = groups.map(({ vcenterId: _vc, hostId: _host, changedAt, ...g }) => ({ ...g, changedAt: changedAt.toISOString() }));
  const vmViews: HostDetailView['encryptedVms'] = vms.map((v) => ({
    id: v.id,
    name: v.name,
    powerState: v.powerState,
    cryptoState: v.cryptoState,
    keyId: v.keyId,
    keyProviderId: v.keyProviderId,
    disks: disks.filter((d) => d.vmId === v.id).map((d) => ({ label: d.label, keyId: d.keyId, keyProviderId: d.keyProviderId })),
  }));
  const keys = keyCacheOf(host, cluster, groupViews, vmViews);
  const kmsByProvider = new Map(kmsTargets.map((t) => [t.keyProviderId ?? t.name, t]));
  return {
    host: { ...summary(host, vcenter?.name ?? host.vcenterId, cluster ?? undefined, agg), hostKeyId: host.hostKeyId, readErrors: parseJsonList(host.readErrors) },
    cluster: cluster
      ? { id: cluster.id, name: cluster.name, vsanEncryption: cluster.vsanEncryption, vsanProviderId: cluster.vsanProviderId, vsanKekId: cluster.vsanKekId, hostKeyId: cluster.hostKeyId }
      : null,
    keyCache: {
      needed: keys.length,
      loaded: keys.filter((k) => k.loaded === true).length,
      notLoaded: keys.filter((k) => k.loaded === false).length,
      unknown: keys.filter((k) => k.loaded === null).length,
      keys,
    },
    diskGroups: groupViews,
    encryptedVms: vmViews,
    providers: views.map((v) => {
      const t = kmsByProvider.get(v.providerId);
      return {
        providerId: v.providerId,
        health: v.health,
        details: parseJsonList(v.details),
        changedAt: v.changedAt.toISOString(),
        kms: t ? { targetId: t.id, targetName: t.name, nodesTotal: t.nodeStates.length, nodesUnreachable: t.nodeStates.filter((n) => !n.reachable).length } : null,
      };
    }),
    freshness: freshness.get(host.vcenterId)!,
  };
}
