/**
 * The lab's managed objects as vim25 sees them: property values rendered on demand from the
 * estate and the host model, in VI/JSON form (data objects carry `_typeName`; values read
 * through a property path are boxed when they are primitives, enums or arrays).
 */
import { moRef, type MoRef } from '@/lib/vsphere/schemas';
import type { EstateVm } from './estate';
import { LabFault, type CryptoKeyRef, type LabModel } from './host-model';
import type { TaskManager } from './tasks';

const ROOT_FOLDER = 'group-d1';

type Json = unknown;

/** Type names of leaves that are enums or non-string primitives, keyed by `Type:path`. */
const LEAF_TYPES: Record<string, string> = {
  'HostSystem:runtime.connectionState': 'HostSystemConnectionState',
  'HostSystem:runtime.powerState': 'HostSystemPowerState',
  'HostSystem:runtime.standbyMode': 'string',
  'VirtualMachine:runtime.powerState': 'VirtualMachinePowerState',
  'VirtualMachine:runtime.connectionState': 'VirtualMachineConnectionState',
  'VirtualMachine:runtime.faultToleranceState': 'VirtualMachineFaultToleranceState',
  'VirtualMachine:guest.guestState': 'string',
  'Datastore:summary.capacity': 'long',
  'Datastore:summary.freeSpace': 'long',
  'Task:info.state': 'TaskInfoState',
  'HostSystem:runtime.bootTime': 'dateTime',
  'ClusterComputeResource:configurationEx.dasConfig.vmMonitoring': 'string',
};

/** Declared array types, so that an EMPTY array is still boxed with its proper type name. */
const ARRAY_TYPES: Record<string, string> = {
  'HostSystem:vm': 'ArrayOfManagedObjectReference',
  'HostSystem:datastore': 'ArrayOfManagedObjectReference',
  'VirtualMachine:datastore': 'ArrayOfManagedObjectReference',
  'ClusterComputeResource:host': 'ArrayOfManagedObjectReference',
  'ClusterComputeResource:datastore': 'ArrayOfManagedObjectReference',
  'Datastore:vm': 'ArrayOfManagedObjectReference',
  'Datastore:host': 'ArrayOfDatastoreHostMount',
  'Datacenter:datastore': 'ArrayOfManagedObjectReference',
  'Folder:childEntity': 'ArrayOfManagedObjectReference',
  'ContainerView:view': 'ArrayOfManagedObjectReference',
  'VirtualMachine:config.hardware.device': 'ArrayOfVirtualDevice',
  'HostVsanSystem:config.storageInfo.diskMapInfo': 'ArrayOfVsanHostDiskMapInfo',
  'HostVsanSystem:config.storageInfo.diskMapping': 'ArrayOfVsanHostDiskMapping',
  'ClusterComputeResource:configurationEx.dasVmConfig': 'ArrayOfClusterDasVmConfigInfo',
};

export function cryptoKeyId(key: CryptoKeyRef) {
  return { _typeName: 'CryptoKeyId', keyId: key.keyId, providerId: { _typeName: 'KeyProviderId', id: key.providerId } };
}

function box(typeName: string, value: Json): Json {
  return { _typeName: typeName, _value: value };
}

function hasTypeName(value: unknown): value is { _typeName: string } {
  return typeof value === 'object' && value !== null && '_typeName' in value;
}

/** Box a value found at `type:path` the way VI/JSON puts it in an `any` slot. */
export function boxValue(type: string, path: string, value: Json): Json {
  if (Array.isArray(value)) {
    const hinted = ARRAY_TYPES[`${type}:${path}`];
    if (hinted) return box(hinted, value);
    const first = value[0];
    if (hasTypeName(first)) return box(`ArrayOf${first._typeName}`, value);
    if (typeof first === 'number') return box('ArrayOfInt', value);
    if (typeof first === 'string') return box('ArrayOfString', value);
    return box('ArrayOfAnyType', value);
  }
  if (hasTypeName(value)) return value;
  const hinted = LEAF_TYPES[`${type}:${path}`];
  if (hinted) return box(hinted, value);
  if (typeof value === 'boolean') return box('boolean', value);
  if (typeof value === 'number') return box(Number.isInteger(value) ? (Math.abs(value) > 2 ** 31 ? 'long' : 'int') : 'double', value);
  return box('string', value);
}

