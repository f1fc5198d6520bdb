/**
 * What a campaign needs to know about a vCenter's estate: VMs with the key (and so the provider)
 * of their configuration and of each disk, clusters with their vSAN KEK, hosts with their host
 * key and their view of each provider, and the providers' health. This is vCenter's truth, and
 * the only source of an item's current provider.
 *
 * `CampaignInventory` is the seam: the stored inventory of the poller, or a live read through
 * lib/vsphere (`snapshotFromEstate`), plug in behind it.
 */
import type { Estate } from '../vsphere/estate';
import type { ProviderHealth } from '../vsphere/schemas';

export interface KeyRef {
  keyId: string;
  /** Provider id as vCenter names it; null when vCenter does not say. */
  providerId: string | null;
}

/** Keywatch's own KMIP probe of a provider's nodes: all answer / some / none. */
export type ProbeLevel = 'ok' | 'degraded' | 'down';

export interface InventoryVmDisk {
  /** Virtual device key (2000, 2001, …). */
  key: number;
  label: string | null;
  /** null: this disk is not encrypted. */
  keyId: KeyRef | null;
}

export interface InventoryVm {
  moid: string;
  name: string;
  hostMoid: string | null;
  clusterMoid: string | null;
  powerState: 'poweredOn' | 'poweredOff' | 'suspended' | null;
  /** runtime.cryptoState; null for VMs that are not encrypted. */
  cryptoState: 'locked' | 'unlocked' | null;
  /** runtime.connectionState (connected, disconnected, invalid, …); null when the source does not read it. */
  connectionState: string | null;
  /** config.keyId; null when the VM is not encrypted. */
  configKey: KeyRef | null;
  disks: InventoryVmDisk[];
  /** HA VM monitoring in effect for this VM; null when unknown. */
  haVmMonitoring: boolean | null;
  snapshotCount: number | null;
  hasVtpm: boolean | null;
  /** Whether the VM's KEK is in its host's key cache; null when unknown. */
  kekCachedOnHost: boolean | null;
}

export interface InventoryCluster {
  moid: string;
  name: string;
  hostMoids: string[];
  /** The vSAN data-encryption KEK; null when vSAN encryption is off or not reported. */
  vsanKek: KeyRef | null;
}

export interface HostProviderHealth {
  providerId: string;
  health: ProviderHealth;
  details: string[];
}

export interface InventoryHost {
  moid: string;
  name: string;
  clusterMoid: string | null;
  connectionState: string;
  /** runtime.cryptoKeyId; null while the host has none loaded. */
  hostKey: KeyRef | null;
  /** Each provider as this host sees it; null when vCenter could not report it. */
  providers: HostProviderHealth[] | null;
}

export interface InventoryProvider {
  id: string;
  kind: 'standard' | 'native' | 'trustAuthority' | 'unknown';
  /** vCenter-wide health; null when not reported. */
  health: ProviderHealth | null;
  /** Keywatch's KMIP probe; null when not probed (the NKP has no KMIP endpoint). */
  probe: ProbeLevel | null;
}

export interface InventorySnapshot {
  vcenterId: string;
  readAt: Date;
  providers: InventoryProvider[];
  clusters: InventoryCluster[];
  hosts: InventoryHost[];
  vms: InventoryVm[];
}

export interface InventoryScope {
  clusterMoids?: readonly string[];
  vmMoids?: readonly string[];
}

export interface CampaignInventory {
  /**
   * The estate of `vcenterId` as vCenter last reported it. `scope` is a hint: an implementation
   * may return more than asked (campaign code filters), never less. Unknown vCenter → null.
   */
  snapshot(vcenterId: string, scope?: InventoryScope): Promise<InventorySnapshot | null>;
}

/** Extra facts a caller may know that a vCenter estate read does not carry. */
export interface SnapshotExtras {
  probes?: Record<string, ProbeLevel | null>;
  snapshotCounts?: Record<string, number>;
  vtpmVms?: ReadonlySet<string>;
  kekCachedOnHost?: (vm: { moid: string; hostMoid: string | null; keyId: string }) => boolean | null;
  vmConnectionStates?: Record<string, string>;
}

