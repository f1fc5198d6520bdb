/**
 * GET /api/v1/clusters/{id}/rolling-plan: a live readiness check (reboot) of every host of a stored
 * cluster, turned into a rolling plan. Live, but read once for the whole cluster: one vCenter read of
 * all its hosts and VMs, one batched KMIP probe per node for every key any host needs, one look for KMS
 * appliance VMs — then each host's rules run on its share. When that read fails, each host's check
 * falls back as a single check does (stored data, VC_REACHABLE blocks).
 */
import type { PrismaClient } from '../db/client';
import type { SecretBox } from '../secrets/keyring';
import { checkHostReadiness, keysByProvider, type HostContext, type ProviderSnapshot, type ReadinessSources } from './check';
import { getCluster } from './clusters-view';
import type { VmFacts } from './input';
import { rollingPlan, type RollingPlan } from './rolling-plan';
import { createReadinessSources, type LiveSourcesOptions } from './sources';

export interface ClusterPlanDeps {
  prisma: PrismaClient;
  box: SecretBox;
  sources?: Partial<Omit<LiveSourcesOptions, 'prisma' | 'box' | 'vcenterId' | 'sharedClient'>>;
}

/** What every host's check shares: the cluster's live read, the providers' probe, the appliance VMs. */
async function readClusterOnce(sources: ReturnType<typeof createReadinessSources>, hostIds: string[]) {
  const contexts = await sources.readHostsLive(hostIds);
  const keys = new Map<string, Set<string>>();
  for (const context of contexts.values()) {
    for (const [provider, ids] of keysByProvider(context)) {
      const set = keys.get(provider) ?? new Set<string>();
      for (const id of ids) set.add(id);
      keys.set(provider, set);
    }
  }
  const probes = await sources.probeProviders(new Map([...keys].map(([p, set]) => [p, [...set]])));
  const nodes = probes.providers.flatMap((p) => p.nodes);
  const appliances = nodes.length > 0 ? await sources.applianceCandidates(nodes) : [];
  return { contexts, probes, appliances };
}

export async function planCluster(deps: ClusterPlanDeps, clusterIdOrName: string): Promise<RollingPlan & { durationMs: number }> {
  const started = Date.now();
  const cluster = await getCluster(deps.prisma, clusterIdOrName);
  const hosts = await deps.prisma.vcHost.findMany({ where: { clusterId: cluster.id }, orderBy: { name: 'asc' } });
  const sources = createReadinessSources({ ...deps.sources, prisma: deps.prisma, box: deps.box, vcenterId: cluster.vcenter.id });
  try {
    const shared = readClusterOnce(sources, hosts.map((h) => h.moid));
    // A failed read is each host's VC_REACHABLE failure, not the plan's crash.
    shared.catch(() => undefined);
    const perHost = (hostId: string): ReadinessSources => ({
      now: sources.now,
      freshnessLimitMs: sources.freshnessLimitMs,
      readHostStored: (id) => sources.readHostStored(id),
      readHostLive: async (id): Promise<HostContext> => {
        const context = (await shared).contexts.get(id);
        if (!context) throw new Error(`vCenter does not know host ${hostId} any more.`);
        return context;
      },
      probeProviders: async (keys): Promise<ProviderSnapshot> => (await shared.catch(() => null))?.probes ?? sources.probeProviders(keys),
      applianceCandidates: async (): Promise<VmFacts[]> => (await shared.catch(() => null))?.appliances ?? [],
    });
    const reports = [];
    for (const h of hosts) {
      const report = await checkHostReadiness(perHost(h.moid), h.moid, 'reboot');
      const encryptedVms = report.source === 'live' ? (await shared).contexts.get(h.moid)!.vms.filter((v) => v.cryptoState !== null).length : await deps.prisma.vcVm.count({ where: { hostId: h.id, cryptoState: { not: null } } });
      reports.push({ report, hostId: h.id, hostName: h.name, encryptedVms });
    }
    const plan = rollingPlan({ clusterId: cluster.id, clusterName: cluster.name, checkedAt: new Date(), hosts: reports });
    return { ...plan, durationMs: Date.now() - started };
  } finally {
    await sources.close();
  }
}