export class VimInventory {
  constructor(
    private readonly model: LabModel,
    private readonly tasks: TaskManager,
    /** Registered address of the KMS node an appliance VM runs (guest info / annotation). */
    private readonly kmsNode: (index: number) => { id: string; host: string; port: number } | undefined = () => undefined,
  ) {}

  private get estate() {
    return this.model.estate;
  }

  exists(type: string, id: string): boolean {
    const index = this.model.index;
    switch (type) {
      case 'Folder':
        return [ROOT_FOLDER, this.estate.datacenter.hostFolderId, this.estate.datacenter.vmFolderId, this.estate.datacenter.datastoreFolderId].includes(id);
      case 'Datacenter':
        return id === this.estate.datacenter.id;
      case 'ClusterComputeResource':
        return index.clusters.has(id);
      case 'HostSystem':
        return index.hosts.has(id);
      case 'HostVsanSystem':
        return index.hostsByVsanSystem.has(id);
      case 'VirtualMachine':
        return index.vms.has(id);
      case 'Datastore':
        return index.datastores.has(id);
      case 'Task':
        return this.tasks.has(id);
      default:
        return false;
    }
  }

  /** Objects of `types` under `container` (recursive), in inventory order. */
  contained(container: MoRef, types: readonly string[], recursive: boolean): MoRef[] {
    const out: MoRef[] = [];
    const want = (t: string) => types.length === 0 || types.includes(t);
    const dc = this.estate.datacenter;
    const all = (type: string, ids: Iterable<string>) => {
      if (want(type)) for (const id of ids) out.push(moRef(type, id));
    };
    const clusterVms = (clusterId: string) => {
      const ids: string[] = [];
      for (const hostId of this.model.index.clusters.get(clusterId)!.hostIds) ids.push(...this.model.host(hostId).vmIds);
      return ids.sort(byNumericSuffix);
    };
    if (!this.exists(container.type, container.value)) {
      throw new LabFault('NotFound', `The object ${container.type}:${container.value} has already been deleted or has not been completely created.`);
    }
    if (container.type === 'Folder' && container.value === ROOT_FOLDER) {
      all('Datacenter', [dc.id]);
      if (!recursive) return out;
    }
    const inDatacenter = container.type === 'Datacenter' || (container.type === 'Folder' && container.value === ROOT_FOLDER);
    if (inDatacenter && recursive) {
      all('Folder', [dc.hostFolderId, dc.vmFolderId, dc.datastoreFolderId]);
    }
    if ((inDatacenter && recursive) || (container.type === 'Folder' && container.value === dc.hostFolderId)) {
      all('ClusterComputeResource', this.estate.clusters.map((c) => c.id));
      if (recursive || container.type === 'Folder') all('HostSystem', this.estate.hosts.map((h) => h.id));
    }
    if ((inDatacenter && recursive) || (container.type === 'Folder' && container.value === dc.vmFolderId)) {
      all('VirtualMachine', this.estate.vms.map((v) => v.id));
    }
    if ((inDatacenter && recursive) || (container.type === 'Folder' && container.value === dc.datastoreFolderId)) {
      all('Datastore', this.estate.datastores.map((d) => d.id));
    }
    if (container.type === 'ClusterComputeResource') {
      const cluster = this.model.index.clusters.get(container.value)!;
      all('HostSystem', cluster.hostIds);
      if (recursive) all('VirtualMachine', clusterVms(cluster.id));
    }
    if (container.type === 'HostSystem' && recursive) all('VirtualMachine', [...this.model.host(container.value).vmIds].sort(byNumericSuffix));
    return out;
  }

  /** Value at `path`, or undefined when the property is unset. Unknown paths are InvalidProperty faults. */
  read(type: string, id: string, path: string, memo?: Map<string, Json | undefined>): Json | undefined {
    const [head, ...rest] = path.split('.');
    // Several paths of one object share a top-level property (runtime.host, runtime.powerState...): build it once.
    let value: Json | undefined;
    if (memo?.has(head!)) value = memo.get(head!);
    else {
      value = this.topLevel(type, id, head!);
      memo?.set(head!, value);
    }
    // Below a known top-level property, a field the lab does not set is reported unset (omitted from
    // propSet), as vCenter does for optional fields; only unknown top-level names are InvalidProperty.
    for (const part of rest) {
      if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
      if (!(part in value)) return undefined;
      value = (value as Record<string, unknown>)[part];
    }
    return value === null ? undefined : value;
  }

