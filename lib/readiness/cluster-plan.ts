/**
 * GET /api/v1/clusters/{id}/rolling-plan: a live readiness check (reboot) of every host of a stored
 * cluster, over one shared vCenter client, a few hosts at a time, turned into a rolling plan.
 */
import type { PrismaClient } from '../db/client';
import type { SecretBox } from '../secrets/keyring';
import { checkHostReadiness } from './check';
import { openVsphereClient } from '../targets/vcenter-connection';
import { getCluster } from './clusters-view';
import { rollingPlan, type RollingPlan } from './rolling-plan';
import { createReadinessSources, type LiveSourcesOptions } from './sources';

export interface ClusterPlanDeps {
  prisma: PrismaClient;
  box: SecretBox;
  /** Hosts checked at once. */
  concurrency?: number;
  sources?: Partial<Omit<LiveSourcesOptions, 'prisma' | 'box' | 'vcenterId' | 'sharedClient'>>;
}

export async function planCluster(deps: ClusterPlanDeps, clusterIdOrName: string): Promise<RollingPlan & { durationMs: number }> {
  const started = Date.now();
  const cluster = await getCluster(deps.prisma, clusterIdOrName);
  const hosts = await deps.prisma.vcHost.findMany({ where: { clusterId: cluster.id }, orderBy: { name: 'asc' } });
  const sharedClient = openVsphereClient(deps.prisma, deps.box, cluster.vcenter.id, deps.sources?.vcenterTimeoutMs);
  sharedClient.catch(() => undefined);
  try {
    const reports: Parameters<typeof rollingPlan>[0]['hosts'] = [];
    const queue = [...hosts];
    const worker = async () => {
      for (let h = queue.shift(); h; h = queue.shift()) {
        const sources = createReadinessSources({ ...deps.sources, prisma: deps.prisma, box: deps.box, vcenterId: cluster.vcenter.id, sharedClient });
        const report = await checkHostReadiness(sources, h.moid, 'reboot');
        const encryptedVms = await deps.prisma.vcVm.count({ where: { hostId: h.id, cryptoState: { not: null } } });
        reports.push({ report, hostId: h.id, hostName: h.name, encryptedVms });
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(deps.concurrency ?? 8, hosts.length)) }, worker));
    const plan = rollingPlan({ clusterId: cluster.id, clusterName: cluster.name, checkedAt: new Date(), hosts: reports });
    return { ...plan, durationMs: Date.now() - started };
  } finally {
    const client = await sharedClient.catch(() => null);
    await client?.close().catch(() => undefined);
  }
}
