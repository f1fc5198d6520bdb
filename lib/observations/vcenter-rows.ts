/**
 * One vCenter reading as the rows lib/observations stores: pure, no database. Parts vCenter
 * could not report for a host (provider view, disk groups) are marked so that the store keeps
 * the rows it already has for them instead of deleting them.
 */
import type {
  VcCluster,
  VcDatastore,
  VcDatastoreMount,
  VcDiskGroup,
  VcHost,
  VcHostProviderHealth,
  VcKey,
  VcKeyProvider,
  VcVm,
  VcVmDisk,
} from '../db/generated/client';
import type { Estate, EstateKeyRef } from '../vsphere/estate';
import type { VcenterReading } from './readings';

export type Row<M> = Omit<M, 'changedAt'>;

export interface VcenterRows {
  clusters: Map<string, Row<VcCluster>>;
  hosts: Map<string, Row<VcHost>>;
  diskGroups: Map<string, Row<VcDiskGroup>>;
  datastores: Map<string, Row<VcDatastore>>;
  datastoreMounts: Map<string, VcDatastoreMount>;
  vms: Map<string, Row<VcVm>>;
  vmDisks: Map<string, Row<VcVmDisk>>;
  keyProviders: Map<string, Row<VcKeyProvider>>;
  hostProviderHealth: Map<string, Row<VcHostProviderHealth>>;
  keys: Map<string, Row<VcKey>>;
}

/** What this reading could not see; the store carries the stored rows of these over unchanged. */
export interface VcenterGaps {
  /** Host row ids whose disk groups were not read. */
  diskGroupsUnread: Set<string>;
  /** Host row ids whose provider view was not read. */
  providerViewUnread: Set<string>;
  /** RetrieveKmipServersStatus failed: keep each provider's stored serverStatus. */
  serverStatusUnread: boolean;
  /** QueryCryptoKeyStatus failed: keep each key's stored availability. */
  keyStatusUnread: boolean;
}

export const rowId = (vcenterId: string, moid: string): string => `${vcenterId}:${moid}`;
/** The managed object id back out of a row id made by `rowId`. */
export const moidOfRowId = (id: string): string => id.slice(id.indexOf(':') + 1);
export const diskGroupRowId = (hostRowId: string, uuid: string): string => `${hostRowId}:${uuid}`;
export const vmDiskRowId = (vmRowId: string, deviceKey: number): string => `${vmRowId}:${deviceKey}`;
export const hostProviderRowId = (hostRowId: string, providerId: string): string => `${hostRowId}|${providerId}`;
export const mountRowId = (datastoreRowId: string, entityRowId: string): string => `${datastoreRowId}|${entityRowId}`;

const json = (value: unknown): string => JSON.stringify(value);

export function emptyVcenterRows(): VcenterRows {
  return {
    clusters: new Map(),
    hosts: new Map(),
    diskGroups: new Map(),
    datastores: new Map(),
    datastoreMounts: new Map(),
    vms: new Map(),
    vmDisks: new Map(),
    keyProviders: new Map(),
    hostProviderHealth: new Map(),
    keys: new Map(),
  };
}