  private topLevel(type: string, id: string, property: string): Json | undefined {
    switch (type) {
      case 'HostSystem':
        return this.hostProperty(id, property, type);
      case 'VirtualMachine':
        return this.vmProperty(id, property, type);
      case 'ClusterComputeResource':
        return this.clusterProperty(id, property, type);
      case 'Datastore':
        return this.datastoreProperty(id, property, type);
      case 'HostVsanSystem':
        return this.vsanSystemProperty(id, property, type);
      case 'Task':
        if (property === 'info') return this.tasks.info(id);
        throw invalidProperty(type, property);
      case 'Datacenter': {
        const dc = this.estate.datacenter;
        const props: Record<string, Json> = {
          name: dc.name,
          parent: moRef('Folder', ROOT_FOLDER),
          hostFolder: moRef('Folder', dc.hostFolderId),
          vmFolder: moRef('Folder', dc.vmFolderId),
          datastoreFolder: moRef('Folder', dc.datastoreFolderId),
          datastore: this.estate.datastores.map((d) => moRef('Datastore', d.id)),
        };
        if (!(property in props)) throw invalidProperty(type, property);
        return props[property];
      }
      case 'Folder':
        return this.folderProperty(id, property, type);
      default:
        throw new LabFault('InvalidArgument', `Managed object type ${type} is not served by the lab vCenter.`, { invalidProperty: 'type' });
    }
  }

  private folderProperty(id: string, property: string, type: string): Json {
    const dc = this.estate.datacenter;
    const names: Record<string, string> = { [ROOT_FOLDER]: 'Datacenters', [dc.hostFolderId]: 'host', [dc.vmFolderId]: 'vm', [dc.datastoreFolderId]: 'datastore' };
    if (property === 'name') return names[id];
    if (property === 'parent') return id === ROOT_FOLDER ? undefined : moRef('Datacenter', dc.id);
    if (property === 'childEntity') {
      if (id === ROOT_FOLDER) return [moRef('Datacenter', dc.id)];
      if (id === dc.hostFolderId) return this.estate.clusters.map((c) => moRef('ClusterComputeResource', c.id));
      if (id === dc.vmFolderId) return this.estate.vms.map((v) => moRef('VirtualMachine', v.id));
      return this.estate.datastores.map((d) => moRef('Datastore', d.id));
    }
    throw invalidProperty(type, property);
  }

  private hostProperty(id: string, property: string, type: string): Json | undefined {
    const host = this.model.host(id);
    const estateHost = this.model.estateHost(id);
    const cluster = this.model.clusterOfHost(id);
    switch (property) {
      case 'name':
        return estateHost.name;
      case 'parent':
        return moRef('ClusterComputeResource', cluster.id);
      case 'vm':
        return [...host.vmIds].sort(byNumericSuffix).map((v) => moRef('VirtualMachine', v));
      case 'datastore':
        return [moRef('Datastore', cluster.datastoreId), moRef('Datastore', 'datastore-1')];
      case 'runtime': {
        const hostKey = this.model.requiredKeys(id).hostKey;
        return {
          _typeName: 'HostRuntimeInfo',
          connectionState: host.connectionState,
          // vCenter cannot know the power state of a host it lost contact with.
          powerState: host.connectionState === 'connected' ? host.powerState : 'unknown',
          standbyMode: 'none',
          inMaintenanceMode: host.inMaintenanceMode,
          inQuarantineMode: false,
          bootTime: host.bootTime.toISOString(),
          cryptoState: this.model.hostCryptoState(id),
          ...(hostKey && host.keyCache.has(hostKey.keyId) ? { cryptoKeyId: cryptoKeyId(hostKey) } : {}),
        };
      }
      case 'configManager':
        return { _typeName: 'HostConfigManager', vsanSystem: moRef('HostVsanSystem', estateHost.vsanSystemId) };
      case 'summary':
        return {
          _typeName: 'HostListSummary',
          host: moRef('HostSystem', id),
          hardware: { _typeName: 'HostHardwareSummary', uuid: estateHost.uuid, vendor: 'Lab', model: 'Lab ESXi', numCpuCores: 32, memorySize: 512 * 1024 ** 3 },
          overallStatus: host.connectionState === 'connected' && host.diskGroupsMounted ? 'green' : 'red',
          rebootRequired: false,
        };
      default:
        throw invalidProperty(type, property);
    }
  }

