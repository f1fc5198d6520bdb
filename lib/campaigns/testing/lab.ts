/**
 * Campaigns against the lab (tests, and later the e2e journey): the lab's HTTP routes
 * (POST /lab/faults, GET /lab/state as ground truth), the expected progress from that ground
 * truth, a KMIP probe of the lab KMS, and a CampaignVcenter with the VM operations
 * lib/vsphere does not offer yet.
 *
 * `LabCampaignVcenter` calls the lab vCenter's real VI/JSON methods for Reload and
 * PowerOn/OffVM_Task; the HA VM override goes through the lab's `vm-ha-monitoring` fault because
 * the lab does not serve ReconfigureComputeResource_Task yet. Once lib/vsphere has these
 * operations, VsphereCampaignVcenter wires them and this class shrinks to nothing.
 */
import { Agent, request } from 'undici';
import { z } from 'zod';
import type { Lab } from '@/lab/main';
import { probeKmsNode } from '../../kmip/probe';
import type { VsphereClient } from '../../vsphere/client';
import { moRef, MoRefSchema } from '../../vsphere/schemas';
import type { KmipProviderProbe } from '../health-check';
import { VsphereCampaignVcenter } from '../vcenter';

export class LabHttp {
  private readonly agent: Agent;

  constructor(private readonly lab: Pick<Lab, 'vcenter'>) {
    this.agent = new Agent({ connect: { ca: lab.vcenter.caPem } });
  }

  async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const { url, username, password } = this.lab.vcenter;
    const res = await request(`${url}${path}`, {
      method,
      dispatcher: this.agent,
      headers: {
        authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.body.json()) as unknown;
    if (res.statusCode !== 200) throw new Error(`lab ${method} ${path} answered ${res.statusCode}: ${JSON.stringify(json)}`);
    return json;
  }

  fault(body: Record<string, unknown>): Promise<unknown> {
    return this.call('POST', '/lab/faults', body);
  }

  async state(): Promise<LabState> {
    return LabStateSchema.parse(await this.call('GET', '/lab/state'));
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

const LabKeySchema = z.object({ keyId: z.string(), providerId: z.string() }).nullable();
export const LabStateSchema = z.object({
  vms: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      powerState: z.string(),
      cryptoState: z.enum(['locked', 'unlocked']).nullable(),
      configKey: LabKeySchema,
      diskKeys: z.array(LabKeySchema),
      needsReload: z.boolean(),
      haVmMonitoring: z.boolean(),
    }),
  ),
});
export type LabState = z.infer<typeof LabStateSchema>;

export interface ItemForTruth {
  id: string;
  kind: string;
  entityMoid: string;
  diskKey: number | null;
}

/**
 * The items GET /lab/state says are done: key on the target provider, VM unlocked. `diskKeysOf`
 * gives a VM's disk device keys in the order of the lab's `diskKeys` array.
 */
export function verifiedByGroundTruth(state: LabState, items: readonly ItemForTruth[], target: string, diskKeysOf: (vmId: string) => number[]): Set<string> {
  const vms = new Map(state.vms.map((v) => [v.id, v]));
  const done = new Set<string>();
  for (const item of items) {
    const vm = vms.get(item.entityMoid);
    if (!vm || vm.cryptoState !== 'unlocked') continue;
    const key = item.kind === 'vm-config' ? vm.configKey : vm.diskKeys[diskKeysOf(vm.id).indexOf(item.diskKey ?? -1)];
    if (key?.providerId === target) done.add(item.id);
  }
  return done;
}

/** Keywatch's KMIP probe of the lab KMS (every node must answer); null for the NKP. */
export function labKmipProbe(lab: Pick<Lab, 'kms'>): KmipProviderProbe {
  return async (providerId) => {
    if (providerId !== lab.kms.providerId) return null;
    const probes = await Promise.all(
      lab.kms.nodes.map((n) =>
        probeKmsNode({ host: n.host, port: n.port, caPem: lab.kms.caPem, certPem: lab.kms.client.certPem, keyPem: lab.kms.client.keyPem, timeouts: { connectMs: 1500, handshakeMs: 2000, responseMs: 3000 } }),
      ),
    );
    const down = probes.filter((p) => !p.reachable);
    return { healthy: down.length === 0, detail: down.length === 0 ? 'every node answers' : down.map((p) => `${p.endpoint}: ${p.error ?? 'unreachable'}`).join('; ') };
  };
}

export class LabCampaignVcenter extends VsphereCampaignVcenter {
  constructor(
    client: VsphereClient,
    private readonly http: LabHttp,
    private readonly pollIntervalMs = 25,
  ) {
    super(client);
  }

  override async reloadVm(moid: string): Promise<void> {
    await this.client.vim.invoke(moRef('VirtualMachine', moid), 'Reload', {}, z.unknown(), { allowEmpty: true });
  }

  private async vmTask(moid: string, method: string): Promise<void> {
    const task = await this.client.vim.invoke(moRef('VirtualMachine', moid), method, {}, MoRefSchema);
    await this.client.waitForTask(task, { timeoutMs: 60_000, pollIntervalMs: this.pollIntervalMs });
  }

  override powerOffVm(moid: string): Promise<void> {
    return this.vmTask(moid, 'PowerOffVM_Task');
  }

  override powerOnVm(moid: string): Promise<void> {
    return this.vmTask(moid, 'PowerOnVM_Task');
  }

  override async applyHaVmOverride(_clusterMoid: string, vmMoid: string): Promise<void> {
    await this.http.fault({ type: 'vm-ha-monitoring', vm: vmMoid, enabled: false });
  }

  override async removeHaVmOverride(_clusterMoid: string, vmMoid: string): Promise<void> {
    await this.http.fault({ type: 'vm-ha-monitoring', vm: vmMoid, enabled: true });
  }
}
