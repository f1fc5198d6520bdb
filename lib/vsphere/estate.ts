/**
 * readEstate: everything Keywatch needs from a vCenter in one pass — hosts (state, crypto state,
 * host key, per-provider health as the host sees it, vSAN disk groups), clusters (HA, vSAN
 * encryption), datastores, VMs (host, power, crypto state, key ids of config and disks, guest IP,
 * HA VM monitoring) and key providers. The parts are read concurrently, so the result is a
 * snapshot over the read's duration (`readAt` + `durationMs`), not an atomic one.
 * readHosts: the same facts for a few hosts and their VMs, for live checks; readVms: chosen VMs.
 *
 * Cost on an estate of H hosts and V VMs: ⌈V/pageSize⌉ + ⌈H/pageSize⌉ + a few PropertyCollector
 * pages for the inventory, plus two calls per connected host (host view of key providers; vSAN
 * disk mappings — neither API has a multi-host form), plus one detail call per unhealthy
 * provider on a host. Per-host calls run with bounded concurrency.
 *
 * What may fail without failing the read (it is needed exactly during a KMS incident): a per-host
 * call (recorded in that host's readErrors) and a provider's detail call (in Estate.readErrors).
 * Shape and authentication errors still fail the whole read: they mean the API is not what we speak.
 */
import type { AutomationApi } from './automation';
import type { CryptoManagerApi } from './crypto-manager';
import { isVsphereError } from './errors';
import { mapLimited } from './concurrency-limit';
import type { CollectedObject, PropertyCollectorReader } from './property-collector';
import type {
  ClusterDasVmConfigInfo,
  CryptoKeyId,
  VimEvent,
  HostCryptoState,
  ProviderHealth,
  VIM_HOST_CONNECTION_STATES,
  VIM_HOST_POWER_STATES,
  VIM_VM_CONNECTION_STATES,
  VIM_VM_POWER_STATES,
  VmCryptoState,
  VM_MONITORING_STATES,
} from './schemas';
import type { DiskGroup, VsanApi } from './vsan';

export interface EstateKeyRef {
  keyId: string;
  providerId: string | null;
}

export interface HostProviderView {
  providerId: string;
  type: string;
  health: ProviderHealth;
  /** default_message of each detail; fetched only for WARNING / ERROR. */
  details: string[];
}

export interface EstateHost {
  id: string;
  name: string;
  clusterId: string | null;
  connectionState: (typeof VIM_HOST_CONNECTION_STATES)[number];
  powerState: (typeof VIM_HOST_POWER_STATES)[number] | null;
  inMaintenanceMode: boolean;
  cryptoState: HostCryptoState | null;
  /** Host key (runtime.cryptoKeyId); null while the host has none loaded. */
  hostKey: EstateKeyRef | null;
  /** Key providers as seen from this host; null when not read (host not connected, or the read failed: see readErrors). */
  providers: HostProviderView[] | null;
  /** vSAN disk groups; null when not read (see readErrors). Empty for hosts without vSAN storage. */
  diskGroups: DiskGroup[] | null;
  /** Why a per-host part is missing, one sentence each. */
  readErrors: string[];
}

export interface EstateCluster {
  id: string;
  name: string;
  haEnabled: boolean | null;
  /** Cluster-wide HA VM monitoring (null when not reported). */
  haVmMonitoring: (typeof VM_MONITORING_STATES)[number] | null;
  /** vSAN data encryption, when vCenter renders it in configurationEx.vsanConfigInfo (null otherwise). */
  vsanEncryption: { enabled: boolean; providerId: string | null; kekId: string | null; hostKeyId: string | null } | null;
  /** Member hosts (ClusterComputeResource.host). */
  hostIds: string[];
  /** Datastores the cluster's hosts can use (ClusterComputeResource.datastore), its vSAN datastore among them. */
  datastoreIds: string[];
}

export interface EstateDatastoreMount {
  hostId: string;
  /** HostMountInfo.mounted / accessible; null when vCenter leaves them unset. */
  mounted: boolean | null;
  accessible: boolean | null;
}