  vmDevices(vm: EstateVm): Json[] {
    const runtime = this.model.vm(vm.id);
    const ds = moRef('Datastore', vm.datastoreId);
    const devices: Json[] = [
      {
        _typeName: 'VirtualLsiLogicSASController',
        key: 1000,
        deviceInfo: { _typeName: 'Description', label: 'SCSI controller 0', summary: 'LSI Logic SAS' },
        busNumber: 0,
      },
    ];
    vm.disks.forEach((disk, i) => {
      const key = runtime.diskKeys[i];
      devices.push({
        _typeName: 'VirtualDisk',
        key: disk.key,
        deviceInfo: { _typeName: 'Description', label: disk.label, summary: `${groupThousands(disk.capacityInKB)} KB` },
        backing: {
          _typeName: 'VirtualDiskFlatVer2BackingInfo',
          fileName: disk.fileName,
          datastore: ds,
          diskMode: 'persistent',
          thinProvisioned: true,
          ...(key ? { keyId: cryptoKeyId(key) } : {}),
        },
        controllerKey: 1000,
        unitNumber: i,
        capacityInKB: disk.capacityInKB,
        capacityInBytes: disk.capacityInKB * 1024,
      });
    });
    return devices;
  }

  private vmProperty(id: string, property: string, type: string): Json | undefined {
    const vm = this.model.estateVm(id);
    const runtime = this.model.vm(id);
    switch (property) {
      case 'name':
        return vm.name;
      case 'parent':
        return moRef('Folder', this.estate.datacenter.vmFolderId);
      case 'datastore':
        return [moRef('Datastore', vm.datastoreId)];
      case 'runtime': {
        const host = this.model.host(runtime.hostId);
        const cryptoState = this.model.vmCryptoState(id);
        return {
          _typeName: 'VirtualMachineRuntimeInfo',
          host: moRef('HostSystem', runtime.hostId),
          connectionState: host.connectionState === 'connected' ? (runtime.needsReload ? 'invalid' : 'connected') : 'disconnected',
          powerState: runtime.powerState,
          faultToleranceState: 'notConfigured',
          toolsInstallerMounted: false,
          consolidationNeeded: false,
          ...(cryptoState ? { cryptoState } : {}),
        };
      }
      case 'guest': {
        const node = vm.kmsNodeIndex === null ? undefined : this.kmsNode(vm.kmsNodeIndex);
        const running = runtime.powerState === 'poweredOn';
        return {
          _typeName: 'GuestInfo',
          guestState: running ? 'running' : 'notRunning',
          hostName: `${vm.name}.lab.local`,
          ...(running ? { ipAddress: node ? node.host : labIpAddress(vm.id) } : {}),
        };
      }
      case 'config': {
        const node = vm.kmsNodeIndex === null ? undefined : this.kmsNode(vm.kmsNodeIndex);
        return {
          _typeName: 'VirtualMachineConfigInfo',
          name: vm.name,
          ...(node ? { annotation: `Keywatch lab KMS appliance: node ${node.id} (${node.host}:${node.port})` } : {}),
          uuid: vm.uuid,
          instanceUuid: vm.instanceUuid,
          guestId: 'otherGuest64',
          version: 'vmx-20',
          template: false,
          hardware: { _typeName: 'VirtualHardware', numCPU: vm.cpuCount, memoryMB: vm.memoryMiB, device: this.vmDevices(vm) },
          ...(runtime.configKey ? { keyId: cryptoKeyId(runtime.configKey) } : {}),
        };
      }
      case 'summary':
        return {
          _typeName: 'VirtualMachineSummary',
          vm: moRef('VirtualMachine', id),
          runtime: this.vmProperty(id, 'runtime', type),
          overallStatus: runtime.locked ? 'red' : 'green',
        };
      default:
        throw invalidProperty(type, property);
    }
  }

