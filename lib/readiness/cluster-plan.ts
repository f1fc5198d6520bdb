/**
 * GET /api/v1/clusters/{id}/rolling-plan: a live readiness check (reboot) of every host of a stored
 * cluster, over one shared vCenter client, a few hosts at a time, turned into a rolling plan.
 */
import type { PrismaClient } from '../db/client';
import type { SecretBox } from '../secrets/keyring';
import { checkHostReadiness } from './check';
import { rollingPlan, type RollingPlan } from './rolling-plan';
import { openVsphereClient } from '../targets/vcenter-connection';
import { createReadinessSources, ReadinessHostError, type LiveSourcesOptions } from './sources';

export interface ClusterPlanDeps {
  prisma: PrismaClient;
  box: SecretBox;
  /** Hosts checked at once. */
  concurrency?: number;
  sources?: Partial<Omit<LiveSourcesOptions, 'prisma' | 'box' | 'vcenterId' | 'sharedClient'>>;
}

/** The stored cluster by row id, managed object id or name. */
async function resolveCluster(prisma: PrismaClient, idOrName: string) {
  const byId = await prisma.vcCluster.findUnique({ where: { id: idOrName } });
  const rows = byId ? [byId] : await prisma.vcCluster.findMany({ where: { OR: [{ moid: idOrName }, { name: { equals: idOrName, mode: 'insensitive' } }] }, take: 3 });
  if (rows.length === 0) throw new ReadinessHostError('not-found', `No cluster "${idOrName}" is known to Keywatch (by id, managed object id or name).`);
  if (rows.length > 1) throw new ReadinessHostError('ambiguous', `"${idOrName}" names clusters in more than one vCenter; use the cluster id.`);
  return rows[0]!;
}

export async function planCluster(deps: ClusterPlanDeps, clusterIdOrName: string): Promise<RollingPlan & { durationMs: number }> {
  const started = Date.now();
  const cluster = await resolveCluster(deps.prisma, clusterIdOrName);
  const hosts = await deps.prisma.vcHost.findMany({ where: { clusterId: cluster.id }, orderBy: { name: 'asc' } });
  const sharedClient = openVsphereClient(deps.prisma, deps.box, cluster.vcenterId, deps.sources?.vcenterTimeoutMs);
  sharedClient.catch(() => undefined);
  try {
    const reports: Parameters<typeof rollingPlan>[0]['hosts'] = [];
    const queue = [...hosts];
    const worker = async () => {
      for (let h = queue.shift(); h; h = queue.shift()) {
        const sources = createReadinessSources({ ...deps.sources, prisma: deps.prisma, box: deps.box, vcenterId: cluster.vcenterId, sharedClient });
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
