/**
 * State-changing vim25 methods Keywatch drives: host maintenance mode (with the vSAN decommission
 * mode), host reboot, and a VM shallow rekey (CryptoSpecShallowRecrypt on the VM and its disks).
 * Each returns the Task reference; waiting is the caller's choice (see tasks.ts).
 */
import { cryptoKeyId, type KeyRef } from './crypto-manager';
import { VsphereError } from './errors';
import type { PropertyCollectorReader } from './property-collector';
import { moRef, MoRefSchema, type MoRef, type ReconfigVmRequest, type VirtualDevice, type VsanDecommissionAction } from './schemas';
import type { VimApi } from './vim';

export interface EnterMaintenanceOptions {
  /** vSAN data handling; vCenter's default when omitted is ensureObjectAccessibility. */
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
      ...(opts.vsanMode
        ? {
            maintenanceSpec: {
              _typeName: 'HostMaintenanceSpec',
              vsanMode: { _typeName: 'VsanHostDecommissionMode', objectAction: opts.vsanMode },
            },
          }
        : {}),
    };
    return this.vim.invoke(moRef('HostSystem', hostId), 'EnterMaintenanceMode_Task', body, MoRefSchema);
  }

  exitMaintenanceMode(hostId: string, timeoutSeconds = 0): Promise<MoRef> {
    return this.vim.invoke(moRef('HostSystem', hostId), 'ExitMaintenanceMode_Task', { timeout: timeoutSeconds }, MoRefSchema);
  }

  /** `force` reboots even when the host is not in maintenance mode. */
  rebootHost(hostId: string, force = false): Promise<MoRef> {
    return this.vim.invoke(moRef('HostSystem', hostId), 'RebootHost_Task', { force }, MoRefSchema);
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

export class VmOperations {
  constructor(
    private readonly vim: VimApi,
    private readonly collector: PropertyCollectorReader,
  ) {}

  /** ReconfigVM_Task with CryptoSpecShallowRecrypt: new KEK from `newKey`'s provider, DEKs rewrapped. */
  async shallowRekey(vmId: string, newKey: KeyRef, opts: ShallowRekeyOptions = {}): Promise<MoRef> {
    const includeDisks = opts.includeDisks ?? true;
    let devices: VirtualDevice[] = [];
    if (includeDisks) {
      const [vm] = await this.collector.collectObjects('VirtualMachine', [vmId], ['config.hardware.device', 'config.keyId']);
      if (!vm) {
        throw new VsphereError({
          kind: 'fault',
          vcenter: this.vim.vcenter,
          call: `ReconfigVM_Task ${vmId}`,
          cause: `virtual machine ${vmId} was not found`,
          faultType: 'ManagedObjectNotFound',
        });
      }
      devices = vm.props['config.hardware.device']?._value ?? [];
    }
    return this.vim.invoke(moRef('VirtualMachine', vmId), 'ReconfigVM_Task', shallowRekeySpec(newKey, devices, includeDisks), MoRefSchema);
  }
}