  private clusterProperty(id: string, property: string, type: string): Json | undefined {
    const cluster = this.model.index.clusters.get(id)!;
    switch (property) {
      case 'name':
        return cluster.name;
      case 'parent':
        return moRef('Folder', this.estate.datacenter.hostFolderId);
      case 'host':
        return cluster.hostIds.map((h) => moRef('HostSystem', h));
      case 'datastore':
        return [moRef('Datastore', cluster.datastoreId), moRef('Datastore', 'datastore-1')];
      case 'configurationEx': {
        const clusterMonitoring = cluster.vmMonitoring !== 'vmMonitoringDisabled';
        const overrides: Json[] = [];
        for (const hostId of cluster.hostIds) {
          for (const vmId of [...this.model.host(hostId).vmIds].sort(byNumericSuffix)) {
            const monitored = this.model.vm(vmId).haVmMonitoring;
            if (monitored === clusterMonitoring) continue;
            overrides.push({
              _typeName: 'ClusterDasVmConfigInfo',
              key: moRef('VirtualMachine', vmId),
              dasSettings: {
                _typeName: 'ClusterDasVmSettings',
                vmToolsMonitoringSettings: {
                  _typeName: 'ClusterVmToolsMonitoringSettings',
                  vmMonitoring: monitored ? 'vmMonitoringOnly' : 'vmMonitoringDisabled',
                  clusterSettings: false,
                },
              },
            });
          }
        }
        return {
          _typeName: 'ClusterConfigInfoEx',
          dasConfig: { _typeName: 'ClusterDasConfigInfo', enabled: cluster.haEnabled, vmMonitoring: cluster.vmMonitoring, hostMonitoring: 'enabled' },
          dasVmConfig: overrides,
          drsConfig: { _typeName: 'ClusterDrsConfigInfo', enabled: cluster.drsEnabled, defaultVmBehavior: 'fullyAutomated' },
          vsanConfigInfo: { _typeName: 'VsanConfigInfoEx', enabled: true, dataEncryptionConfig: this.vsanEncryption(cluster.id) },
        };
      }
      default:
        throw invalidProperty(type, property);
    }
  }

  private datastoreProperty(id: string, property: string, type: string): Json | undefined {
    const ds = this.model.index.datastores.get(id)!;
    switch (property) {
      case 'name':
        return ds.name;
      case 'parent':
        return moRef('Folder', this.estate.datacenter.datastoreFolderId);
      case 'summary': {
        const capacity = this.model.datastoreCapacity(id);
        return {
          _typeName: 'DatastoreSummary',
          datastore: moRef('Datastore', id),
          name: ds.name,
          url: ds.url,
          capacity: capacity.capacity,
          freeSpace: capacity.freeSpace,
          type: ds.type,
          accessible: capacity.accessible,
          multipleHostAccess: true,
          maintenanceMode: 'normal',
        };
      }
      case 'vm':
        return this.estate.vms.filter((v) => v.datastoreId === id).map((v) => moRef('VirtualMachine', v.id));
      case 'host': {
        const hostIds = ds.clusterId ? this.model.index.clusters.get(ds.clusterId)!.hostIds : this.estate.hosts.map((h) => h.id);
        return hostIds.map((h) => ({
          _typeName: 'DatastoreHostMount',
          key: moRef('HostSystem', h),
          mountInfo: {
            _typeName: 'HostMountInfo',
            accessMode: 'readWrite',
            mounted: ds.type !== 'vsan' || this.model.host(h).diskGroupsMounted,
            accessible: this.model.host(h).phase === 'up',
          },
        }));
      }
      default:
        throw invalidProperty(type, property);
    }
  }