export interface EstateDatastore {
  id: string;
  name: string;
  /** summary.type: "vsan", "VMFS", "NFS", ... */
  type: string | null;
  /** summary.capacity in bytes: a vSAN datastore offers only its mounted disk groups, 0 with none mounted. */
  capacityBytes: number | null;
  /** summary.accessible — vSAN keeps it true even at 0 bytes, so read capacity too. */
  accessible: boolean | null;
  /** Datastore.host: which hosts mount it, and whether the mount is accessible. */
  mounts: EstateDatastoreMount[];
}

export interface EstateVmDisk {
  key: number;
  label: string | null;
  fileName: string | null;
  datastoreId: string | null;
  keyId: EstateKeyRef | null;
}

export interface EstateVm {
  id: string;
  name: string;
  hostId: string | null;
  powerState: (typeof VIM_VM_POWER_STATES)[number] | null;
  /** runtime.connectionState: `invalid` is how vCenter shows an encrypted VM locked for want of its key. */
  connectionState: (typeof VIM_VM_CONNECTION_STATES)[number] | null;
  /** null for VMs that are not encrypted (the property is unset). */
  cryptoState: VmCryptoState | null;
  /** Why a locked VM is locked, as vCenter says it (its configIssue events); null when not locked. */
  lock: VmLock | null;
  keyId: EstateKeyRef | null;
  disks: EstateVmDisk[];
  /** A VirtualTPM device in config.hardware.device (its secrets live in the encrypted VM home). */
  hasVtpm: boolean;
  datastoreIds: string[];
  /** guest.ipAddress (VMware Tools), for matching KMS appliance VMs to KMS node addresses; null while not running. */
  ipAddress: string | null;
  /** config.annotation (free text; KMS appliance VMs often name their node there). */
  annotation: string | null;
  /**
   * HA VM monitoring in effect for this VM (its override, else its cluster's setting, and HA on);
   * null when the VM's cluster is unknown. HA resets during a rekey break VMs, so migrations check it.
   */
  haVmMonitoring: boolean | null;
}

/**
 * Why vCenter says a VM is locked ("Resolve Locked Virtual Machines Issues"): vCenter could not
 * reach the key provider (`kmsClusterError`), or the provider answered without the key
 * (`keysMissingOnKms`); anything else vCenter gives is `other`, and a lock without a reason `unknown`.
 */
export interface VmLock {
  cause: 'kmsClusterError' | 'keysMissingOnKms' | 'other' | 'unknown';
  /** vCenter's own sentence, when it gave one. */
  message: string | null;
}

/** Reads the lock reason from a locked VM's configuration issues, by vCenter's documented wording. */
export function vmLockOf(locked: boolean, issues: readonly VimEvent[]): VmLock | null {
  if (!locked) return null;
  const messages = issues.map((e) => e.fullFormattedMessage).filter((m): m is string => typeof m === 'string' && m !== '');
  const kmsError = messages.find((m) => /locked because of a KMS cluster error/i.test(m));
  if (kmsError) return { cause: 'kmsClusterError', message: kmsError };
  const missing = messages.find((m) => /locked because keys are missing on KMS cluster/i.test(m));
  if (missing) return { cause: 'keysMissingOnKms', message: missing };
  return messages[0] ? { cause: 'other', message: messages[0] } : { cause: 'unknown', message: null };
}

export type ProviderKind = 'standard' | 'native' | 'trustAuthority' | 'unknown';

export interface EstateProvider {
  id: string;
  kind: ProviderKind;
  /** vCenter-wide health from the Automation API; null when that API does not list the provider. */
  health: ProviderHealth | null;
  details: string[];
  isDefault: boolean;
  servers: { name: string; address: string; port: number }[];
}

/** A part of the read that failed without failing the read. */
export interface EstateReadError {
  /** What could not be read: `provider` = a key provider's detail call (GET …/kms/providers/{id}). */
  scope: 'provider';
  /** The provider id (for scope provider). */
  id: string;
  /** One sentence (VsphereError message). */
  message: string;
}

