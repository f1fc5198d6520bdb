/**
 * State-changing vim25 methods Keywatch drives: host maintenance mode (with the vSAN decommission
 * mode), host reboot; VM power, reload, CryptoUnlock_Task, unregister / register and a shallow
 * rekey (CryptoSpecShallowRecrypt on the VM and its disks); a cluster's per-VM HA monitoring
 * override (ReconfigureComputeResource_Task). Task methods return the Task reference; following
 * it is the caller's choice (HostOperations.follow, or tasks.ts).
 */
import { cryptoKeyId, type KeyRef } from './crypto-manager';
import { VsphereError } from './errors';
import type { PropertyCollectorReader } from './property-collector';
import {
  moRef,
  MoRefSchema,
  type ClusterDasVmConfigSpec,
  type MoRef,
  type ReconfigVmRequest,
  type TaskInfo,
  type VirtualDevice,
  type VsanDecommissionAction,
  VM_MONITORING_STATES,
} from './schemas';
import { followTask, type WaitForTaskOptions } from './tasks';
import type { VimApi } from './vim';

export interface EnterMaintenanceOptions {
  /** vSAN data handling; default ensureObjectAccessibility (sent explicitly, not left to vCenter). */
  vsanMode?: VsanDecommissionAction;
  /** Seconds vCenter may take before failing the task; 0 = no limit. */
  timeoutSeconds?: number;
  evacuatePoweredOffVms?: boolean;
}

export interface ShallowRekeyOptions {
  /** Also rekey each encrypted virtual disk (default true: verify-after-rekey expects config and disks on the new key). */
  includeDisks?: boolean;
}

export class HostOperations {
  constructor(private readonly vim: VimApi) {}

  enterMaintenanceMode(hostId: string, opts: EnterMaintenanceOptions = {}): Promise<MoRef> {
    const body = {
      timeout: opts.timeoutSeconds ?? 0,
      ...(opts.evacuatePoweredOffVms !== undefined ? { evacuatePoweredOffVms: opts.evacuatePoweredOffVms } : {}),
      maintenanceSpec: {
        _typeName: 'HostMaintenanceSpec',
        vsanMode: { _typeName: 'VsanHostDecommissionMode', objectAction: opts.vsanMode ?? 'ensureObjectAccessibility' },
      },
    };
    return this.vim.invoke(moRef('HostSystem', hostId), 'EnterMaintenanceMode_Task', body, MoRefSchema);
  }

  exitMaintenanceMode(hostId: string, timeoutSeconds = 0): Promise<MoRef> {
    return this.vim.invoke(moRef('HostSystem', hostId), 'ExitMaintenanceMode_Task', { timeout: timeoutSeconds }, MoRefSchema);
  }

  /**
   * `force` reboots even when the host is not in maintenance mode. The task's success only means
   * the reboot started: follow the host (connection state, disk groups) to know it is back.
   */
  rebootHost(hostId: string, force = false): Promise<MoRef> {
    return this.vim.invoke(moRef('HostSystem', hostId), 'RebootHost_Task', { force }, MoRefSchema);
  }

  /** Each change of a task's state / progress, ending with success (or a task-failed / task-timeout error). */
  follow(task: MoRef, opts?: WaitForTaskOptions): AsyncGenerator<TaskInfo, TaskInfo> {
    return followTask(this.vim, task, opts);
  }
}

/** The ReconfigVM_Task body for a shallow rekey of `devices`' encrypted disks (pure, for tests). */
export function shallowRekeySpec(newKey: KeyRef, devices: readonly VirtualDevice[], includeDisks: boolean): ReconfigVmRequest {
  const crypto = { _typeName: 'CryptoSpecShallowRecrypt' as const, newKeyId: cryptoKeyId(newKey) };
  const disks = includeDisks ? devices.filter((d) => d._typeName === 'VirtualDisk' && d.backing?.keyId) : [];
  return {
    spec: {
      _typeName: 'VirtualMachineConfigSpec',
      crypto,
      ...(disks.length > 0
        ? {
            deviceChange: disks.map((device) => ({
              _typeName: 'VirtualDeviceConfigSpec' as const,
              operation: 'edit' as const,
              device,
              backing: { _typeName: 'VirtualDeviceConfigSpecBackingSpec' as const, crypto },
            })),
          }
        : {}),
    },
  };
}

/** What RegisterVM_Task needs to put a VM (back) into the inventory. */
export interface RegisterVmSpec {
  /** The VM folder to register into. */
  folderId: string;
  /** Datastore path of the VMX, e.g. "[vsanDatastore] vm-1/vm-1.vmx". */
  path: string;
  /** Resource pool (its cluster decides where the VM may run). */
  poolId: string;
  /** Host to register on; vCenter picks one of the pool's cluster when omitted. */
  hostId?: string;
  /** Inventory name; the VMX's display name when omitted. */
  name?: string;
}

export class VmOperations {
  constructor(
    private readonly vim: VimApi,
    private readonly collector: PropertyCollectorReader,
  ) {}

  private notFound(call: string, vmId: string): VsphereError {
    return new VsphereError({
      kind: 'fault',
      vcenter: this.vim.vcenter,
      call: `${call} ${vmId}`,
      cause: `virtual machine ${vmId} was not found`,
      faultType: 'ManagedObjectNotFound',
    });
  }

