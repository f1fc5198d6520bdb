/**
 * Run-time state machine of the lab estate, following the seeds and VMware's documentation:
 * - an ESXi host keeps the KEKs it fetched in memory only; a reboot empties that cache;
 * - at boot the host fetches its vSAN cluster KEK and its host key straight from the KMS, and
 *   the KEKs of the encrypted VMs registered on it through vCenter;
 * - while the vSAN KEK is missing its disk groups stay unmounted (keys not loaded, datastore
 *   contributes 0 bytes) and its crypto state is not `safe`; the host retries on an interval
 *   and mounts them by itself once it can fetch the keys (`remount` = retry now);
 * - an encrypted VM whose configuration key could not be had is locked (connection state
 *   invalid) and stays locked until CryptoUnlock_Task, a reload, a re-registration or a reboot
 *   gets its key; a VM missing only a disk key is not locked but cannot power on;
 * - a running host is unaffected by a KMS outage: it only needs keys it does not hold yet.
 */
import type { Estate, EstateCluster, EstateHost, EstateIndex, EstateVm } from './estate';
import { indexEstate } from './estate';
import type { KeyFetchFailure, KeyFetchPath, KeySource } from './key-sources/key-source';
import { VimFault } from './vim-fault';

export type HostConnectionState = 'connected' | 'disconnected' | 'notResponding';
export type HostPowerState = 'poweredOn' | 'poweredOff' | 'standBy' | 'unknown';
export type HostCryptoState = 'incapable' | 'prepared' | 'safe' | 'pendingIncapable';
export type VmPowerState = 'poweredOn' | 'poweredOff' | 'suspended';
export type VsanDecommissionMode = 'ensureObjectAccessibility' | 'evacuateAllData' | 'noAction';
export type RekeyFailureMode = 'none' | 'ha-reset' | 'provider-not-found' | 'refuse-powered-on';
export type VmMonitoringSetting = 'vmMonitoringDisabled' | 'vmMonitoringOnly' | 'vmAndAppMonitoring';

export interface CryptoKeyRef {
  keyId: string;
  providerId: string;
}

export interface HostRuntime {
  id: string;
  /** up: running; down: off or rebooting before the kernel is back; booting: fetching keys. */
  phase: 'up' | 'down' | 'booting';
  powerState: HostPowerState;
  connectionState: HostConnectionState;
  inMaintenanceMode: boolean;
  decommissionMode: VsanDecommissionMode | null;
  /** Key IDs of KEKs held in memory. Key material is never kept by the lab. */
  keyCache: Set<string>;
  /** Why each key the host last failed to fetch is missing (cleared when it arrives). */
  keyFailures: Map<string, KeyFetchFailure>;
  diskGroupsMounted: boolean;
  /** Lab fault: this host alone cannot reach the standard provider's nodes. */
  kmsIsolated: boolean;
  lastKeyError: string | null;
  /** When the host next retries fetching its vSAN KEK / host key (null: nothing missing). */
  nextKeyRetryAt: Date | null;
  bootCount: number;
  bootTime: Date;
  vmIds: Set<string>;
  /** VMs that were running when the host went down: restarted at boot when their keys and datastore allow. */
  restartOnBoot: Set<string>;
}

export type VmLockCause = 'kmsClusterError' | 'keysMissingOnKms' | 'needsReload';

/** The messages vCenter logs for a locked VM ("Resolve Locked Virtual Machines Issues"). */
export const VM_LOCK_MESSAGES: Record<VmLockCause, string> = {
  kmsClusterError: 'Virtual machine is locked because of a KMS cluster error.',
  keysMissingOnKms: 'Virtual machine is locked because keys are missing on KMS cluster.',
  needsReload: 'Cannot decrypt disk because key or password is incorrect',
};

/** HA VM-monitoring override of one VM (ClusterDasVmConfigInfo.dasSettings.vmToolsMonitoringSettings). */
export interface HaOverride {
  vmMonitoring: VmMonitoringSetting | null;
  /** true: the VM follows the cluster setting. */
  clusterSettings: boolean;
}

export interface VmRuntime {
  id: string;
  hostId: string;
  datastoreId: string;
  powerState: VmPowerState;
  /** Why the VM is locked (connection state invalid), or null. Sticky: only a reload of the VM clears it. */
  lock: VmLockCause | null;
  lockedAt: Date | null;
  configKey: CryptoKeyRef | null;
  diskKeys: (CryptoKeyRef | null)[];
  /** Left behind by an HA reset during a rekey: the VMX must be reloaded before it can run. */
  needsReload: boolean;
  haOverride: HaOverride | null;
}

/** A VM removed from the inventory (UnregisterVM): its files stay on the datastore under this path. */
export interface UnregisteredVm {
  vmxPath: string;
  estateVm: EstateVm;
  runtime: VmRuntime;
}

/** The keys a VM's configuration and disks are encrypted with (a key shared by several appears once per use). */
export function vmKeys(vm: VmRuntime): CryptoKeyRef[] {
  return [vm.configKey, ...vm.diskKeys].filter((k): k is CryptoKeyRef => k !== null);
}

export interface LabTimings {
  /** Time a rebooting host stays not responding before its kernel starts fetching keys. */
  rebootDownMs: number;
  /** Duration of Enter / Exit maintenance mode tasks. */
  maintenanceMs: number;
  /** Duration of a shallow rekey, per disk. */
  rekeyPerDiskMs: number;
  /** Duration of VM power operations. */
  vmPowerMs: number;
  /** How often a host whose disk groups are unmounted for want of keys tries to fetch them again. */
  keyRetryMs: number;
}

