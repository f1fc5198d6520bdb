/**
 * `CampaignInventory` over the poller's stored inventory (prisma/schema/inventory.prisma): what
 * each vCenter reported at its last successful poll, plus Keywatch's own KMIP probe of each
 * standard provider (KmsNodeState). Campaigns are created and their progress recomputed against
 * this, so both see exactly what the poller stored.
 */
import { parseJsonList } from '../observations/json-columns';
import { moidOfRowId } from '../observations/vcenter-rows';
import { providerHealthLevel } from '../readiness/input';
import type { PrismaClient } from '../db/client';
import type { CampaignInventory, HostProviderHealth, InventoryScope, InventorySnapshot, InventoryVm, ProbeLevel } from './inventory';

const PROVIDER_KINDS = new Set(['standard', 'native', 'trustAuthority', 'unknown'] as const);
const POWER_STATES = new Set(['poweredOn', 'poweredOff', 'suspended'] as const);

const moidOf = (id: string | null): string | null => (id ? moidOfRowId(id) : null);
const keyRef = (keyId: string | null, providerId: string | null) => (keyId ? { keyId, providerId } : null);


/** Keywatch's probe verdict per vCenter provider id: every node healthy → ok, some → degraded, none → down. */
async function probeLevels(prisma: PrismaClient): Promise<Map<string, ProbeLevel>> {
  const providers = await prisma.kmsProvider.findMany({ select: { name: true, keyProviderId: true, nodeStates: { select: { reachable: true, healthy: true } } } });
  const levels = new Map<string, ProbeLevel>();
  for (const p of providers) {
    if (p.nodeStates.length === 0) continue;
    const up = p.nodeStates.filter((n) => n.reachable && n.healthy).length;
    levels.set(p.keyProviderId ?? p.name, up === p.nodeStates.length ? 'ok' : up === 0 ? 'down' : 'degraded');
  }
  return levels;
}

export function storedInventory(prisma: PrismaClient): CampaignInventory {
  return {
    async snapshot(vcenterId: string, scope?: InventoryScope): Promise<InventorySnapshot | null> {
      const target = await prisma.vcenterTarget.findUnique({ where: { id: vcenterId }, select: { id: true, pollState: { select: { lastSuccessAt: true } } } });
      if (!target) return null;
      const where = { vcenterId };
      const [clusters, hosts, providers, hostViews, probes] = await Promise.all([
        prisma.vcCluster.findMany({ where }),
        prisma.vcHost.findMany({ where }),
        prisma.vcKeyProvider.findMany({ where }),
        prisma.vcHostProviderHealth.findMany({ where }),
        probeLevels(prisma),
      ]);

      // The scope is only a hint (never return less than asked): narrow the VM read, the big one.
      const clusterRowIds = scope?.clusterMoids ? new Set(scope.clusterMoids.map((m) => `${vcenterId}:${m}`)) : null;
      const vmWhere = scope?.vmMoids
        ? { vcenterId, moid: { in: [...scope.vmMoids] } }
        : clusterRowIds
          ? { vcenterId, hostId: { in: hosts.filter((h) => h.clusterId && clusterRowIds.has(h.clusterId)).map((h) => h.id) } }
          : where;
      const vms = await prisma.vcVm.findMany({ where: vmWhere, orderBy: { moid: 'asc' } });
      const disks = await prisma.vcVmDisk.findMany({
        where: scope?.vmMoids || clusterRowIds ? { vcenterId, vmId: { in: vms.map((v) => v.id) } } : where,
        orderBy: { deviceKey: 'asc' },
      });

      const disksOf = new Map<string, typeof disks>();
      for (const d of disks) disksOf.set(d.vmId, [...(disksOf.get(d.vmId) ?? []), d]);
      const viewsOf = new Map<string, HostProviderHealth[]>();
      for (const v of hostViews) {
        const level = providerHealthLevel(v.health);
        if (level) viewsOf.set(v.hostId, [...(viewsOf.get(v.hostId) ?? []), { providerId: v.providerId, health: level, details: parseJsonList(v.details) }]);
      }
      const hostById = new Map(hosts.map((h) => [h.id, h]));

      return {
        vcenterId,
        readAt: target.pollState?.lastSuccessAt ?? new Date(0),
        providers: providers.map((p) => ({
          id: p.providerId,
          kind: PROVIDER_KINDS.has(p.kind as 'standard') ? (p.kind as 'standard') : 'unknown',
          health: providerHealthLevel(p.health),
          probe: probes.get(p.providerId) ?? null,
        })),
        clusters: clusters.map((c) => ({
          moid: c.moid,
          name: c.name,
          hostMoids: hosts.filter((h) => h.clusterId === c.id).map((h) => h.moid),
          vsanKek: c.vsanEncryption && c.vsanKekId ? keyRef(c.vsanKekId, c.vsanProviderId) : null,
        })),
        hosts: hosts.map((h) => ({
          moid: h.moid,
          name: h.name,
          clusterMoid: moidOf(h.clusterId),
          connectionState: h.connectionState,
          hostKey: keyRef(h.hostKeyId, h.hostKeyProviderId),
          providers: viewsOf.get(h.id) ?? null,
        })),
        vms: vms.map(
          (v): InventoryVm => ({
            moid: v.moid,
            name: v.name,
            hostMoid: moidOf(v.hostId),
            clusterMoid: moidOf(v.hostId ? (hostById.get(v.hostId)?.clusterId ?? null) : null),
            powerState: v.powerState && POWER_STATES.has(v.powerState as 'poweredOn') ? (v.powerState as 'poweredOn') : null,
            cryptoState: v.cryptoState === 'locked' || v.cryptoState === 'unlocked' ? v.cryptoState : null,
            connectionState: v.connectionState,
            configKey: keyRef(v.keyId, v.keyProviderId),
            disks: (disksOf.get(v.id) ?? []).map((d) => ({ key: d.deviceKey, label: d.label, keyId: keyRef(d.keyId, d.keyProviderId) })),
            haVmMonitoring: v.haVmMonitoring,
            // The poller does not store snapshots nor host key caches: unknown, shown as such in pre-flight.
            snapshotCount: null,
            hasVtpm: v.hasVtpm,
            kekCachedOnHost: null,
          }),
        ),
      };
    },
  };
}