  /** ReconfigVM_Task with CryptoSpecShallowRecrypt: new KEK from `newKey`'s provider, DEKs rewrapped. */
  async shallowRekey(vmId: string, newKey: KeyRef, opts: ShallowRekeyOptions = {}): Promise<MoRef> {
    const includeDisks = opts.includeDisks ?? true;
    let devices: VirtualDevice[] = [];
    if (includeDisks) {
      const [vm] = await this.collector.collectObjects('VirtualMachine', [vmId], ['config.hardware.device', 'config.keyId']);
      if (!vm) throw this.notFound('ReconfigVM_Task', vmId);
      devices = vm.props['config.hardware.device']?._value ?? [];
    }
    return this.vim.invoke(moRef('VirtualMachine', vmId), 'ReconfigVM_Task', shallowRekeySpec(newKey, devices, includeDisks), MoRefSchema);
  }

  powerOn(vmId: string): Promise<MoRef> {
    return this.vim.invoke(moRef('VirtualMachine', vmId), 'PowerOnVM_Task', {}, MoRefSchema);
  }

  powerOff(vmId: string): Promise<MoRef> {
    return this.vim.invoke(moRef('VirtualMachine', vmId), 'PowerOffVM_Task', {}, MoRefSchema);
  }

  /** Reload: the host re-reads the VMX (`vim-cmd vmsvc/reload`), keeping the VM's vCenter history. */
  async reload(vmId: string): Promise<void> {
    await this.vim.invoke(moRef('VirtualMachine', vmId), 'Reload', {}, MoRefSchema.optional().nullable(), { allowEmpty: true });
  }

  /**
   * CryptoUnlock_Task (vSphere 7.0+): vCenter fetches the VM's keys from its key provider and
   * unlocks it; the task fails (InvalidVmState) while the key still cannot be had.
   */
  cryptoUnlock(vmId: string): Promise<MoRef> {
    return this.vim.invoke(moRef('VirtualMachine', vmId), 'CryptoUnlock_Task', {}, MoRefSchema);
  }

  /** UnregisterVM: the VM leaves the inventory (its files stay; its moId and vCenter history go). Powered off only. */
  async unregister(vmId: string): Promise<void> {
    await this.vim.invoke(moRef('VirtualMachine', vmId), 'UnregisterVM', {}, MoRefSchema.optional().nullable(), { allowEmpty: true });
  }

  /** RegisterVM_Task; the task's result is the VM's NEW reference (vCenter gives a re-registered VM a new moId). */
  register(spec: RegisterVmSpec): Promise<MoRef> {
    const body = {
      path: spec.path,
      ...(spec.name ? { name: spec.name } : {}),
      asTemplate: false,
      pool: moRef('ResourcePool', spec.poolId),
      ...(spec.hostId ? { host: moRef('HostSystem', spec.hostId) } : {}),
    };
    return this.vim.invoke(moRef('Folder', spec.folderId), 'RegisterVM_Task', body, MoRefSchema);
  }

  /** Where a VM is registered now, as RegisterVM_Task would need it to register the VM again. */
  async registration(vmId: string): Promise<RegisterVmSpec> {
    const [vm] = await this.collector.collectObjects('VirtualMachine', [vmId], ['name', 'parent', 'resourcePool', 'runtime.host', 'config.files.vmPathName']);
    const p = vm?.props;
    const path = p?.['config.files.vmPathName']?._value;
    if (!p || !path || !p.parent || !p.resourcePool) throw this.notFound('read registration of', vmId);
    return {
      folderId: p.parent.value,
      path,
      poolId: p.resourcePool.value,
      ...(p['runtime.host'] ? { hostId: p['runtime.host'].value } : {}),
      ...(p.name ? { name: p.name._value } : {}),
    };
  }
}

/** A VM's HA VM-monitoring override: a setting of its own, or follow the cluster. */
export type VmMonitoringOverride = (typeof VM_MONITORING_STATES)[number] | 'cluster';

export class ClusterOperations {
  constructor(private readonly vim: VimApi) {}

  /**
   * ReconfigureComputeResource_Task (modify) with one ClusterDasVmConfigSpec per VM: `add` a new
   * override, `edit` an existing one, or `remove` it. Use it to keep HA VM monitoring from
   * resetting VMs during a rekey (the seeds' "Cannot decrypt disk" failure).
   */
  setVmMonitoring(clusterId: string, changes: { vmId: string; operation: 'add' | 'edit' | 'remove'; monitoring?: VmMonitoringOverride }[]): Promise<MoRef> {
    const dasVmConfigSpec: ClusterDasVmConfigSpec[] = changes.map((c) =>
      c.operation === 'remove'
        ? { _typeName: 'ClusterDasVmConfigSpec', operation: 'remove', removeKey: moRef('VirtualMachine', c.vmId) }
        : {
            _typeName: 'ClusterDasVmConfigSpec',
            operation: c.operation,
            info: {
              _typeName: 'ClusterDasVmConfigInfo',
              key: moRef('VirtualMachine', c.vmId),
              dasSettings: {
                _typeName: 'ClusterDasVmSettings',
                vmToolsMonitoringSettings: {
                  _typeName: 'ClusterVmToolsMonitoringSettings',
                  ...(c.monitoring === undefined || c.monitoring === 'cluster' ? { clusterSettings: true } : { vmMonitoring: c.monitoring, clusterSettings: false }),
                },
              },
            },
          },
    );
    return this.vim.invoke(
      moRef('ClusterComputeResource', clusterId),
      'ReconfigureComputeResource_Task',
      { spec: { _typeName: 'ClusterConfigSpecEx', dasVmConfigSpec }, modify: true },
      MoRefSchema,
    );
  }
}