export interface Estate {
  vcenter: string;
  release: string;
  readAt: string;
  durationMs: number;
  /** HTTP requests this read made. */
  requests: number;
  /** Wall time of each part (they overlap: hosts+per-host, VMs, providers and the rest run concurrently). */
  phasesMs: { hostInventory: number; perHost: number; vms: number; providers: number };
  hosts: EstateHost[];
  clusters: EstateCluster[];
  datastores: EstateDatastore[];
  vms: EstateVm[];
  providers: EstateProvider[];
  /** Parts that could not be read; per-host failures are in each host's readErrors instead. */
  readErrors: EstateReadError[];
}

export interface ReadEstateOptions {
  /** Objects per PropertyCollector page (default 1000). */
  pageSize?: number;
  /** Per-host calls in flight (default: the client's maxConcurrency). */
  perHostConcurrency?: number;
  /** Read vSAN disk groups (default true). */
  diskGroups?: boolean;
  /** Fetch detail messages for providers a host reports as WARNING / ERROR (default true). */
  providerDetails?: boolean;
}

export interface EstateSources {
  vcenter: string;
  release: () => Promise<string>;
  automation: AutomationApi;
  collector: PropertyCollectorReader;
  crypto: CryptoManagerApi;
  vsan: VsanApi;
  requestCount: () => number;
  maxConcurrency: number;
}

function toKeyRef(k: CryptoKeyId | undefined): EstateKeyRef | null {
  return k ? { keyId: k.keyId, providerId: k.providerId?.id ?? null } : null;
}

const HOST_PATHS = [
  'name',
  'parent',
  'runtime.connectionState',
  'runtime.powerState',
  'runtime.inMaintenanceMode',
  'runtime.cryptoState',
  'runtime.cryptoKeyId',
] as const;
const VM_PATHS = [
  'name',
  'runtime.host',
  'runtime.powerState',
  'runtime.connectionState',
  'runtime.cryptoState',
  'configIssue',
  'config.keyId',
  'config.annotation',
  'config.hardware.device',
  'datastore',
  'guest.ipAddress',
] as const;
const CLUSTER_PATHS = [
  'name',
  'host',
  'datastore',
  'configurationEx.dasConfig.enabled',
  'configurationEx.dasConfig.vmMonitoring',
  'configurationEx.dasVmConfig',
  'configurationEx.vsanConfigInfo',
] as const;

const DATASTORE_PATHS = ['name', 'summary.type', 'summary.capacity', 'summary.accessible', 'host'] as const;

/** Errors that make the whole read meaningless (API mismatch, credentials) are rethrown. */
function partialFailure(err: unknown): string {
  if (isVsphereError(err) && err.kind !== 'shape' && err.kind !== 'auth') return err.message;
  throw err;
}

export function providerKind(managementType: string | undefined, automationType: string | undefined): ProviderKind {
  if (managementType === 'nativeProvider' || automationType === 'NATIVE') return 'native';
  if (managementType === 'trustAuthority' || automationType === 'TRUST_AUTHORITY') return 'trustAuthority';
  if (managementType === 'vCenter') return 'standard';
  // ListKmipServers before vSphere 7.0 has no managementType: every provider there is a KMIP cluster.
  if (managementType === undefined && automationType === undefined) return 'standard';
  return 'unknown';
}

type Phases = Estate['phasesMs'];

function toEstateHost(h: CollectedObject<'HostSystem'>): EstateHost {
  const p = h.props;
  return {
    id: h.ref.value,
    name: p.name?._value ?? h.ref.value,
    clusterId: p.parent?.type === 'ClusterComputeResource' ? p.parent.value : null,
    connectionState: p['runtime.connectionState']?._value ?? 'disconnected',
    powerState: p['runtime.powerState']?._value ?? null,
    inMaintenanceMode: p['runtime.inMaintenanceMode']?._value ?? false,
    cryptoState: p['runtime.cryptoState']?._value ?? null,
    hostKey: toKeyRef(p['runtime.cryptoKeyId']),
    providers: null,
    diskGroups: null,
    readErrors: [],
  };
}