export function buildVcenterRows(vcenterId: string, reading: VcenterReading): { rows: VcenterRows; gaps: VcenterGaps } {
  const { estate } = reading;
  const id = (moid: string) => rowId(vcenterId, moid);
  const rows = emptyVcenterRows();
  const gaps: VcenterGaps = {
    diskGroupsUnread: new Set(),
    providerViewUnread: new Set(),
    serverStatusUnread: reading.kmipStatus === null,
    keyStatusUnread: reading.keyStatus === null,
  };
  const mount = (datastoreMoid: string, entityType: 'host' | 'cluster', entityMoid: string) => {
    const datastoreId = id(datastoreMoid);
    const entityId = id(entityMoid);
    rows.datastoreMounts.set(mountRowId(datastoreId, entityId), { id: mountRowId(datastoreId, entityId), vcenterId, datastoreId, entityType, entityId });
  };

  for (const c of estate.clusters) {
    const enc = c.vsanEncryption;
    rows.clusters.set(id(c.id), {
      id: id(c.id),
      vcenterId,
      moid: c.id,
      name: c.name,
      haEnabled: c.haEnabled,
      vsanEncryption: enc?.enabled ?? null,
      vsanProviderId: enc?.providerId ?? null,
      vsanKekId: enc?.kekId ?? null,
      hostKeyId: enc?.hostKeyId ?? null,
    });
    for (const ds of c.datastoreIds) mount(ds, 'cluster', c.id);
  }

  for (const h of estate.hosts) {
    const hostId = id(h.id);
    rows.hosts.set(hostId, {
      id: hostId,
      vcenterId,
      moid: h.id,
      name: h.name,
      clusterId: h.clusterId ? id(h.clusterId) : null,
      connectionState: h.connectionState,
      powerState: h.powerState,
      inMaintenanceMode: h.inMaintenanceMode,
      cryptoState: h.cryptoState,
      hostKeyId: h.hostKey?.keyId ?? null,
      hostKeyProviderId: h.hostKey?.providerId ?? null,
      readErrors: h.readErrors.length > 0 ? json(h.readErrors) : null,
    });
    if (h.diskGroups === null) gaps.diskGroupsUnread.add(hostId);
    for (const g of h.diskGroups ?? []) {
      const groupId = diskGroupRowId(hostId, g.uuid);
      const capacities = g.disks.filter((d) => d.role === 'capacity').map((d) => d.capacityBytes);
      rows.diskGroups.set(groupId, {
        id: groupId,
        vcenterId,
        hostId,
        uuid: g.uuid,
        mounted: g.mounted,
        encrypted: g.encrypted,
        keysLoaded: g.keysLoaded,
        providerId: g.providerId,
        kekId: g.kekId,
        diskCount: g.disks.length,
        capacityBytes: capacities.length > 0 && capacities.every((c) => c !== null) ? capacities.reduce<number>((a, b) => a + (b ?? 0), 0) : null,
      });
    }
    if (h.providers === null) gaps.providerViewUnread.add(hostId);
    for (const p of h.providers ?? []) {
      const viewId = hostProviderRowId(hostId, p.providerId);
      rows.hostProviderHealth.set(viewId, { id: viewId, vcenterId, hostId, providerId: p.providerId, health: p.health, details: json(p.details) });
    }
  }

  for (const d of estate.datastores) {
    rows.datastores.set(id(d.id), {
      id: id(d.id),
      vcenterId,
      moid: d.id,
      name: d.name,
      type: d.type,
      capacityBytes: d.capacityBytes,
      // The estate does not read summary.freeSpace.
      freeBytes: null,
      accessible: d.accessible,
    });
    for (const m of d.mounts) mount(d.id, 'host', m.hostId);
  }

  for (const v of estate.vms) {
    const vmId = id(v.id);
    rows.vms.set(vmId, {
      id: vmId,
      vcenterId,
      moid: v.id,
      name: v.name,
      hostId: v.hostId ? id(v.hostId) : null,
      powerState: v.powerState,
      connectionState: v.connectionState,
      cryptoState: v.cryptoState,
      keyId: v.keyId?.keyId ?? null,
      keyProviderId: v.keyId?.providerId ?? null,
      ipAddress: v.ipAddress,
      annotation: v.annotation,
      hasVtpm: v.hasVtpm,
      haVmMonitoring: v.haVmMonitoring,
      datastoreIds: json(v.datastoreIds.map(id)),
    });
    for (const disk of v.disks) {
      const diskId = vmDiskRowId(vmId, disk.key);
      rows.vmDisks.set(diskId, {
        id: diskId,
        vcenterId,
        vmId,
        deviceKey: disk.key,
        label: disk.label,
        fileName: disk.fileName,
        datastoreId: disk.datastoreId ? id(disk.datastoreId) : null,
        keyId: disk.keyId?.keyId ?? null,
        keyProviderId: disk.keyId?.providerId ?? null,
      });
    }
  }

  const serverStatus = new Map((reading.kmipStatus ?? []).map((c) => [c.clusterId.id, c.servers]));
  for (const p of estate.providers) {
    const providerRowId = rowId(vcenterId, p.id);
    const status = serverStatus.get(p.id);
    rows.keyProviders.set(providerRowId, {
      id: providerRowId,
      vcenterId,
      providerId: p.id,
      kind: p.kind,
      isDefault: p.isDefault,
      health: p.health,
      details: json(p.details),
      servers: json(p.servers),
      serverStatus: status
        ? json(status.map((s) => ({ name: s.name, status: s.status, connectionStatus: s.connectionStatus, clientTrustServer: s.clientTrustServer ?? null, serverTrustClient: s.serverTrustClient ?? null })))
        : null,
    });
  }

  const keyStatus = new Map((reading.keyStatus ?? []).map((s) => [s.keyId.keyId, s]));
  for (const { keyId, providerId } of keyRefsOf(estate)) {
    const status = keyStatus.get(keyId);
    rows.keys.set(rowId(vcenterId, keyId), {
      id: rowId(vcenterId, keyId),
      vcenterId,
      keyId,
      providerId,
      available: status?.keyAvailable ?? null,
      reason: status?.reason ?? null,
    });
  }
  return { rows, gaps };
}

/**
 * Every key the estate refers to (cluster KEKs and host keys, host keys loaded, disk-group KEKs,
 * VM and disk keys), with its provider when any reference names it: what QueryCryptoKeyStatus
 * is asked about and what VcKey stores.
 */
export function keyRefsOf(estate: Estate): { keyId: string; providerId: string | null }[] {
  const refs = new Map<string, string | null>();
  const note = (keyId: string | null | undefined, providerId: string | null | undefined) => {
    if (!keyId) return;
    // A reference that names the provider wins over one that does not.
    if (!refs.has(keyId) || (refs.get(keyId) === null && providerId)) refs.set(keyId, providerId ?? null);
  };
  const noteRef = (ref: EstateKeyRef | null) => note(ref?.keyId, ref?.providerId);
  for (const c of estate.clusters) {
    if (!c.vsanEncryption?.enabled) continue;
    note(c.vsanEncryption.kekId, c.vsanEncryption.providerId);
    note(c.vsanEncryption.hostKeyId, c.vsanEncryption.providerId);
  }
  for (const h of estate.hosts) {
    noteRef(h.hostKey);
    for (const g of h.diskGroups ?? []) note(g.kekId, g.providerId);
  }
  for (const v of estate.vms) {
    noteRef(v.keyId);
    for (const disk of v.disks) noteRef(disk.keyId);
  }
  return [...refs].map(([keyId, providerId]) => ({ keyId, providerId }));
}
