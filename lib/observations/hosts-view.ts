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

/** A query the API cannot answer (code 'invalid' → HTTP 400). */
export class HostQueryError extends DomainError<'invalid'> {
  override name = 'HostQueryError';
  constructor(message: string) {
    super('invalid', 400, message, { field: 'cursor' });
  }
}

const CONNECTION_STATES = ['connected', 'notResponding', 'disconnected'] as const;
const CRYPTO_STATES = ['incapable', 'prepared', 'safe', 'pendingIncapable', 'unknown'] as const;

export const hostsQuerySchema = z.object({
  vcenter: z.string().min(1).max(100).optional(),
  /** Cluster id (as returned in `cluster.id`). */
  cluster: z.string().min(1).max(300).optional(),
  connection: z.enum(CONNECTION_STATES).optional(),
  cryptoState: z.enum(CRYPTO_STATES).optional(),
  /** Case-insensitive part of the host name. */
  q: z.string().trim().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** `nextCursor` of the previous page. */
  cursor: z.string().max(600).optional(),
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

export interface HostListView {
  hosts: HostSummaryView[];
  nextCursor: string | null;
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
  /** The PollState of the page's vCenters (the same on every row). */
  pollStates: PollStateFacts[] | null;
};

/**
 * One SQL statement per page: the page of hosts (keyset on name, id) first, then its cluster and
 * vCenter names, disk-group / VM counts for those rows only, and their vCenters' poll state. A
 * page costs the same on 25 hosts as on 25,000, which is what keeps the list fast under many
 * concurrent clients.
 */
export async function listHosts(prisma: PrismaClient, query: HostsQuery, staleAfterMs: (kind: PollKind) => number, now: Date): Promise<HostListView> {
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (query.vcenter) where.push(`"vcenterId" = ${p(query.vcenter)}`);
  if (query.cluster) where.push(`"clusterId" = ${p(query.cluster)}`);
  if (query.connection) where.push(`"connectionState" = ${p(query.connection)}`);
  if (query.cryptoState) where.push(query.cryptoState === 'unknown' ? `"cryptoState" IS NULL` : `"cryptoState" = ${p(query.cryptoState)}`);
  if (query.q) where.push(`"name" ILIKE ${p(`%${query.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)}`);
  if (after) where.push(`("name", "id") > (${p(after[0])}, ${p(after[1])})`);
  const rows = await prisma.$queryRawUnsafe<HostPageRow[]>(
    `WITH page AS MATERIALIZED (
       SELECT * FROM "VcHost" ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY "name", "id" LIMIT ${p(query.limit + 1)}
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
     ORDER BY page."name", page."id"`,
    ...params,
  );
  const page = rows.slice(0, query.limit);
  const vcenterIds = [...new Set(page.map((h) => h.vcenterId))];
  // Folded into the page's statement: one round trip per request.
  const states = (rows[0]?.pollStates ?? []).filter((st) => st.vcenterId !== null && vcenterIds.includes(st.vcenterId));
  const freshness = freshnessOf(states, staleAfterMs, now, vcenterIds.map((id) => ({ id, kind: 'vcenter' as const })));
  const last = page[page.length - 1];
  return {
    hosts: page.map((h) => {
      const agg: HostAggregates = {
        groups: new Map([[h.id, { total: Number(h.dgTotal), unmounted: Number(h.dgUnmounted), keysNotLoaded: Number(h.dgKeysNotLoaded) }]]),
        vms: new Map([[h.id, { total: Number(h.vmTotal), encrypted: Number(h.vmEncrypted), locked: Number(h.vmLocked) }]]),
      };
      return summary({ ...h, changedAt: new Date(h.changedAt) }, h.vcenterName, h.clusterId && h.clusterName ? { id: h.clusterId, name: h.clusterName } : undefined, agg);
    }),
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.name, last.id) : null,
    freshness: [...freshness.values()],
  };
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