function toEstateVm(v: CollectedObject<'VirtualMachine'>): EstateVm {
  const p = v.props;
  const disks: EstateVmDisk[] = [];
  let hasVtpm = false;
  for (const d of p['config.hardware.device']?._value ?? []) {
    if (d._typeName === 'VirtualTPM') hasVtpm = true;
    if (d._typeName !== 'VirtualDisk') continue;
    disks.push({
      key: d.key,
      label: d.deviceInfo?.label ?? null,
      fileName: d.backing?.fileName ?? null,
      datastoreId: d.backing?.datastore?.value ?? null,
      keyId: toKeyRef(d.backing?.keyId),
    });
  }
  return {
    id: v.ref.value,
    name: p.name?._value ?? v.ref.value,
    hostId: p['runtime.host']?.value ?? null,
    powerState: p['runtime.powerState']?._value ?? null,
    connectionState: p['runtime.connectionState']?._value ?? null,
    cryptoState: p['runtime.cryptoState']?._value ?? null,
    lock: vmLockOf(p['runtime.cryptoState']?._value === 'locked', p.configIssue?._value ?? []),
    keyId: toKeyRef(p['config.keyId']),
    disks,
    hasVtpm,
    datastoreIds: (p.datastore?._value ?? []).map((d) => d.value),
    ipAddress: p['guest.ipAddress']?._value ?? null,
    annotation: p['config.annotation']?._value ?? null,
    haVmMonitoring: null,
  };
}

interface ClusterHa {
  cluster: EstateCluster;
  overrides: Map<string, ClusterDasVmConfigInfo>;
}

function toClusterHa(c: CollectedObject<'ClusterComputeResource'>): ClusterHa {
  const p = c.props;
  const enc = p['configurationEx.vsanConfigInfo']?.dataEncryptionConfig;
  return {
    cluster: {
      id: c.ref.value,
      name: p.name?._value ?? c.ref.value,
      haEnabled: p['configurationEx.dasConfig.enabled']?._value ?? null,
      haVmMonitoring: p['configurationEx.dasConfig.vmMonitoring']?._value ?? null,
      vsanEncryption: enc
        ? { enabled: enc.encryptionEnabled, providerId: enc.kmsProviderId?.id ?? null, kekId: enc.kekId ?? null, hostKeyId: enc.hostKeyId ?? null }
        : null,
      hostIds: (p.host?._value ?? []).map((h) => h.value),
      datastoreIds: (p.datastore?._value ?? []).map((d) => d.value),
    },
    overrides: new Map((p['configurationEx.dasVmConfig']?._value ?? []).map((o) => [o.key.value, o])),
  };
}

/** Effective HA VM monitoring per VM: a per-VM override wins unless it defers to the cluster. */
function applyHaMonitoring(vms: EstateVm[], hosts: readonly EstateHost[], clusters: readonly ClusterHa[]): void {
  const clusterOfHost = new Map(hosts.map((h) => [h.id, h.clusterId]));
  const byId = new Map(clusters.map((c) => [c.cluster.id, c]));
  for (const vm of vms) {
    const clusterId = vm.hostId ? clusterOfHost.get(vm.hostId) : undefined;
    const ha = clusterId ? byId.get(clusterId) : undefined;
    if (!ha || ha.cluster.haEnabled === null) continue;
    const own = ha.overrides.get(vm.id)?.dasSettings?.vmToolsMonitoringSettings;
    const setting = own && own.clusterSettings !== true && own.vmMonitoring ? own.vmMonitoring : ha.cluster.haVmMonitoring;
    vm.haVmMonitoring = ha.cluster.haEnabled && setting !== null && setting !== 'vmMonitoringDisabled';
  }
}

