/**
 * What the campaign executor and its remediations need from vCenter, as one small interface,
 * and its implementation over lib/vsphere's VsphereClient. Operations lib/vsphere does not offer
 * yet (VM power, Reload, unregister / register, the HA VM override, CryptoUnlock) are named here
 * and refuse with a clear "not available in this vCenter client yet" until they are wired.
 */
import { z } from 'zod';
import type { VsphereClient } from '../vsphere/client';
import { isVsphereError } from '../vsphere/errors';
import { CryptoKeyIdSchema, moRef, MoRefSchema, VIM_VM_POWER_STATES, VirtualDeviceSchema, VM_CRYPTO_STATES } from '../vsphere/schemas';
import { CampaignError } from './errors';
import type { ProviderHealthSource } from './health-check';
import type { KeyRef, ProviderHealthLevel } from './inventory';

/** A VM as vCenter reports it right now. */
export interface LiveVm {
  moid: string;
  name: string;
  hostMoid: string | null;
  powerState: (typeof VIM_VM_POWER_STATES)[number];
  /** null: not encrypted. */
  cryptoState: (typeof VM_CRYPTO_STATES)[number] | null;
  /** runtime.connectionState: connected, disconnected, orphaned, inaccessible, invalid. */
  connectionState: string;
  configKey: KeyRef | null;
  disks: { key: number; label: string | null; keyId: KeyRef | null }[];
}

export interface TaskWait {
  timeoutMs: number;
  pollIntervalMs?: number;
}

export interface CampaignVcenter extends ProviderHealthSource {
  /** Live read of one VM; null when vCenter does not know it. */
  readVm(moid: string): Promise<LiveVm | null>;
  /** A new KEK from `providerId` (the first step of a rekey). */
  generateKey(providerId: string): Promise<KeyRef>;
  /** ReconfigVM_Task with a shallow recrypt of the configuration and every encrypted disk; the task id. */
  startShallowRekey(moid: string, newKey: KeyRef): Promise<string>;
  /** Resolves when the task succeeded; throws (VsphereError task-failed / task-timeout) otherwise. */
  waitForTask(taskId: string, wait: TaskWait): Promise<void>;
  /** Adds an HA VM override disabling VM monitoring for the VM (ReconfigureComputeResource_Task with a DAS VM config). */
  applyHaVmOverride(clusterMoid: string, vmMoid: string): Promise<void>;
  /** Removes the override added by applyHaVmOverride. */
  removeHaVmOverride(clusterMoid: string, vmMoid: string): Promise<void>;
  /** Reload: re-reads the VMX, same vmid, history kept. */
  reloadVm(moid: string): Promise<void>;
  /** CryptoUnlock_Task: unlock a locked VM once its host can get the keys. */
  cryptoUnlockVm(moid: string): Promise<void>;
  powerOffVm(moid: string): Promise<void>;
  powerOnVm(moid: string): Promise<void>;
  /** UnregisterVM + RegisterVM_Task of the same VMX; the VM's new managed object id. Loses vCenter history. */
  reregisterVm(moid: string): Promise<{ moid: string }>;
}

export function notAvailableYet(operation: string): CampaignError {
  return new CampaignError('not-available', 501, `${operation} is not available in this vCenter client yet.`);
}

const VmRuntimeSchema = z.object({
  host: MoRefSchema.optional(),
  connectionState: z.string().min(1),
  powerState: z.enum(VIM_VM_POWER_STATES),
  cryptoState: z.enum(VM_CRYPTO_STATES).optional(),
});

const VmConfigSchema = z.object({
  name: z.string(),
  keyId: CryptoKeyIdSchema.optional(),
  hardware: z.object({ device: z.array(VirtualDeviceSchema).optional() }),
});

const keyRef = (k: z.infer<typeof CryptoKeyIdSchema> | undefined): KeyRef | null => (k ? { keyId: k.keyId, providerId: k.providerId?.id ?? null } : null);

/** CampaignVcenter over one VsphereClient. */
export class VsphereCampaignVcenter implements CampaignVcenter {
  constructor(protected readonly client: VsphereClient) {}

  async readVm(moid: string): Promise<LiveVm | null> {
    const ref = moRef('VirtualMachine', moid);
    try {
      const [runtime, config] = await Promise.all([this.client.vim.getProperty(ref, 'runtime', VmRuntimeSchema), this.client.vim.getProperty(ref, 'config', VmConfigSchema)]);
      return {
        moid,
        name: config.name,
        hostMoid: runtime.host?.value ?? null,
        powerState: runtime.powerState,
        cryptoState: runtime.cryptoState ?? null,
        connectionState: runtime.connectionState,
        configKey: keyRef(config.keyId),
        disks: (config.hardware.device ?? [])
          .filter((d) => d._typeName === 'VirtualDisk')
          .map((d) => ({ key: d.key, label: d.deviceInfo?.label ?? null, keyId: keyRef(d.backing?.keyId) })),
      };
    } catch (error) {
      if (isVsphereError(error, 'fault') && error.faultType === 'ManagedObjectNotFound') return null;
      throw error;
    }
  }

  async generateKey(providerId: string): Promise<KeyRef> {
    const key = await this.client.generateKey(providerId);
    return { keyId: key.keyId, providerId: key.providerId ?? providerId };
  }

  async startShallowRekey(moid: string, newKey: KeyRef): Promise<string> {
    const task = await this.client.shallowRekeyVm(moid, newKey, { includeDisks: true });
    return task.value;
  }

  async waitForTask(taskId: string, wait: TaskWait): Promise<void> {
    await this.client.waitForTask(moRef('Task', taskId), { timeoutMs: wait.timeoutMs, pollIntervalMs: wait.pollIntervalMs });
  }

  async providerHealth(providerId: string, hostMoid?: string): Promise<{ health: ProviderHealthLevel; details: string[] }> {
    const info = hostMoid ? await this.client.getHostKeyProvider(hostMoid, providerId) : await this.client.getKeyProvider(providerId);
    return { health: info.health, details: info.details.map((d) => d.default_message) };
  }

  async applyHaVmOverride(_clusterMoid: string, _vmMoid: string): Promise<void> {
    throw notAvailableYet('The HA VM override (ReconfigureComputeResource_Task with a DAS VM config)');
  }

  async removeHaVmOverride(_clusterMoid: string, _vmMoid: string): Promise<void> {
    throw notAvailableYet('Removing the HA VM override (ReconfigureComputeResource_Task with a DAS VM config)');
  }

  async reloadVm(_moid: string): Promise<void> {
    throw notAvailableYet('VM Reload');
  }

  async cryptoUnlockVm(_moid: string): Promise<void> {
    throw notAvailableYet('CryptoUnlock_Task');
  }

  async powerOffVm(_moid: string): Promise<void> {
    throw notAvailableYet('VM power off (PowerOffVM_Task)');
  }

  async powerOnVm(_moid: string): Promise<void> {
    throw notAvailableYet('VM power on (PowerOnVM_Task)');
  }

  async reregisterVm(_moid: string): Promise<{ moid: string }> {
    throw notAvailableYet('VM unregister / register (UnregisterVM, RegisterVM_Task)');
  }
}
