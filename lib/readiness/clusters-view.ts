/**
 * Clusters as the poller stored them, for the cluster pages and GET /api/v1/clusters[/{id}]: what a
 * rolling plan is about (its hosts, how many are in maintenance or disconnected, its vSAN encryption).
 * The plan itself is live (cluster-plan.ts); this is the stored frame around it.
 */
import type { PrismaClient } from '../db/client';
import { ReadinessHostError } from './sources';

export interface ClusterView {
  id: string;
  name: string;
  vcenter: { id: string; name: string };
  vsanEncryption: boolean | null;
  vsanProviderId: string | null;
  hosts: { id: string; name: string; connectionState: string; inMaintenanceMode: boolean }[];
}

type ClusterRow = Awaited<ReturnType<typeof findClusterRows>>[number];

function findClusterRows(prisma: PrismaClient, where: NonNullable<Parameters<PrismaClient['vcCluster']['findMany']>[0]>['where'], take?: number) {
  return prisma.vcCluster.findMany({ where, orderBy: { name: 'asc' }, take, include: { vcenter: { select: { id: true, name: true } } } });
}

async function view(prisma: PrismaClient, rows: ClusterRow[]): Promise<ClusterView[]> {
  const hosts = await prisma.vcHost.findMany({
    where: { clusterId: { in: rows.map((r) => r.id) } },
    orderBy: { name: 'asc' },
    select: { id: true, name: true, clusterId: true, connectionState: true, inMaintenanceMode: true },
  });
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    vcenter: r.vcenter,
    vsanEncryption: r.vsanEncryption,
    vsanProviderId: r.vsanProviderId,
    hosts: hosts.filter((h) => h.clusterId === r.id).map(({ id, name, connectionState, inMaintenanceMode }) => ({ id, name, connectionState, inMaintenanceMode })),
  }));
}

export async function listClusters(prisma: PrismaClient): Promise<ClusterView[]> {
  return view(prisma, await findClusterRows(prisma, {}));
}

/** The stored cluster by row id, managed object id or name: 404 when unknown, 409 when a name is in two vCenters. */
export async function getCluster(prisma: PrismaClient, idOrName: string): Promise<ClusterView> {
  const byId = await findClusterRows(prisma, { id: idOrName });
  const rows = byId.length > 0 ? byId : await findClusterRows(prisma, { OR: [{ moid: idOrName }, { name: { equals: idOrName, mode: 'insensitive' } }] }, 3);
  if (rows.length === 0) throw new ReadinessHostError('not-found', `No cluster "${idOrName}" is known to Keywatch (by id, managed object id or name).`);
  if (rows.length > 1) throw new ReadinessHostError('ambiguous', `"${idOrName}" names clusters in more than one vCenter; use the cluster id (${rows.map((r) => r.id).join(', ')}).`);
  return (await view(prisma, rows))[0]!;
}
