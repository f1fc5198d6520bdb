/**
 * Campaigns against the lab (tests): the lab's HTTP routes (POST /lab/faults, GET /lab/state as
 * ground truth), the expected progress from that ground truth and a KMIP probe of the lab KMS.
 * The VM operations themselves go through VsphereCampaignVcenter, as in production.
 */
import { Agent, request } from 'undici';
import { z } from 'zod';
import { startLab, type Lab } from '@/lab/main';
import { createPrismaClient, type PrismaClient } from '../../db/client';
import { createTestDatabase, type TestDatabase } from '../../db/testing/test-database';
import { probeKmsNode } from '../../kmip/probe';
import { VsphereClient } from '../../vsphere/client';
import type { KmipProviderProbe } from '../health-check';
import { snapshotFromEstate, type CampaignInventory } from '../inventory';
import { VsphereCampaignVcenter } from '../vcenter';

/** The lab vCenter's target id in campaign tests (no target row: the inventory is read live). */
export const LAB_VC = 'lab-vcenter';

/** A lab, an empty migrated database, and the campaign's view of the lab vCenter, as production wires them. */
export interface CampaignLab {
  lab: Lab;
  db: TestDatabase;
  prisma: PrismaClient;
  client: VsphereClient;
  http: LabHttp;
  vcenter: VsphereCampaignVcenter;
  /** Live reads of the lab vCenter (snapshotFromEstate), for LAB_VC only. */
  inventory: CampaignInventory;
  close(): Promise<void>;
}

export async function startCampaignLab(options: Parameters<typeof startLab>[0], databasePool: number): Promise<CampaignLab> {
  const lab = await startLab(options);
  const db = await createTestDatabase().catch(async (error: unknown) => {
    await lab.stop();
    throw error;
  });
  const prisma = createPrismaClient(db.url, databasePool);
  const client = new VsphereClient({ baseUrl: lab.vcenter.url, username: lab.vcenter.username, password: lab.vcenter.password, caPem: lab.vcenter.caPem, timeoutMs: 15_000 });
  const http = new LabHttp(lab);
  return {
    lab,
    db,
    prisma,
    client,
    http,
    vcenter: new VsphereCampaignVcenter(client, { taskPollIntervalMs: 25, taskTimeoutMs: 30_000 }),
    inventory: { snapshot: async (id) => (id === LAB_VC ? snapshotFromEstate(LAB_VC, await client.readEstate()) : null) },
    async close() {
      await http.close();
      await client.close();
      await prisma.$disconnect();
      await db.drop();
      await lab.stop();
    },
  };
}

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