const toKeyRef = (k: { keyId: string; providerId: string | null } | null): KeyRef | null => (k ? { keyId: k.keyId, providerId: k.providerId } : null);

/** An inventory snapshot from a lib/vsphere estate read (live, or replayed from the poller). */
export function snapshotFromEstate(vcenterId: string, estate: Estate, extras: SnapshotExtras = {}): InventorySnapshot {
  const clusterOfHost = new Map(estate.hosts.map((h) => [h.id, h.clusterId]));
  return {
    vcenterId,
    readAt: new Date(estate.readAt),
    providers: estate.providers.map((p) => ({ id: p.id, kind: p.kind, health: p.health, probe: extras.probes?.[p.id] ?? null })),
    clusters: estate.clusters.map((c) => ({
      moid: c.id,
      name: c.name,
      hostMoids: estate.hosts.filter((h) => h.clusterId === c.id).map((h) => h.id),
      vsanKek: c.vsanEncryption?.enabled && c.vsanEncryption.kekId ? { keyId: c.vsanEncryption.kekId, providerId: c.vsanEncryption.providerId } : null,
    })),
    hosts: estate.hosts.map((h) => ({
      moid: h.id,
      name: h.name,
      clusterMoid: h.clusterId,
      connectionState: h.connectionState,
      hostKey: toKeyRef(h.hostKey),
      providers: h.providers ? h.providers.map((p) => ({ providerId: p.providerId, health: p.health, details: p.details })) : null,
    })),
    vms: estate.vms.map((v) => ({
      moid: v.id,
      name: v.name,
      hostMoid: v.hostId,
      clusterMoid: v.hostId ? (clusterOfHost.get(v.hostId) ?? null) : null,
      powerState: v.powerState,
      cryptoState: v.cryptoState,
      connectionState: extras.vmConnectionStates?.[v.id] ?? null,
      configKey: toKeyRef(v.keyId),
      disks: v.disks.map((d) => ({ key: d.key, label: d.label, keyId: toKeyRef(d.keyId) })),
      haVmMonitoring: v.haVmMonitoring,
      snapshotCount: extras.snapshotCounts?.[v.id] ?? null,
      hasVtpm: extras.vtpmVms ? extras.vtpmVms.has(v.id) : null,
      kekCachedOnHost: v.keyId && extras.kekCachedOnHost ? extras.kekCachedOnHost({ moid: v.id, hostMoid: v.hostId, keyId: v.keyId.keyId }) : null,
    })),
  };
}

/** A CampaignInventory over snapshots already in hand (tests, benchmarks, one poll's result). */
export function fixedInventory(...snapshots: InventorySnapshot[]): CampaignInventory {
  const byId = new Map(snapshots.map((s) => [s.vcenterId, s]));
  return { snapshot: async (vcenterId) => byId.get(vcenterId) ?? null };
}

/** Lookups over one snapshot, built once per use. */
export interface InventoryIndex {
  snapshot: InventorySnapshot;
  vms: Map<string, InventoryVm>;
  hosts: Map<string, InventoryHost>;
  clusters: Map<string, InventoryCluster>;
  providers: Map<string, InventoryProvider>;
}

export function indexInventory(snapshot: InventorySnapshot): InventoryIndex {
  return {
    snapshot,
    vms: new Map(snapshot.vms.map((v) => [v.moid, v])),
    hosts: new Map(snapshot.hosts.map((h) => [h.moid, h])),
    clusters: new Map(snapshot.clusters.map((c) => [c.moid, c])),
    providers: new Map(snapshot.providers.map((p) => [p.id, p])),
  };
}

/** A VM's cluster: its own field, else its host's. */
export function clusterOfVm(index: InventoryIndex, vm: InventoryVm): string | null {
  if (vm.clusterMoid) return vm.clusterMoid;
  return vm.hostMoid ? (index.hosts.get(vm.hostMoid)?.clusterMoid ?? null) : null;
}