/** Fills providers / diskGroups / readErrors of each host with the per-host calls, bounded. */
async function addPerHostDetails(src: EstateSources, hosts: EstateHost[], opts: ReadEstateOptions): Promise<void> {
  const wantDiskGroups = opts.diskGroups ?? true;
  const wantDetails = opts.providerDetails ?? true;
  await mapLimited(hosts, opts.perHostConcurrency ?? src.maxConcurrency, async (host) => {
    if (host.connectionState !== 'connected') {
      host.readErrors.push(`Host ${host.name} is ${host.connectionState}, so vCenter cannot report its key providers or disk groups.`);
      return;
    }
    const providersJob = (async () => {
      try {
        const list = await src.automation.listHostProviders(host.id);
        host.providers = await Promise.all(
          list.map(async (s) => {
            const view: HostProviderView = { providerId: s.provider, type: s.type, health: s.health, details: [] };
            if (wantDetails && (s.health === 'WARNING' || s.health === 'ERROR')) {
              try {
                const info = await src.automation.getHostProvider(host.id, s.provider);
                view.details = info.details.map((d) => d.default_message);
              } catch (err) {
                host.readErrors.push(partialFailure(err));
              }
            }
            return view;
          }),
        );
      } catch (err) {
        host.readErrors.push(partialFailure(err));
      }
    })();
    const diskJob = (async () => {
      if (!wantDiskGroups) return;
      try {
        host.diskGroups = await src.vsan.diskGroups(host.id);
      } catch (err) {
        host.readErrors.push(partialFailure(err));
      }
    })();
    await Promise.all([providersJob, diskJob]);
  });
}

async function readHostsWithDetails(src: EstateSources, opts: ReadEstateOptions, phases: Phases): Promise<EstateHost[]> {
  const started = Date.now();
  const hosts: EstateHost[] = [];
  for await (const page of src.collector.all('HostSystem', HOST_PATHS, { pageSize: opts.pageSize })) {
    for (const h of page) hosts.push(toEstateHost(h));
  }
  phases.hostInventory = Date.now() - started;
  const perHostStarted = Date.now();
  await addPerHostDetails(src, hosts, opts);
  phases.perHost = Date.now() - perHostStarted;
  return hosts;
}

async function readAllVms(src: EstateSources, opts: ReadEstateOptions, phases: Phases): Promise<EstateVm[]> {
  const started = Date.now();
  const vms: EstateVm[] = [];
  for await (const page of src.collector.all('VirtualMachine', VM_PATHS, { pageSize: opts.pageSize })) {
    for (const v of page) vms.push(toEstateVm(v));
  }
  phases.vms = Date.now() - started;
  return vms;
}

function toEstateDatastore(d: CollectedObject<'Datastore'>): EstateDatastore {
  const p = d.props;
  return {
    id: d.ref.value,
    name: p.name?._value ?? d.ref.value,
    type: p['summary.type']?._value ?? null,
    capacityBytes: p['summary.capacity']?._value ?? null,
    accessible: p['summary.accessible']?._value ?? null,
    mounts: (p.host?._value ?? []).map((m) => ({ hostId: m.key.value, mounted: m.mountInfo.mounted ?? null, accessible: m.mountInfo.accessible ?? null })),
  };
}

async function readProviders(src: EstateSources, phases: Phases, readErrors: EstateReadError[]): Promise<EstateProvider[]> {
  const started = Date.now();
  const [summaries, clusters] = await Promise.all([src.automation.listProviders(), src.crypto.listKmipServers()]);
  const byId = new Map(summaries.map((s) => [s.provider, s]));
  const out: EstateProvider[] = clusters.map((c) => {
    const summary = byId.get(c.clusterId.id);
    return {
      id: c.clusterId.id,
      kind: providerKind(c.managementType, summary?.type),
      health: summary?.health ?? null,
      details: [],
      isDefault: c.useAsDefault,
      servers: (c.servers ?? []).map((s) => ({ name: s.name, address: s.address, port: s.port })),
    };
  });
  for (const s of summaries) {
    if (!out.some((p) => p.id === s.provider)) {
      out.push({ id: s.provider, kind: providerKind(undefined, s.type), health: s.health, details: [], isDefault: false, servers: [] });
    }
  }
  await Promise.all(
    out
      .filter((p) => p.health === 'WARNING' || p.health === 'ERROR')
      .map(async (p) => {
        try {
          p.details = (await src.automation.getProvider(p.id)).details.map((d) => d.default_message);
        } catch (err) {
          readErrors.push({ scope: 'provider', id: p.id, message: partialFailure(err) });
        }
      }),
  );
  phases.providers = Date.now() - started;
  return out;
}

