/**
 * Run-time state machine of the lab estate, following the seeds:
 * - an ESXi host keeps the KEKs it fetched in memory only; a reboot empties that cache;
 * - at boot the host fetches its vSAN cluster KEK and its host key straight from the KMS, and
 *   the KEKs of the encrypted VMs registered on it through vCenter;
 * - while the vSAN KEK is missing its disk groups stay unmounted (keys not loaded, datastore
 *   contributes 0 bytes), its crypto state is not `safe`, and encrypted VMs it cannot unlock
 *   are `locked`; a remount (or another reboot) once the KMS is back recovers;
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
  diskGroupsMounted: boolean;
  /** Lab fault: this host alone cannot reach the standard provider's nodes. */
  kmsIsolated: boolean;
  lastKeyError: string | null;
  bootCount: number;
  bootTime: Date;
  vmIds: Set<string>;
  /** VMs that were running when the host went down: restarted at boot when their keys and datastore allow. */
  restartOnBoot: Set<string>;
}

export interface VmRuntime {
  id: string;
  hostId: string;
  powerState: VmPowerState;
  locked: boolean;
  lockReason: string | null;
  configKey: CryptoKeyRef | null;
  diskKeys: (CryptoKeyRef | null)[];
  /** Left behind by an HA reset during a rekey: the VMX must be reloaded before it can run. */
  needsReload: boolean;
  haVmMonitoring: boolean;
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
}

export const defaultTimings: LabTimings = { rebootDownMs: 1500, maintenanceMs: 600, rekeyPerDiskMs: 250, vmPowerMs: 200 };

export interface LabModelHooks {
  /** A KMS appliance VM changed power state: the lab couples it to its KMS node. */
  onKmsApplianceVmPower?(kmsNodeIndex: number, poweredOn: boolean): void;
}

export interface HostRequiredKeys {
  vsanKek: CryptoKeyRef | null;
  hostKey: CryptoKeyRef | null;
  vmKeys: CryptoKeyRef[];
}