export const defaultTimings: LabTimings = { rebootDownMs: 1500, maintenanceMs: 600, rekeyPerDiskMs: 250, vmPowerMs: 200, keyRetryMs: 30_000 };

export interface LabModelHooks {
  /** A KMS appliance VM changed power state: the lab couples it to its KMS node. */
  onKmsApplianceVmPower?(kmsNodeIndex: number, poweredOn: boolean): void;
}

export interface HostRequiredKeys {
  vsanKek: CryptoKeyRef | null;
  hostKey: CryptoKeyRef | null;
  vmKeys: CryptoKeyRef[];
}

/** Datastore path of a VM's configuration file, as RegisterVM_Task takes it. */
export function vmxPath(datastoreName: string, vmName: string): string {
  return `[${datastoreName}] ${vmName}/${vmName}.vmx`;
}

function numericSuffix(id: string): number {
  return Number(id.slice(id.lastIndexOf('-') + 1));
}

export class LabModel {
  readonly index: EstateIndex;
  readonly hosts = new Map<string, HostRuntime>();
  readonly vms = new Map<string, VmRuntime>();
  /** By VMX path. */
  readonly unregistered = new Map<string, UnregisteredVm>();
  /** Keys created at run time (rekey targets) by ID, plus the estate's bound keys. */
  readonly knownKeys = new Map<string, CryptoKeyRef>();
  /** Host key of a host whose key was changed on its own (ChangeKey_Task, vsan-rekey.ts): estate key index. */
  readonly hostKeyOverrides = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private lastVmNumber: number;
  private stopped = false;

  constructor(
    readonly estate: Estate,
    private readonly keySource: KeySource,
    readonly timings: LabTimings = defaultTimings,
    private readonly hooks: LabModelHooks = {},
  ) {
    this.index = indexEstate(estate);
    this.lastVmNumber = Math.max(0, ...estate.vms.map((v) => numericSuffix(v.id)));
    for (const key of estate.keys) this.knownKeys.set(key.keyId, { keyId: key.keyId, providerId: key.providerId });
    const bootTime = new Date(Date.now() - 86_400_000 * 30);
    for (const host of estate.hosts) {
      this.hosts.set(host.id, {
        id: host.id,
        phase: 'up',
        powerState: 'poweredOn',
        connectionState: 'connected',
        inMaintenanceMode: false,
        decommissionMode: null,
        keyCache: new Set(),
        keyFailures: new Map(),
        diskGroupsMounted: true,
        kmsIsolated: false,
        lastKeyError: null,
        nextKeyRetryAt: null,
        bootCount: 1,
        bootTime,
        vmIds: new Set(),
        restartOnBoot: new Set(),
      });
    }
    for (const vm of estate.vms) {
      const cluster = this.clusterOfHost(vm.hostId);
      const configKey = vm.keyIndex === null ? null : this.keyRef(vm.keyIndex);
      const clusterMonitors = cluster.vmMonitoring !== 'vmMonitoringDisabled';
      this.vms.set(vm.id, {
        id: vm.id,
        hostId: vm.hostId,
        datastoreId: vm.datastoreId,
        powerState: vm.poweredOn ? 'poweredOn' : 'poweredOff',
        lock: null,
        lockedAt: null,
        configKey,
        diskKeys: vm.disks.map(() => configKey),
        needsReload: false,
        // In a monitored cluster, VMs the estate leaves unmonitored carry a "disabled" override.
        haOverride: clusterMonitors && !vm.haVmMonitoring ? { vmMonitoring: 'vmMonitoringDisabled', clusterSettings: false } : null,
      });
      this.hosts.get(vm.hostId)!.vmIds.add(vm.id);
    }
    // The lab starts long after the last boot: every host already holds the keys it needs.
    for (const host of this.hosts.values()) {
      for (const key of this.flattenRequired(this.requiredKeys(host.id))) host.keyCache.add(key.keyId);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const timer of [...this.timers, ...this.retryTimers.values()]) clearTimeout(timer);
    this.timers.clear();
    this.retryTimers.clear();
  }

  // ---- lookups -------------------------------------------------------------------------

  host(hostId: string): HostRuntime {
    const host = this.hosts.get(hostId);
    if (!host) throw new VimFault('NotFound', `Host ${hostId} does not exist.`);
    return host;
  }

  vm(vmId: string): VmRuntime {
    const vm = this.vms.get(vmId);
    if (!vm) throw new VimFault('NotFound', `Virtual machine ${vmId} does not exist.`);
    return vm;
  }

  estateHost(hostId: string): EstateHost {
    const host = this.index.hosts.get(hostId);
    if (!host) throw new VimFault('NotFound', `Host ${hostId} does not exist.`);
    return host;
  }

  estateVm(vmId: string): EstateVm {
    const vm = this.index.vms.get(vmId);
    if (!vm) throw new VimFault('NotFound', `Virtual machine ${vmId} does not exist.`);
    return vm;
  }

  /** Registered VMs in inventory order (the estate's, then those registered at run time). */
  registeredVms(): IterableIterator<EstateVm> {
    return this.index.vms.values();
  }

  clusterOfHost(hostId: string): EstateCluster {
    return this.index.clusters.get(this.estateHost(hostId).clusterId)!;
  }

  keyRef(keyIndex: number): CryptoKeyRef {
    const key = this.estate.keys[keyIndex];
    if (!key) throw new VimFault('NotFound', `Key slot ${keyIndex} does not exist.`);
    return { keyId: key.keyId, providerId: key.providerId };
  }