export async function readEstate(src: EstateSources, opts: ReadEstateOptions = {}): Promise<Estate> {
  const started = Date.now();
  const requestsBefore = src.requestCount();
  const release = await src.release();
  const phasesMs: Phases = { hostInventory: 0, perHost: 0, vms: 0, providers: 0 };
  const readErrors: EstateReadError[] = [];
  const [hosts, vms, clusters, datastores, providers] = await Promise.all([
    readHostsWithDetails(src, opts, phasesMs),
    readAllVms(src, opts, phasesMs),
    src.collector.collectAll('ClusterComputeResource', CLUSTER_PATHS, { pageSize: opts.pageSize }),
    src.collector.collectAll('Datastore', DATASTORE_PATHS, { pageSize: opts.pageSize }),
    readProviders(src, phasesMs, readErrors),
  ]);
  const clusterHa = clusters.map(toClusterHa);
  applyHaMonitoring(vms, hosts, clusterHa);
  return {
    vcenter: src.vcenter,
    release,
    readAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    requests: src.requestCount() - requestsBefore,
    phasesMs,
    hosts,
    vms,
    clusters: clusterHa.map((c) => c.cluster),
    datastores: datastores.map(toEstateDatastore),
    providers,
    readErrors,
  };
}


export interface HostsSnapshot {
  vcenter: string;
  readAt: string;
  requests: number;
  /** In the order asked for; ids vCenter does not know are left out. */
  hosts: EstateHost[];
  /** VMs registered on those hosts. */
  vms: EstateVm[];
  /** Clusters of those hosts. */
  clusters: EstateCluster[];
}

/**
 * Fresh state of a few hosts (e.g. one host and its cluster peers for a readiness check): their
 * runtime, provider view and disk groups, and the VMs registered on them — a handful of requests
 * instead of a full estate read.
 */
export async function readHosts(src: EstateSources, hostIds: readonly string[], opts: ReadEstateOptions = {}): Promise<HostsSnapshot> {
  const started = Date.now();
  const requestsBefore = src.requestCount();
  const collected = await src.collector.collectObjects('HostSystem', hostIds, [...HOST_PATHS, 'vm'], { pageSize: opts.pageSize });
  const hosts = collected.map(toEstateHost);
  const vmIds = collected.flatMap((h) => (h.props.vm?._value ?? []).map((v) => v.value));
  const clusterIds = [...new Set(hosts.map((h) => h.clusterId).filter((id): id is string => id !== null))];
  const [vms, clusters] = await Promise.all([
    src.collector.collectObjects('VirtualMachine', vmIds, VM_PATHS, { pageSize: opts.pageSize }).then((list) => list.map(toEstateVm)),
    src.collector.collectObjects('ClusterComputeResource', clusterIds, CLUSTER_PATHS).then((list) => list.map(toClusterHa)),
    addPerHostDetails(src, hosts, opts),
  ]);
  applyHaMonitoring(vms, hosts, clusters);
  return {
    vcenter: src.vcenter,
    readAt: new Date(started).toISOString(),
    requests: src.requestCount() - requestsBefore,
    hosts,
    vms,
    clusters: clusters.map((c) => c.cluster),
  };
}

/**
 * Fresh state of chosen VMs (e.g. before and after unlocking them), with HA monitoring from their
 * clusters: three PropertyCollector reads. Ids vCenter does not know (any more) are left out.
 */
export async function readVms(src: EstateSources, vmIds: readonly string[], opts: Pick<ReadEstateOptions, 'pageSize'> = {}): Promise<EstateVm[]> {
  const vms = (await src.collector.collectObjects('VirtualMachine', vmIds, VM_PATHS, { pageSize: opts.pageSize })).map(toEstateVm);
  const hostIds = [...new Set(vms.map((v) => v.hostId).filter((id): id is string => id !== null))];
  const hosts = (await src.collector.collectObjects('HostSystem', hostIds, ['name', 'parent'], { pageSize: opts.pageSize })).map(toEstateHost);
  const clusterIds = [...new Set(hosts.map((h) => h.clusterId).filter((id): id is string => id !== null))];
  const clusters = (await src.collector.collectObjects('ClusterComputeResource', clusterIds, CLUSTER_PATHS)).map(toClusterHa);
  applyHaMonitoring(vms, hosts, clusters);
  return vms;
}
