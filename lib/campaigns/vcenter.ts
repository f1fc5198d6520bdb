/**
 * What the campaign executor and its remediations need from vCenter, as one small interface,
 * and its implementation over lib/vsphere's VsphereClient (VM power, Reload, CryptoUnlock_Task,
 * unregister / register, the HA VM override through ReconfigureComputeResource_Task). Task methods
 * follow their task to its end.
 */
import { z } from 'zod';
import type { VsphereClient } from '../vsphere/client';
import { isVsphereError } from '../vsphere/errors';
import type { VmMonitoringOverride } from '../vsphere/operations';
import { CryptoKeyIdSchema, moRef, MoRefSchema, type MoRef, VIM_VM_POWER_STATES, VirtualDeviceSchema, VM_CRYPTO_STATES, type ProviderHealth } from '../vsphere/schemas';
import { CampaignError } from './errors';
import type { ProviderHealthSource } from './health-check';
import type { KeyRef } from './inventory';

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
  /** Starts the vSAN KEK change of a cluster to `providerId` (VsanClusterReconfig, or a shallow VsanEncryptedClusterRekey_Task when already there); the task id. */
  startVsanKekRekey(clusterMoid: string, providerId: string): Promise<string>;
  /** The cluster's vSAN KEK as vSAN reports it now (null: not encrypted); `changing` while vSAN applies a change. */
  readVsanKek(clusterMoid: string): Promise<{ key: KeyRef | null; changing: boolean } | null>;
  /** Starts ChangeKey_Task on the host's crypto manager with a key generated on the provider first; the task id. */
  startHostKeyChange(hostMoid: string, newKey: KeyRef): Promise<string>;
  /** The host's crypto state and host key now; null when vCenter does not know the host. */
  readHostKey(hostMoid: string): Promise<{ cryptoState: string | null; key: KeyRef | null } | null>;
}

export interface VsphereCampaignVcenterOptions {
  /** How long a VM / cluster task may run (default 120 s). */
  taskTimeoutMs?: number;
  taskPollIntervalMs?: number;
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
  constructor(
    protected readonly client: VsphereClient,
    private readonly options: VsphereCampaignVcenterOptions = {},
  ) {}

  private readonly previousOverrides = new Map<string, VmMonitoringOverride>();

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

  async providerHealth(providerId: string, hostMoid?: string): Promise<{ health: ProviderHealth; details: string[] }> {
    const info = hostMoid ? await this.client.getHostKeyProvider(hostMoid, providerId) : await this.client.getKeyProvider(providerId);
    return { health: info.health, details: info.details.map((d) => d.default_message) };
  }

  /** Follows a VM task to its end (task-failed / task-timeout errors are the executor's to classify). */
  private async follow(task: MoRef): Promise<void> {
    await this.client.waitForTask(task, { timeoutMs: this.options.taskTimeoutMs ?? 120_000, pollIntervalMs: this.options.taskPollIntervalMs });
  }

  /**
   * Disables HA VM monitoring for the VM. A VM that already has an override of its own gets it
   * edited (vCenter refuses a second `add`), and the previous setting is restored on removal —
   * remembered by this instance only: after a restart the removal falls back to the cluster's setting.
   */
  async applyHaVmOverride(clusterMoid: string, vmMoid: string): Promise<void> {
    const existing = await this.vmMonitoringOverride(clusterMoid, vmMoid);
    if (existing) this.previousOverrides.set(`${clusterMoid}/${vmMoid}`, existing);
    await this.follow(await this.client.setVmMonitoring(clusterMoid, [{ vmId: vmMoid, operation: existing ? 'edit' : 'add', monitoring: 'vmMonitoringDisabled' }]));
  }

  async removeHaVmOverride(clusterMoid: string, vmMoid: string): Promise<void> {
    const key = `${clusterMoid}/${vmMoid}`;
    const previous = this.previousOverrides.get(key);
    const change = previous ? { vmId: vmMoid, operation: 'edit' as const, monitoring: previous } : { vmId: vmMoid, operation: 'remove' as const };
    await this.follow(await this.client.setVmMonitoring(clusterMoid, [change]));
    this.previousOverrides.delete(key);
  }

  /** The VM's own HA VM-monitoring override on its cluster; null when it has none. */
  private async vmMonitoringOverride(clusterMoid: string, vmMoid: string): Promise<VmMonitoringOverride | null> {
    const [cluster] = await this.client.collector.collectObjects('ClusterComputeResource', [clusterMoid], ['configurationEx.dasVmConfig']);
    const own = (cluster?.props['configurationEx.dasVmConfig']?._value ?? []).find((o) => o.key.value === vmMoid);
    if (!own) return null;
    const settings = own.dasSettings?.vmToolsMonitoringSettings;
    return settings?.clusterSettings === false && settings.vmMonitoring ? settings.vmMonitoring : 'cluster';
  }

  async reloadVm(moid: string): Promise<void> {
    await this.client.reloadVm(moid);
  }

  async cryptoUnlockVm(moid: string): Promise<void> {
    await this.follow(await this.client.cryptoUnlockVm(moid));
  }

  async powerOffVm(moid: string): Promise<void> {
    await this.follow(await this.client.powerOffVm(moid));
  }

  async powerOnVm(moid: string): Promise<void> {
    await this.follow(await this.client.powerOnVm(moid));
  }

  async startVsanKekRekey(clusterMoid: string, providerId: string): Promise<string> {
    const now = await this.client.vsanEncryption.clusterEncryption(clusterMoid);
    const task = now.providerId === providerId ? await this.client.vsanEncryption.shallowRekey(clusterMoid) : await this.client.vsanEncryption.changeKeyProvider(clusterMoid, providerId);
    return task.value;
  }

  async readVsanKek(clusterMoid: string): Promise<{ key: KeyRef | null; changing: boolean } | null> {
    try {
      const enc = await this.client.vsanEncryption.clusterEncryption(clusterMoid);
      return { key: enc.enabled && enc.kekId ? { keyId: enc.kekId, providerId: enc.providerId } : null, changing: enc.changing };
    } catch (error) {
      if (isVsphereError(error, 'fault') && error.faultType === 'ManagedObjectNotFound') return null;
      throw error;
    }
  }

  async startHostKeyChange(hostMoid: string, newKey: KeyRef): Promise<string> {
    return (await this.client.vsanEncryption.changeHostKey(hostMoid, newKey)).value;
  }

  async readHostKey(hostMoid: string): Promise<{ cryptoState: string | null; key: KeyRef | null } | null> {
    try {
      const state = await this.client.vsanEncryption.hostKey(hostMoid);
      return { cryptoState: state.cryptoState, key: state.hostKey };
    } catch (error) {
      if (isVsphereError(error, 'fault') && error.faultType === 'ManagedObjectNotFound') return null;
      throw error;
    }
  }

  /** Reads where the VM is registered first: once unregistered, that is gone from vCenter. */
  async reregisterVm(moid: string): Promise<{ moid: string }> {
    const spec = await this.client.vmRegistration(moid);
    await this.client.unregisterVm(moid);
    const info = await this.client.waitForTask(await this.client.registerVm(spec), {
      timeoutMs: this.options.taskTimeoutMs ?? 120_000,
      pollIntervalMs: this.options.taskPollIntervalMs,
    });
    const result = MoRefSchema.safeParse(info.result);
    if (!result.success) throw new CampaignError('vcenter-answer', 502, `RegisterVM_Task for ${moid} succeeded without naming the registered VM.`);
    return { moid: result.data.value };
  }
}