  requiredKeys(hostId: string): HostRequiredKeys {
    const cluster = this.clusterOfHost(hostId);
    const hostKeyIndex = this.hostKeyOverrides.get(hostId) ?? cluster.hostKeyIndex;
    const keys = new Map<string, CryptoKeyRef>();
    for (const vmId of this.host(hostId).vmIds) {
      for (const key of vmKeys(this.vms.get(vmId)!)) keys.set(key.keyId, key);
    }
    return {
      vsanKek: cluster.vsanKekIndex === null ? null : this.keyRef(cluster.vsanKekIndex),
      hostKey: hostKeyIndex === null ? null : this.keyRef(hostKeyIndex),
      vmKeys: [...keys.values()],
    };
  }

  private flattenRequired(required: HostRequiredKeys): CryptoKeyRef[] {
    return [required.vsanKek, required.hostKey, ...required.vmKeys].filter((k): k is CryptoKeyRef => k !== null);
  }

  /** `safe` only with a host key loaded; a host that needs crypto (encrypted VMs) without one is `prepared`. */
  hostCryptoState(hostId: string): HostCryptoState {
    const host = this.host(hostId);
    const required = this.requiredKeys(hostId);
    if (!required.hostKey) return required.vmKeys.length === 0 && !required.vsanKek ? 'incapable' : 'prepared';
    return host.keyCache.has(required.hostKey.keyId) ? 'safe' : 'prepared';
  }

  /** Whether the vSAN KEK is loaded for the host's disk groups; null when vSAN encryption is off. */
  diskGroupKeysLoaded(hostId: string): boolean | null {
    const kek = this.requiredKeys(hostId).vsanKek;
    return kek === null ? null : this.host(hostId).keyCache.has(kek.keyId);
  }

  vmCryptoState(vmId: string): 'locked' | 'unlocked' | null {
    const vm = this.vm(vmId);
    if (vmKeys(vm).length === 0) return null;
    return vm.lock ? 'locked' : 'unlocked';
  }

  /** The VM's disks whose key its host does not hold (a VM can run only when this is empty). */
  missingDiskKeys(vmId: string): { index: number; key: CryptoKeyRef }[] {
    const vm = this.vm(vmId);
    const host = this.host(vm.hostId);
    return vm.diskKeys.flatMap((key, index) => (key && !host.keyCache.has(key.keyId) ? [{ index, key }] : []));
  }

  /** Datastores a cluster's hosts use: the cluster's vSAN datastore and the shared one (estate.ts). */
  clusterDatastores(clusterId: string): string[] {
    const cluster = this.index.clusters.get(clusterId);
    if (!cluster) throw new VimFault('NotFound', `Cluster ${clusterId} does not exist.`);
    return [cluster.datastoreId, ...this.estate.datastores.filter((d) => d.clusterId === null).map((d) => d.id)];
  }

  /** VirtualMachineConnectionState as vCenter reports it: a locked VM is `invalid`. */
  vmConnectionState(vmId: string): 'connected' | 'disconnected' | 'invalid' {
    const vm = this.vm(vmId);
    if (this.host(vm.hostId).connectionState !== 'connected') return 'disconnected';
    return vm.lock ? 'invalid' : 'connected';
  }

  /** Which hosts mount a datastore (a vSAN datastore: the hosts of its cluster), and whether the mount works. */
  datastoreMounts(datastoreId: string): { hostId: string; mounted: boolean; accessible: boolean }[] {
    const ds = this.index.datastores.get(datastoreId);
    if (!ds) throw new VimFault('NotFound', `Datastore ${datastoreId} does not exist.`);
    const hostIds = ds.clusterId ? this.index.clusters.get(ds.clusterId)!.hostIds : this.estate.hosts.map((h) => h.id);
    return hostIds.map((hostId) => {
      const host = this.host(hostId);
      return { hostId, mounted: ds.type !== 'vsan' || host.diskGroupsMounted, accessible: host.phase === 'up' };
    });
  }

  /** Capacity the vSAN datastore offers: only mounted disk groups count (0 GB when none is). */
  datastoreCapacity(datastoreId: string): { capacity: number; freeSpace: number; accessible: boolean } {
    const ds = this.index.datastores.get(datastoreId);
    if (!ds) throw new VimFault('NotFound', `Datastore ${datastoreId} does not exist.`);
    if (ds.type !== 'vsan' || !ds.clusterId) {
      return { capacity: 64 * 1024 ** 4, freeSpace: 40 * 1024 ** 4, accessible: true };
    }
    let capacity = 0;
    for (const hostId of this.index.clusters.get(ds.clusterId)!.hostIds) {
      const host = this.hosts.get(hostId)!;
      if (!host.diskGroupsMounted || host.phase !== 'up') continue;
      for (const group of this.estateHost(hostId).diskGroups) {
        for (const disk of group.capacity) capacity += disk.capacityBytes;
      }
    }
    // vSAN reports the datastore as accessible even with 0 bytes (seed 000): keep that quirk.
    return { capacity, freeSpace: Math.floor(capacity * 0.55), accessible: true };
  }