  /** One disk group as vSAN describes it (shared by HostVsanSystem and the vSAN disk-management API). */
  diskMapping(hostId: string, groupIndex: number): Json {
    const group = this.model.estateHost(hostId).diskGroups[groupIndex]!;
    const disk = (d: typeof group.cache) => ({
      _typeName: 'HostScsiDisk',
      canonicalName: d.canonicalName,
      uuid: `0100000000${Buffer.from(d.canonicalName).toString('hex').slice(0, 26)}`,
      displayName: `Local NVMe Disk (${d.canonicalName})`,
      ssd: d.ssd,
      capacity: { _typeName: 'HostDiskDimensionsLba', blockSize: 512, block: Math.floor(d.capacityBytes / 512) },
      vsanDiskInfo: { _typeName: 'VsanHostVsanDiskInfo', vsanUuid: d.uuid, formatVersion: 15 },
    });
    return { _typeName: 'VsanHostDiskMapping', ssd: disk(group.cache), nonSsd: group.capacity.map(disk) };
  }

  private vsanSystemProperty(id: string, property: string, type: string): Json | undefined {
    const estateHost = this.model.index.hostsByVsanSystem.get(id)!;
    const host = this.model.host(estateHost.id);
    if (property !== 'config') throw invalidProperty(type, property);
    const mappings = estateHost.diskGroups.map((_, i) => this.diskMapping(estateHost.id, i));
    return {
      _typeName: 'VsanHostConfigInfo',
      enabled: true,
      hostSystem: moRef('HostSystem', estateHost.id),
      clusterInfo: { _typeName: 'VsanHostConfigInfoClusterInfo', uuid: estateHost.clusterId, nodeUuid: estateHost.uuid },
      storageInfo: {
        _typeName: 'VsanHostConfigInfoStorageInfo',
        autoClaimStorage: false,
        diskMapping: mappings,
        diskMapInfo: mappings.map((mapping) => ({ _typeName: 'VsanHostDiskMapInfo', mapping, mounted: host.diskGroupsMounted && host.phase === 'up' })),
      },
    };
  }

  /** vSAN QueryDiskMappings answer for one host (VimVsanHostDiskMapInfoEx[]). */
  diskMapInfoEx(hostId: string): Json[] {
    const host = this.model.host(hostId);
    const cluster = this.model.clusterOfHost(hostId);
    const keysLoaded = this.model.diskGroupKeysLoaded(hostId);
    const mounted = host.diskGroupsMounted && host.phase === 'up';
    return this.model.estateHost(hostId).diskGroups.map((_, i) => ({
      _typeName: 'VimVsanHostDiskMapInfoEx',
      mapping: this.diskMapping(hostId, i),
      isMounted: mounted,
      ...(keysLoaded === null ? {} : { unlockedEncrypted: keysLoaded && host.phase === 'up' }),
      isAllFlash: true,
      isDataEfficiency: false,
      encryptionInfo: this.vsanEncryption(cluster.id),
    }));
  }

  /** VsanDataEncryptionConfig of a cluster: provider, KEK id and host key id (ids only, never material). */
  vsanEncryption(clusterId: string): Json {
    const cluster = this.model.index.clusters.get(clusterId)!;
    if (!cluster.providerId) return { _typeName: 'VsanDataEncryptionConfig', encryptionEnabled: false };
    return {
      _typeName: 'VsanDataEncryptionConfig',
      encryptionEnabled: true,
      kmsProviderId: { _typeName: 'KeyProviderId', id: cluster.providerId },
      ...(cluster.vsanKekIndex === null ? {} : { kekId: this.estate.keys[cluster.vsanKekIndex]!.keyId }),
      ...(cluster.hostKeyIndex === null ? {} : { hostKeyId: this.estate.keys[cluster.hostKeyIndex]!.keyId }),
      changing: false,
      eraseDisksBeforeUse: false,
    };
  }
}

function invalidProperty(type: string, path: string): LabFault {
  return new LabFault('InvalidProperty', `Property ${path} is not served for ${type} by the lab vCenter.`, { name: path });
}

/** A stable private address for a workload VM (vm-258 → 10.0.1.2). */
function labIpAddress(vmId: string): string {
  const n = Number(vmId.slice(vmId.lastIndexOf('-') + 1));
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** 41943040 → "41,943,040" (Intl formatting is slow at 40,000 VMs per read). */
function groupThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function byNumericSuffix(a: string, b: string): number {
  const na = Number(a.slice(a.lastIndexOf('-') + 1));
  const nb = Number(b.slice(b.lastIndexOf('-') + 1));
  return na - nb;
}