export class LabModel {
  readonly index: EstateIndex;
  readonly hosts = new Map<string, HostRuntime>();
  readonly vms = new Map<string, VmRuntime>();
  /** Keys created at run time (rekey targets) by ID, plus the estate's bound keys. */
  readonly knownKeys = new Map<string, CryptoKeyRef>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    readonly estate: Estate,
    private readonly keySource: KeySource,
    readonly timings: LabTimings = defaultTimings,
    private readonly hooks: LabModelHooks = {},
  ) {
    this.index = indexEstate(estate);
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
        diskGroupsMounted: true,
        kmsIsolated: false,
        lastKeyError: null,
        bootCount: 1,
        bootTime,
        vmIds: new Set(),
        restartOnBoot: new Set(),
      });
    }
    for (const vm of estate.vms) {
      const cluster = this.clusterOfHost(vm.hostId);
      const configKey = vm.keyIndex === null ? null : this.keyRef(vm.keyIndex);
      this.vms.set(vm.id, {
        id: vm.id,
        hostId: vm.hostId,
        powerState: vm.poweredOn ? 'poweredOn' : 'poweredOff',
        locked: false,
        lockReason: null,
        configKey,
        diskKeys: vm.disks.map(() => configKey),
        needsReload: false,
        haVmMonitoring: vm.haVmMonitoring && cluster.vmMonitoring !== 'vmMonitoringDisabled',
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
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
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
    const keys = new Map<string, CryptoKeyRef>();
    for (const vmId of this.host(hostId).vmIds) {
      for (const key of vmKeys(this.vms.get(vmId)!)) keys.set(key.keyId, key);
    }
    return {
      vsanKek: cluster.vsanKekIndex === null ? null : this.keyRef(cluster.vsanKekIndex),
      hostKey: cluster.hostKeyIndex === null ? null : this.keyRef(cluster.hostKeyIndex),
      vmKeys: [...keys.values()],
    };
  }

  private flattenRequired(required: HostRequiredKeys): CryptoKeyRef[] {
    return [required.vsanKek, required.hostKey, ...required.vmKeys].filter((k): k is CryptoKeyRef => k !== null);
  }

  hostCryptoState(hostId: string): HostCryptoState {
    const host = this.host(hostId);
    const required = this.requiredKeys(hostId);
    if (!required.hostKey) {
      if (required.vmKeys.length === 0) return 'incapable';
      return required.vmKeys.every((k) => host.keyCache.has(k.keyId)) ? 'safe' : 'prepared';
    }
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
    return vm.locked ? 'locked' : 'unlocked';
  }

  /** Datastores a cluster's hosts use: the cluster's vSAN datastore and the shared one (estate.ts). */
  clusterDatastores(clusterId: string): string[] {
    const cluster = this.index.clusters.get(clusterId);
    if (!cluster) throw new VimFault('NotFound', `Cluster ${clusterId} does not exist.`);
    return [cluster.datastoreId, ...this.estate.datastores.filter((d) => d.clusterId === null).map((d) => d.id)];
  }

  /** VirtualMachineConnectionState as vCenter reports it. */
  vmConnectionState(vmId: string): 'connected' | 'disconnected' | 'invalid' {
    const vm = this.vm(vmId);
    if (this.host(vm.hostId).connectionState !== 'connected') return 'disconnected';
    return vm.needsReload ? 'invalid' : 'connected';
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

  // ---- key fetching --------------------------------------------------------------------

  async fetchInto(host: HostRuntime, keys: CryptoKeyRef[], path: KeyFetchPath): Promise<Map<string, KeyFetchFailure | null>> {
    const outcome = new Map<string, KeyFetchFailure | null>();
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
          if (reason === null) host.keyCache.add(id);
        }
      }),
    );
    return outcome;
  }

  /** Fetch whatever the host is missing and mount / unlock what the keys allow. */
  private async loadKeys(hostId: string): Promise<void> {
    const host = this.host(hostId);
    const required = this.requiredKeys(hostId);
    const direct = [required.vsanKek, required.hostKey].filter((k): k is CryptoKeyRef => k !== null);
    const [directOutcome, vmOutcome] = await Promise.all([
      this.fetchInto(host, direct, 'host'),
      this.fetchInto(host, required.vmKeys, 'vcenter'),
    ]);
    const errors = [...directOutcome.values(), ...vmOutcome.values()].filter((r): r is KeyFetchFailure => r !== null);
    host.lastKeyError = errors[0]?.message ?? null;
    host.diskGroupsMounted = required.vsanKek === null || host.keyCache.has(required.vsanKek.keyId);
    for (const vmId of host.vmIds) this.refreshVmLock(vmId);
  }

  private refreshVmLock(vmId: string): void {
    const vm = this.vms.get(vmId)!;
    const host = this.hosts.get(vm.hostId)!;
    const keys = vmKeys(vm);
    if (keys.length === 0) {
      vm.locked = false;
      vm.lockReason = null;
      return;
    }
    if (vm.needsReload) {
      vm.locked = true;
      vm.lockReason = 'Cannot decrypt disk because key or password is incorrect';
      return;
    }
    const missing = keys.find((k) => !host.keyCache.has(k.keyId));
    vm.locked = missing !== undefined;
    vm.lockReason = missing ? `Key ${missing.keyId} of provider ${missing.providerId} is not available on host ${host.id}.` : null;
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
    host.diskGroupsMounted = false;
    for (const vmId of host.vmIds) {
      if (this.vms.get(vmId)!.powerState === 'poweredOn') host.restartOnBoot.add(vmId);
      this.setVmPower(vmId, 'poweredOff');
    }
  }

  /**
   * VMs that crashed with the host start again once it is back (HA / autostart on the same
   * host), unless they are locked or their vSAN datastore has no mounted capacity: a KMS
   * appliance on the encrypted datastore it serves stays down (the key locked in the room it opens).
   */
  private restartCrashedVms(host: HostRuntime): void {
    const candidates = [...host.restartOnBoot];
    host.restartOnBoot.clear();
    if (host.inMaintenanceMode) return;
    for (const vmId of candidates) {
      const vm = this.vms.get(vmId);
      if (!vm || vm.hostId !== host.id || vm.powerState === 'poweredOn' || vm.locked || vm.needsReload) continue;
      if (this.datastoreCapacity(this.estateVm(vmId).datastoreId).capacity === 0) continue;
      this.setVmPower(vmId, 'poweredOn');
    }
  }

  private async boot(hostId: string): Promise<void> {
    const host = this.host(hostId);
    host.phase = 'booting';
    host.bootCount += 1;
    host.bootTime = new Date();
    await this.loadKeys(hostId);
    if (this.stopped || host.phase !== 'booting') return;
    host.phase = 'up';
    host.powerState = 'poweredOn';
    host.connectionState = 'connected';
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

  /** Rescan / remount the disk groups: fetch the missing keys again (recovery once the KMS is back). */
  async remount(hostId: string): Promise<void> {
    const host = this.host(hostId);
    if (host.phase !== 'up') throw new VimFault('HostNotConnected', `Host ${hostId} is not connected.`);
    await this.loadKeys(hostId);
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
      this.moveVm(vmId, target.id, host);
    });
    host.inMaintenanceMode = true;
    host.decommissionMode = mode;
  }

  private moveVm(vmId: string, targetHostId: string, source: HostRuntime): void {
    const vm = this.vms.get(vmId)!;
    const target = this.hosts.get(targetHostId)!;
    for (const key of vmKeys(vm)) if (source.keyCache.has(key.keyId)) target.keyCache.add(key.keyId);
    source.vmIds.delete(vmId);
    target.vmIds.add(vmId);
    vm.hostId = targetHostId;
    this.refreshVmLock(vmId);
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

  async powerOnVm(vmId: string): Promise<void> {
    const vm = this.vm(vmId);
    const host = this.host(vm.hostId);
    if (vm.powerState === 'poweredOn') throw new VimFault('InvalidState', `Virtual machine ${vmId} is already powered on.`);
    if (host.phase !== 'up') throw new VimFault('HostNotConnected', `Host ${host.id} of ${vmId} is not connected.`);
    if (host.inMaintenanceMode) throw new VimFault('InvalidState', `Host ${host.id} is in maintenance mode.`);
    const ds = this.datastoreCapacity(this.estateVm(vmId).datastoreId);
    if (ds.capacity === 0) throw new VimFault('SystemError', `The datastore of ${vmId} has no mounted capacity; its files cannot be opened.`);
    if (vm.needsReload) {
      throw new VimFault('GenericVmConfigFault', 'Cannot decrypt disk because key or password is incorrect', {
        reason: 'Cannot decrypt disk because key or password is incorrect',
      });
    }
    const keys = vmKeys(vm);
    const outcome = await this.fetchInto(host, keys, 'vcenter');
    this.refreshVmLock(vmId);
    const failure = [...outcome.values()].find((r) => r !== null);
    if (failure) throw new VimFault('SystemError', `Cannot power on ${vmId}: ${failure.message}`);
    await this.later(this.timings.vmPowerMs);
    this.setVmPower(vmId, 'poweredOn');
  }

  async powerOffVm(vmId: string): Promise<void> {
    const vm = this.vm(vmId);
    if (vm.powerState !== 'poweredOn') throw new VimFault('InvalidState', `Virtual machine ${vmId} is not powered on.`);
    await this.later(this.timings.vmPowerMs);
    this.setVmPower(vmId, 'poweredOff');
  }

  /** `vim-cmd vmsvc/reload`: re-read the VMX, keep the vCenter history, unlock if keys allow. */
  async reloadVm(vmId: string): Promise<void> {
    const vm = this.vm(vmId);
    const host = this.host(vm.hostId);
    if (host.phase !== 'up') throw new VimFault('HostNotConnected', `Host ${host.id} of ${vmId} is not connected.`);
    vm.needsReload = false;
    const keys = vmKeys(vm);
    await this.fetchInto(host, keys, 'vcenter');
    this.refreshVmLock(vmId);
  }

  setHaVmMonitoring(vmId: string, enabled: boolean): void {
    this.vm(vmId).haVmMonitoring = enabled;
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
    if (failureMode === 'ha-reset' && vm.powerState === 'poweredOn' && vm.haVmMonitoring) {
      // HA VM monitoring sees a slow VM and resets it half-way: the VMX already names the new
      // key but only the first disk was rewrapped.
      vm.configKey = newKey;
      const first = diskIndexes[0];
      if (first !== undefined) vm.diskKeys[first] = newKey;
      vm.needsReload = true;
      this.setVmPower(vmId, 'poweredOff');
      this.refreshVmLock(vmId);
      const reason = 'Cannot decrypt disk because key or password is incorrect';
      throw new VimFault('GenericVmConfigFault', reason, { reason });
    }
    vm.configKey = newKey;
    for (const i of diskIndexes) vm.diskKeys[i] = newKey;
    this.refreshVmLock(vmId);
    return newKey;
  }
}