  /** Datastore path of a VM file on its current datastore (`[name] vm/vm_1.vmdk`). */
  vmFilePath(vmId: string, estatePath: string): string {
    const ds = this.index.datastores.get(this.vm(vmId).datastoreId)!;
    return estatePath.replace(/^\[[^\]]*\]/, `[${ds.name}]`);
  }

  vmxPathOf(vmId: string): string {
    return vmxPath(this.index.datastores.get(this.vm(vmId).datastoreId)!.name, this.estateVm(vmId).name);
  }

  // ---- key fetching --------------------------------------------------------------------

  async fetchInto(host: HostRuntime, keys: CryptoKeyRef[], path: KeyFetchPath): Promise<Map<string, KeyFetchFailure | null>> {
    const outcome = new Map<string, KeyFetchFailure | null>();
    // A fetch that outlives the host's memory (it went down meanwhile) must not fill the new cache.
    const boot = host.bootCount;
    const missing = keys.filter((k) => !host.keyCache.has(k.keyId));
    for (const key of keys) if (host.keyCache.has(key.keyId)) outcome.set(key.keyId, null);
    const byProvider = new Map<string, string[]>();
    for (const key of missing) {
      const list = byProvider.get(key.providerId) ?? [];
      if (!list.includes(key.keyId)) list.push(key.keyId);
      byProvider.set(key.providerId, list);
    }
    await Promise.all(
      [...byProvider].map(async ([providerId, keyIds]) => {
        const provider = this.index.providers.get(providerId);
        if (provider?.type === 'standard' && host.kmsIsolated && path === 'host') {
          for (const id of keyIds) outcome.set(id, { kind: 'unreachable', message: `Host ${host.id} cannot reach key provider ${providerId}.` });
          return;
        }
        let result: Map<string, KeyFetchFailure | null>;
        try {
          result = await this.keySource.fetchKeys({ providerId, keyIds, path, hostId: host.id });
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          result = new Map(keyIds.map((id) => [id, { kind: 'unreachable' as const, message }]));
        }
        for (const id of keyIds) {
          const reason = result.has(id) ? result.get(id)! : { kind: 'missing' as const, message: `Key ${id} was not returned by ${providerId}.` };
          outcome.set(id, reason);
        }
      }),
    );
    if (host.bootCount !== boot || host.phase === 'down') return outcome;
    for (const [keyId, reason] of outcome) {
      if (reason === null) {
        host.keyCache.add(keyId);
        host.keyFailures.delete(keyId);
      } else host.keyFailures.set(keyId, reason);
    }
    return outcome;
  }

  /** The host fetches its vSAN KEK and host key itself and mounts its disk groups when it has the KEK. */
  private async loadHostKeys(hostId: string): Promise<void> {
    const host = this.host(hostId);
    const required = this.requiredKeys(hostId);
    const direct = [required.vsanKek, required.hostKey].filter((k): k is CryptoKeyRef => k !== null);
    const boot = host.bootCount;
    const outcome = await this.fetchInto(host, direct, 'host');
    if (host.bootCount !== boot || host.phase === 'down') return;
    host.lastKeyError = [...outcome.values()].find((r) => r !== null)?.message ?? null;
    host.diskGroupsMounted = required.vsanKek === null || host.keyCache.has(required.vsanKek.keyId);
    this.scheduleKeyRetry(hostId);
  }

  /** While its own keys are missing, a running host keeps trying on an interval (as ESXi does). */
  private scheduleKeyRetry(hostId: string): void {
    const host = this.host(hostId);
    const pending = this.retryTimers.get(hostId);
    if (pending) clearTimeout(pending);
    this.retryTimers.delete(hostId);
    host.nextKeyRetryAt = null;
    const required = this.requiredKeys(hostId);
    const missing = [required.vsanKek, required.hostKey].some((k) => k !== null && !host.keyCache.has(k.keyId));
    if (!missing || this.stopped || host.phase === 'down') return;
    host.nextKeyRetryAt = new Date(Date.now() + this.timings.keyRetryMs);
    const timer = setTimeout(() => {
      this.retryTimers.delete(hostId);
      if (this.stopped || host.phase !== 'up') return;
      this.loadHostKeys(hostId).catch(() => undefined);
    }, this.timings.keyRetryMs);
    timer.unref();
    this.retryTimers.set(hostId, timer);
  }

  /** vCenter hands a VM's keys to its host (registration, reload, unlock, boot) and the VM is re-read. */
  private async reloadVmKeys(vmId: string): Promise<void> {
    const vm = this.vm(vmId);
    await this.fetchInto(this.host(vm.hostId), vmKeys(vm), 'vcenter');
    this.refreshVmLock(vmId);
  }

  /** Locked while the configuration key is missing (the lock cause says why it could not be had). */
  private refreshVmLock(vmId: string): void {
    const vm = this.vms.get(vmId)!;
    const host = this.hosts.get(vm.hostId)!;
    let lock: VmLockCause | null = null;
    if (vm.needsReload) lock = 'needsReload';
    else if (vm.configKey && !host.keyCache.has(vm.configKey.keyId)) {
      lock = host.keyFailures.get(vm.configKey.keyId)?.kind === 'missing' ? 'keysMissingOnKms' : 'kmsClusterError';
    }
    if (lock && !vm.lock) vm.lockedAt = new Date();
    if (!lock) vm.lockedAt = null;
    vm.lock = lock;
  }

  // ---- host life cycle -----------------------------------------------------------------

  private later(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  private setVmPower(vmId: string, powerState: VmPowerState): void {
    const vm = this.vms.get(vmId)!;
    if (vm.powerState === powerState) return;
    vm.powerState = powerState;
    const kmsNodeIndex = this.index.vms.get(vmId)!.kmsNodeIndex;
    if (kmsNodeIndex !== null) this.hooks.onKmsApplianceVmPower?.(kmsNodeIndex, powerState === 'poweredOn');
  }

  /** The host stops: memory (and so the key cache) is gone, its running VMs crash. */
  private goDown(host: HostRuntime, powerState: HostPowerState): void {
    host.phase = 'down';
    host.connectionState = 'notResponding';
    host.powerState = powerState;
    host.keyCache.clear();
    host.keyFailures.clear();
    host.diskGroupsMounted = false;
    this.scheduleKeyRetry(host.id);
    for (const vmId of host.vmIds) {
      if (this.vms.get(vmId)!.powerState === 'poweredOn') host.restartOnBoot.add(vmId);
      this.setVmPower(vmId, 'poweredOff');
    }
  }

  /**
   * VMs that crashed with the host start again once it is back (HA / autostart on the same
   * host), unless they are locked, miss a disk key, or their vSAN datastore has no mounted
   * capacity: a KMS appliance on the encrypted datastore it serves stays down (the key locked in
   * the room it opens).
   */
  private restartCrashedVms(host: HostRuntime): void {
    const candidates = [...host.restartOnBoot];
    host.restartOnBoot.clear();
    if (host.inMaintenanceMode) return;
    for (const vmId of candidates) {
      const vm = this.vms.get(vmId);
      if (!vm || vm.hostId !== host.id || vm.powerState === 'poweredOn' || vm.lock || this.missingDiskKeys(vmId).length > 0) continue;
      if (this.datastoreCapacity(vm.datastoreId).capacity === 0) continue;
      this.setVmPower(vmId, 'poweredOn');
    }
  }

  private async boot(hostId: string): Promise<void> {
    const host = this.host(hostId);
    host.phase = 'booting';
    host.bootCount += 1;
    host.bootTime = new Date();
    const vmIds = [...host.vmIds];
    await Promise.all([this.loadHostKeys(hostId), this.fetchInto(host, vmIds.flatMap((id) => vmKeys(this.vms.get(id)!)), 'vcenter')]);
    if (this.stopped || host.phase !== 'booting') return;
    // Every VM is read afresh at boot, so a VM locked before the reboot unlocks when its key is had now.
    for (const vmId of host.vmIds) this.refreshVmLock(vmId);
    const vmError = vmIds.map((id) => this.vms.get(id)!.configKey?.keyId).map((k) => (k ? host.keyFailures.get(k) : undefined)).find(Boolean);
    host.lastKeyError ??= vmError?.message ?? null;
    host.phase = 'up';
    host.powerState = 'poweredOn';
    host.connectionState = 'connected';
    this.scheduleKeyRetry(hostId);
    this.restartCrashedVms(host);
  }

  /**
   * Reboot. Resolves when the host is back (connected, keys fetched or not).
   * `requireMaintenance` mirrors RebootHost_Task(force=false).
   */
  async rebootHost(hostId: string, options: { requireMaintenance?: boolean } = {}): Promise<void> {
    const host = this.host(hostId);
    if (host.phase !== 'up') throw new VimFault('InvalidState', `Host ${hostId} is not running; it cannot be rebooted now.`);
    if (options.requireMaintenance && !host.inMaintenanceMode) {
      throw new VimFault('InvalidState', `Host ${hostId} is not in maintenance mode; reboot it with force or enter maintenance mode first.`);
    }
    this.goDown(host, 'poweredOn');
    await this.later(this.timings.rebootDownMs);
    if (this.stopped) return;
    await this.boot(hostId);
  }

  powerOffHost(hostId: string): void {
    const host = this.host(hostId);
    this.goDown(host, 'poweredOff');
  }

  async powerOnHost(hostId: string): Promise<void> {
    const host = this.host(hostId);
    if (host.phase !== 'down' || host.powerState !== 'poweredOff') {
      throw new VimFault('InvalidState', `Host ${hostId} is not powered off.`);
    }
    host.powerState = 'poweredOn';
    await this.later(this.timings.rebootDownMs);
    if (this.stopped) return;
    await this.boot(hostId);
  }

  /** Retry now what the host retries on its own: fetch its vSAN KEK and host key, mount what they allow. VMs stay as they are. */
  async remount(hostId: string): Promise<void> {
    const host = this.host(hostId);
    if (host.phase !== 'up') throw new VimFault('HostNotConnected', `Host ${hostId} is not connected.`);
    await this.loadHostKeys(hostId);
  }

  /** vCenter loses (or regains) its management connection to a running host; the host itself is unaffected. */
  setDisconnected(hostId: string, disconnected: boolean): void {
    const host = this.host(hostId);
    if (host.phase !== 'up') throw new VimFault('InvalidState', `Host ${hostId} is not running.`);
    host.connectionState = disconnected ? 'disconnected' : 'connected';
  }

  setKmsIsolation(hostId: string, isolated: boolean): void {
    this.host(hostId).kmsIsolated = isolated;
  }

  // ---- maintenance mode ----------------------------------------------------------------

  async enterMaintenance(hostId: string, mode: VsanDecommissionMode = 'ensureObjectAccessibility'): Promise<void> {
    const host = this.host(hostId);
    if (host.phase !== 'up') throw new VimFault('HostNotConnected', `Host ${hostId} is not connected.`);
    if (host.inMaintenanceMode) throw new VimFault('InvalidState', `Host ${hostId} is already in maintenance mode.`);
    const cluster = this.clusterOfHost(hostId);
    const running = [...host.vmIds].filter((id) => this.vms.get(id)!.powerState === 'poweredOn');
    const targets = cluster.hostIds
      .map((id) => this.hosts.get(id)!)
      .filter((h) => h.id !== hostId && h.phase === 'up' && !h.inMaintenanceMode);
    if (running.length > 0 && targets.length === 0) {
      throw new VimFault('InvalidState', `No other host of ${cluster.name} can take the powered-on VMs of ${hostId}.`);
    }
    await this.later(this.timings.maintenanceMs * (mode === 'evacuateAllData' ? 3 : 1));
    // DRS migrates the running VMs away; vMotion inside a cluster carries the keys with it.
    running.forEach((vmId, i) => {
      const target = targets[i % targets.length]!;
      this.moveVm(vmId, target.id);
    });
    host.inMaintenanceMode = true;
    host.decommissionMode = mode;
  }

  /** vMotion: the VM runs on another host, which receives the keys the source held for it. */
  private moveVm(vmId: string, targetHostId: string): void {
    const vm = this.vms.get(vmId)!;
    const source = this.hosts.get(vm.hostId)!;
    const target = this.hosts.get(targetHostId)!;
    for (const key of vmKeys(vm)) if (source.keyCache.has(key.keyId)) target.keyCache.add(key.keyId);
    source.vmIds.delete(vmId);
    target.vmIds.add(vmId);
    vm.hostId = targetHostId;
  }

  async exitMaintenance(hostId: string): Promise<void> {
    const host = this.host(hostId);
    if (host.phase !== 'up') throw new VimFault('HostNotConnected', `Host ${hostId} is not connected.`);
    if (!host.inMaintenanceMode) throw new VimFault('InvalidState', `Host ${hostId} is not in maintenance mode.`);
    await this.later(this.timings.maintenanceMs);
    host.inMaintenanceMode = false;
    host.decommissionMode = null;
  }

  // ---- VM operations -------------------------------------------------------------------

  /** InvalidVmState naming the VM, with the lock message vCenter logs (the documented wording). */
  private lockedFault(vmId: string): VimFault {
    const lock = this.vm(vmId).lock ?? 'kmsClusterError';
    return new VimFault('InvalidVmState', VM_LOCK_MESSAGES[lock], { vm: { _typeName: 'ManagedObjectReference', type: 'VirtualMachine', value: vmId } });
  }

  async powerOnVm(vmId: string): Promise<void> {
    const vm = this.vm(vmId);
    const host = this.host(vm.hostId);
    if (vm.powerState === 'poweredOn') throw new VimFault('InvalidPowerState', `Virtual machine ${vmId} is already powered on.`, { existingState: 'poweredOn' });
    if (host.phase !== 'up') throw new VimFault('HostNotConnected', `Host ${host.id} of ${vmId} is not connected.`);
    if (host.inMaintenanceMode) throw new VimFault('InvalidState', `Host ${host.id} is in maintenance mode.`);
    if (this.datastoreCapacity(vm.datastoreId).capacity === 0) throw new VimFault('SystemError', `The datastore of ${vmId} has no mounted capacity; its files cannot be opened.`);
    if (vm.needsReload) throw new VimFault('GenericVmConfigFault', VM_LOCK_MESSAGES.needsReload);
    if (vm.lock) throw this.lockedFault(vmId);
    // The host asks vCenter for the disk keys it does not hold; one it cannot have stops the power-on.
    await this.fetchInto(host, vmKeys(vm), 'vcenter');
    const [missing] = this.missingDiskKeys(vmId);
    if (missing) {
      const disk = this.estateVm(vmId).disks[missing.index]!;
      // "[ds] vm/vm_1.vmdk" as the host sees it: /vmfs/volumes/ds/vm/vm_1.vmdk.
      const hostPath = this.vmFilePath(vmId, disk.fileName).replace(/^\[([^\]]*)\] /, '/vmfs/volumes/$1/');
      throw new VimFault('GenericVmConfigFault', `The disk [${hostPath}] is encrypted and a required key was not found.`);
    }
    await this.later(this.timings.vmPowerMs);
    this.setVmPower(vmId, 'poweredOn');
  }

  async powerOffVm(vmId: string): Promise<void> {
    const vm = this.vm(vmId);
    if (vm.powerState !== 'poweredOn') throw new VimFault('InvalidPowerState', `Virtual machine ${vmId} is not powered on.`, { existingState: vm.powerState });
    await this.later(this.timings.vmPowerMs);
    this.setVmPower(vmId, 'poweredOff');
  }

  /** `vim-cmd vmsvc/reload` / VirtualMachine.Reload: re-read the VMX, keep the vCenter history, unlock if keys allow. */
  async reloadVm(vmId: string): Promise<void> {
    const vm = this.vm(vmId);
    const host = this.host(vm.hostId);
    if (host.phase !== 'up') throw new VimFault('HostNotConnected', `Host ${host.id} of ${vmId} is not connected.`);
    vm.needsReload = false;
    await this.reloadVmKeys(vmId);
  }

  /**
   * CryptoUnlock_Task: vCenter fetches the VM's keys from its provider, hands them to the host and
   * the VM is unlocked; while the configuration key cannot be had the task fails and the VM stays
   * locked (InvalidVmState with the cause). A VM that is not locked is left as it is.
   */
  async cryptoUnlockVm(vmId: string): Promise<void> {
    const vm = this.vm(vmId);
    if (!vm.configKey) throw new VimFault('NotSupported', `Virtual machine ${this.estateVm(vmId).name} is not encrypted; there is nothing to unlock.`);
    if (vm.needsReload) throw this.lockedFault(vmId);
    await this.fetchInto(this.host(vm.hostId), vmKeys(vm), 'vcenter');
    this.refreshVmLock(vmId);
    if (vm.lock) throw this.lockedFault(vmId);
  }

  /** UnregisterVM: the VM leaves the inventory (its HA override with it); its files stay, under its VMX path. */
  unregisterVm(vmId: string): string {
    const vm = this.vm(vmId);
    if (vm.powerState === 'poweredOn') {
      throw new VimFault('InvalidPowerState', `Virtual machine ${vmId} is powered on; power it off before removing it from the inventory.`, {
        requestedState: 'poweredOff',
        existingState: 'poweredOn',
      });
    }
    const path = this.vmxPathOf(vmId);
    const estateVm = this.estateVm(vmId);
    this.hosts.get(vm.hostId)!.vmIds.delete(vmId);
    this.vms.delete(vmId);
    this.index.vms.delete(vmId);
    vm.haOverride = null;
    this.unregistered.set(path, { vmxPath: path, estateVm, runtime: vm });
    return path;
  }

  /**
   * RegisterVM_Task: the VM at `path` comes back as a new managed object (a new moId, as in
   * vCenter) on `hostId` (default: a connected host of the cluster), powered off; vCenter hands
   * it its keys, so it is locked only if its configuration key cannot be had now.
   */
  async registerVm(spec: { path: string; name?: string; clusterId: string; hostId?: string }): Promise<string> {
    const entry = this.unregistered.get(spec.path);
    if (!entry) {
      const registered = [...this.vms.keys()].find((id) => this.vmxPathOf(id) === spec.path);
      if (registered) throw new VimFault('AlreadyExists', `${spec.path} is already registered as ${registered}.`, { name: registered });
      throw new VimFault('NotFound', `File ${spec.path} was not found.`);
    }
    const cluster = this.index.clusters.get(spec.clusterId);
    if (!cluster) throw new VimFault('InvalidArgument', `Cluster ${spec.clusterId} does not exist.`, { invalidProperty: 'pool' });
    const hostId = spec.hostId ?? cluster.hostIds.find((h) => this.hosts.get(h)!.phase === 'up' && this.hosts.get(h)!.connectionState === 'connected');
    if (!hostId || !cluster.hostIds.includes(hostId)) {
      throw new VimFault('InvalidArgument', `Host ${hostId ?? '(none connected)'} is not a usable host of ${cluster.name}.`, { invalidProperty: 'host' });
    }
    const host = this.host(hostId);
    if (host.phase !== 'up' || host.connectionState !== 'connected') throw new VimFault('HostNotConnected', `Host ${hostId} is not connected.`);
    this.lastVmNumber += 1;
    const id = `vm-${this.lastVmNumber}`;
    const estateVm: EstateVm = { ...entry.estateVm, id, name: spec.name ?? entry.estateVm.name, hostId };
    const runtime: VmRuntime = { ...entry.runtime, id, hostId, powerState: 'poweredOff', lock: null, lockedAt: null, needsReload: false, haOverride: null };
    this.unregistered.delete(spec.path);
    this.index.vms.set(id, estateVm);
    this.vms.set(id, runtime);
    host.vmIds.add(id);
    await this.reloadVmKeys(id);
    return id;
  }

  // ---- HA VM monitoring ----------------------------------------------------------------

  /** Effective HA VM monitoring: the VM's override unless it defers to the cluster, with HA on. */
  vmHaMonitored(vmId: string): boolean {
    const vm = this.vm(vmId);
    const cluster = this.clusterOfHost(vm.hostId);
    const own = vm.haOverride;
    const setting = own && !own.clusterSettings && own.vmMonitoring ? own.vmMonitoring : cluster.vmMonitoring;
    return cluster.haEnabled && setting !== 'vmMonitoringDisabled';
  }

  /** Whether HA watched the VM when the lab started (its cluster's setting and the estate's override). */
  vmHaMonitoredAtStart(vmId: string): boolean {
    const estateVm = this.estateVm(vmId);
    const cluster = this.clusterOfHost(estateVm.hostId);
    return cluster.haEnabled && cluster.vmMonitoring !== 'vmMonitoringDisabled' && estateVm.haVmMonitoring;
  }

  /** Lab fault: make one VM (un)monitored with the smallest override that does it. */
  setHaVmMonitoring(vmId: string, enabled: boolean): void {
    const vm = this.vm(vmId);
    vm.haOverride = null;
    if (this.vmHaMonitored(vmId) !== enabled) vm.haOverride = { vmMonitoring: enabled ? 'vmMonitoringOnly' : 'vmMonitoringDisabled', clusterSettings: false };
  }

  /**
   * ReconfigureComputeResource_Task with dasVmConfigSpec: add (the VM must have no override yet),
   * edit (it must have one) or remove the per-VM HA override, as ArrayUpdateSpec says.
   */
  applyHaOverrides(clusterId: string, changes: { operation: 'add' | 'edit' | 'remove'; vmId: string; override?: HaOverride }[]): void {
    const cluster = this.index.clusters.get(clusterId);
    if (!cluster) throw new VimFault('NotFound', `Cluster ${clusterId} does not exist.`);
    for (const change of changes) {
      const vm = this.vms.get(change.vmId);
      if (!vm || !cluster.hostIds.includes(vm.hostId)) {
        throw new VimFault('InvalidArgument', `Virtual machine ${change.vmId} is not in cluster ${cluster.name}.`, { invalidProperty: 'dasVmConfigSpec.info.key' });
      }
      const exists = vm.haOverride !== null;
      if (change.operation === 'add' && exists) throw new VimFault('InvalidArgument', `${change.vmId} already has an HA override; edit it.`, { invalidProperty: 'dasVmConfigSpec.operation' });
      if (change.operation !== 'add' && !exists) throw new VimFault('InvalidArgument', `${change.vmId} has no HA override.`, { invalidProperty: 'dasVmConfigSpec.operation' });
    }
    for (const change of changes) this.vms.get(change.vmId)!.haOverride = change.operation === 'remove' ? null : (change.override ?? null);
  }

  // ---- KMS appliance placement ---------------------------------------------------------

  /** The first KMS appliance VM, if it is registered. */
  private firstKmsAppliance(): EstateVm | undefined {
    return [...this.registeredVms()].find((v) => v.kmsNodeIndex === 0);
  }

  /** Whether the first KMS appliance VM lives on a datastore its own provider encrypts (now / as the estate placed it). */
  kmsSelfHosted(): { now: boolean; atStart: boolean } {
    const appliance = this.firstKmsAppliance();
    const standard = this.estate.options.standardProviderId;
    const encryptedByStandard = (datastoreId: string) => this.estate.datastores.find((d) => d.id === datastoreId)?.encryptedByProviderId === standard;
    return { now: appliance ? encryptedByStandard(this.vm(appliance.id).datastoreId) : false, atStart: Boolean(appliance && encryptedByStandard(appliance.datastoreId)) };
  }

  /**
   * Lab fault: the first KMS appliance VM moves (vMotion + storage vMotion) onto the encrypted
   * vSAN datastore of a cluster its own provider protects, or off it. Moving it to where the
   * estate placed it goes back to that very host and datastore, so that undoing the fault leaves
   * the lab as it started.
   */
  setKmsSelfHosted(on: boolean): string {
    const appliance = this.firstKmsAppliance();
    if (!appliance) throw new VimFault('NotFound', 'The first KMS appliance VM is not registered.');
    const standard = this.estate.options.standardProviderId;
    let hostId: string;
    let datastoreId: string;
    if (this.kmsSelfHosted().atStart === on) {
      ({ hostId, datastoreId } = appliance);
    } else {
      const cluster = on ? this.estate.clusters.find((c) => c.providerId === standard) : this.estate.clusters[this.estate.clusters.length - 1];
      if (!cluster) throw new VimFault('InvalidState', `No cluster's vSAN datastore is encrypted by ${standard}.`);
      datastoreId = on ? cluster.datastoreId : this.estate.datastores.find((d) => d.clusterId === null)!.id;
      hostId = cluster.hostIds.find((h) => this.hosts.get(h)!.phase === 'up') ?? cluster.hostIds[0]!;
    }
    const vm = this.vm(appliance.id);
    if (vm.hostId !== hostId) this.moveVm(appliance.id, hostId);
    vm.datastoreId = datastoreId;
    return `${appliance.name} (${appliance.id}) now runs on ${hostId} from ${this.index.datastores.get(datastoreId)!.name}`;
  }

  /**
   * Shallow rekey: new KEK from the target provider, DEKs rewrapped. Order as VMware support
   * describes it: get the new key, cache it on the host, get the old key, unwrap, rewrap.
   * Only the disks listed in `diskDeviceKeys` are rewrapped, as in a real ReconfigVM_Task.
   */
  async shallowRekey(
    vmId: string,
    spec: { providerId: string; keyId?: string; diskDeviceKeys: number[] },
    failureMode: RekeyFailureMode = 'none',
  ): Promise<CryptoKeyRef> {
    const vm = this.vm(vmId);
    const estateVm = this.estateVm(vmId);
    const host = this.host(vm.hostId);
    const provider = this.index.providers.get(spec.providerId);
    if (!provider || failureMode === 'provider-not-found') {
      throw new VimFault('NotFound', `The provider '${spec.providerId}' does not exist.`, {
        id: 'com.vmware.esx.trusted_infrastructure.kms.providers.not_found',
      });
    }
    if (!vm.configKey) throw new VimFault('InvalidState', `Virtual machine ${vmId} is not encrypted; a shallow rekey needs an encrypted VM.`);
    if (vm.powerState === 'poweredOn' && failureMode === 'refuse-powered-on') {
      throw new VimFault('NotSupported', 'unable to shallow rekey powered on vm');
    }
    if (host.phase !== 'up') throw new VimFault('HostNotConnected', `Host ${host.id} of ${vmId} is not connected.`);
    for (const deviceKey of spec.diskDeviceKeys) {
      if (!estateVm.disks.some((d) => d.key === deviceKey)) {
        throw new VimFault('InvalidArgument', `Virtual machine ${vmId} has no virtual disk with device key ${deviceKey}.`);
      }
    }
    const newKey: CryptoKeyRef = {
      providerId: provider.id,
      keyId: spec.keyId ?? (await this.keySource.createKey(provider.id, `rekey-${estateVm.name}`)),
    };
    this.knownKeys.set(newKey.keyId, newKey);
    // Both providers must stay reachable during the whole operation.
    const oldKeys = vmKeys(vm);
    const outcome = await this.fetchInto(host, [newKey, ...oldKeys], 'vcenter');
    const failure = [...outcome.values()].find((reason) => reason !== null);
    if (failure) throw new VimFault('SystemError', `Shallow rekey of ${vmId} failed: ${failure.message}`);

    const diskIndexes = spec.diskDeviceKeys.map((k) => estateVm.disks.findIndex((d) => d.key === k));
    await this.later(this.timings.rekeyPerDiskMs * Math.max(1, diskIndexes.length));
    if (failureMode === 'ha-reset' && vm.powerState === 'poweredOn' && this.vmHaMonitored(vmId)) {
      // HA VM monitoring sees a slow VM and resets it half-way: the VMX already names the new
      // key but only the first disk was rewrapped.
      vm.configKey = newKey;
      const first = diskIndexes[0];
      if (first !== undefined) vm.diskKeys[first] = newKey;
      vm.needsReload = true;
      this.setVmPower(vmId, 'poweredOff');
      this.refreshVmLock(vmId);
      throw new VimFault('GenericVmConfigFault', VM_LOCK_MESSAGES.needsReload);
    }
    vm.configKey = newKey;
    for (const i of diskIndexes) vm.diskKeys[i] = newKey;
    this.refreshVmLock(vmId);
    return newKey;
  }
}
