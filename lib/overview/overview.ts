/**
 * GET /api/v1/overview: the first screen in one answer — key providers and their nodes (state,
 * latency trend, certificate days left), every host's reboot verdict from stored data grouped by
 * cluster, open alerts by severity (unmounted disk groups pinned), campaign progress, and how fresh
 * each target's data is. The server page renders it first; the browser then polls the same route.
 */
import type { PrismaClient } from '../db/client';
import { alertsQuerySchema, listAlerts, type AlertView } from '../alerts/query';
import { listCampaigns } from '../campaigns/store';
import { readHealth } from '../health/status';
import { loadFreshness } from '../observations/freshness';
import { listKeyProviders } from '../observations/key-providers-view';
import { kmsNodeSeries } from '../observations/kms-store';
import { readSeries } from '../observations/series';
import type { PollKind } from '../poller/backoff';
import type { HostGridState } from '../readiness/estate-verdicts';
import { storedVerdicts } from '../readiness/stored-verdicts';

export type NodeStatus = 'up' | 'degraded' | 'down';

export interface OverviewNode {
  endpoint: string;
  name: string | null;
  status: NodeStatus;
  error: string | null;
  latencyMs: number | null;
  /** Average latency per five minutes over the last hour, oldest first (null: no sample). */
  latencyTrend: (number | null)[];
  serverCertDaysLeft: number | null;
}

export interface OverviewProvider {
  id: string;
  kind: string;
  /** Worst of what the vCenters report for it. */
  vcenterHealth: string | null;
  status: NodeStatus;
  nodes: OverviewNode[];
  clientCertDaysLeft: number | null;
}

/** One host cell: [host row id, name, state, reason when not READY]. Compact: 2,500 of them travel on every poll. */
export type HostCell = [id: string, name: string, state: HostGridState, reason: string | null];

export interface OverviewCluster {
  id: string | null;
  name: string;
  vcenterName: string;
  counts: Record<HostGridState, number>;
  hosts: HostCell[];
}

export interface OverviewFreshness {
  targetId: string;
  name: string;
  kind: PollKind;
  lastSuccessAt: string | null;
  ageSeconds: number | null;
  stale: boolean;
  lastError: string | null;
}

export interface OverviewView {
  generatedAt: string;
  providers: OverviewProvider[];
  hosts: { counts: Record<HostGridState, number>; clusters: OverviewCluster[] };
  alerts: { counts: Record<string, number>; total: number; top: AlertView[] };
  campaigns: { id: string; name: string; status: string; total: number; verified: number; failed: number; percentVerified: number }[];
  freshness: OverviewFreshness[];
  /** Why the data on screen may be old: the worker, or targets past their freshness limit. */
  stale: { worker: boolean; workerStatus: string; targets: string[] };
}

export interface OverviewDeps {
  prisma: PrismaClient;
  staleAfterMs: (kind: PollKind) => number;
  workerStaleMs: number;
  now: Date;
}

const TREND_POINTS = 12;
const RANK: Record<NodeStatus, number> = { up: 0, degraded: 1, down: 2 };
const HEALTH_RANK = ['OK', 'NONE', 'WARNING', 'ERROR'];

function emptyCounts(): Record<HostGridState, number> {
  return { READY: 0, BLOCKED: 0, unknown: 0 };
}

async function latencyTrends(prisma: PrismaClient, series: string[], now: Date): Promise<Map<string, (number | null)[]>> {
  const from = new Date(now.getTime() - 3600_000);
  const points = await readSeries(prisma, { series, metric: 'latencyMs', from, to: now, resolution: '5m', rawKeptSince: from });
  const out = new Map<string, (number | null)[]>();
  for (const [s, list] of points) {
    const buckets: (number | null)[] = Array.from({ length: TREND_POINTS }, () => null);
    for (const p of list) {
      const slot = Math.floor((new Date(p.t).getTime() - from.getTime()) / 300_000);
      buckets[Math.max(0, Math.min(TREND_POINTS - 1, slot))] = Math.round(p.value * 10) / 10;
    }
    out.set(s, buckets);
  }
  return out;
}

async function providersOf(deps: OverviewDeps): Promise<OverviewProvider[]> {
  const { prisma, staleAfterMs, now } = deps;
  const providers = await listKeyProviders(prisma, staleAfterMs, now);
  const seriesOf = (p: (typeof providers)[number], endpoint: string) => (p.target ? kmsNodeSeries(p.target.id, endpoint) : '');
  const trends = await latencyTrends(
    prisma,
    providers.flatMap((p) => p.nodes.map((n) => seriesOf(p, n.endpoint))).filter((s) => s !== ''),
    now,
  );
  return providers.map((p) => {
    const nodes: OverviewNode[] = p.nodes.map((n) => ({
      endpoint: n.endpoint,
      name: n.name,
      status: !n.reachable ? 'down' : n.healthy ? 'up' : 'degraded',
      error: n.error,
      latencyMs: n.latencyMs,
      latencyTrend: trends.get(seriesOf(p, n.endpoint)) ?? [],
      serverCertDaysLeft: n.serverCertificate?.daysLeft ?? null,
    }));
    const health = p.vcenters.map((v) => v.health).sort((a, b) => HEALTH_RANK.indexOf(b ?? 'NONE') - HEALTH_RANK.indexOf(a ?? 'NONE'))[0] ?? null;
    const down = nodes.filter((n) => n.status === 'down').length;
    const worstNode = nodes.reduce<NodeStatus>((w, n) => (RANK[n.status] > RANK[w] ? n.status : w), 'up');
    // A provider is down when no node answers, degraded when some do not (or vCenter says so).
    const status: NodeStatus =
      nodes.length > 0 && down === nodes.length ? 'down' : worstNode !== 'up' || health === 'WARNING' ? 'degraded' : health === 'ERROR' ? 'down' : 'up';
    return { id: p.id, kind: p.kind, vcenterHealth: health, status, nodes, clientCertDaysLeft: p.clientCertificate?.daysLeft ?? null };
  });
}

async function hostGrid(deps: OverviewDeps, vcenterNames: Map<string, string>): Promise<OverviewView['hosts']> {
  const stored = await storedVerdicts(deps.prisma, { now: deps.now, freshnessLimitMs: deps.staleAfterMs('vcenter') });
  const { estate } = stored;
  const verdicts = stored.all();
  const counts = emptyCounts();
  const clusters = new Map<string, OverviewCluster>();
  for (const v of verdicts) {
    counts[v.state] += 1;
    const key = v.clusterId ?? `standalone:${v.vcenterId}`;
    let cluster = clusters.get(key);
    if (!cluster) {
      cluster = {
        id: v.clusterId,
        name: v.clusterId ? (estate.clusters.get(v.clusterId)?.facts.name ?? v.clusterId) : 'Standalone hosts',
        vcenterName: vcenterNames.get(v.vcenterId) ?? v.vcenterId,
        counts: emptyCounts(),
        hosts: [],
      };
      clusters.set(key, cluster);
    }
    cluster.counts[v.state] += 1;
    cluster.hosts.push([v.id, v.name, v.state, v.state === 'READY' ? null : v.reason]);
  }
  return { counts, clusters: [...clusters.values()].sort((a, b) => a.vcenterName.localeCompare(b.vcenterName) || a.name.localeCompare(b.name)) };
}

export async function readOverview(deps: OverviewDeps): Promise<OverviewView> {
  const { prisma, staleAfterMs, now } = deps;
  const [vcenters, kmsTargets] = await Promise.all([
    prisma.vcenterTarget.findMany({ select: { id: true, name: true }, orderBy: { name: 'asc' } }),
    prisma.kmsProvider.findMany({ select: { id: true, name: true }, orderBy: { name: 'asc' } }),
  ]);
  const targets = [...vcenters.map((v) => ({ id: v.id, name: v.name, kind: 'vcenter' as const })), ...kmsTargets.map((k) => ({ id: k.id, name: k.name, kind: 'kms' as const }))];
  const [providers, hosts, alerts, campaigns, freshness, health] = await Promise.all([
    providersOf(deps),
    hostGrid(deps, new Map(vcenters.map((v) => [v.id, v.name]))),
    listAlerts(prisma, alertsQuerySchema.parse({ state: 'open', limit: 8 })),
    listCampaigns(prisma),
    loadFreshness(prisma, staleAfterMs, now, targets),
    readHealth(prisma, { staleMs: deps.workerStaleMs, now }),
  ]);
  const fresh: OverviewFreshness[] = targets.map((t) => {
    const f = freshness.get(t.id)!;
    return { targetId: t.id, name: t.name, kind: t.kind, lastSuccessAt: f.lastSuccessAt, ageSeconds: f.ageSeconds, stale: f.stale, lastError: f.lastError };
  });
  const active = campaigns.filter((c) => c.status !== 'finished' && c.status !== 'stopped');
  return {
    generatedAt: now.toISOString(),
    providers,
    hosts,
    alerts: { counts: alerts.counts, total: Object.values(alerts.counts).reduce((a, b) => a + b, 0), top: alerts.alerts },
    campaigns: (active.length > 0 ? active : campaigns).slice(0, 5).map((c) => ({
      id: c.id,
      name: c.name,
      status: c.status,
      total: c.total,
      verified: c.verified,
      failed: c.failed,
      percentVerified: c.percentVerified,
    })),
    freshness: fresh,
    stale: { worker: health.worker.status !== 'alive', workerStatus: health.worker.status, targets: fresh.filter((f) => f.stale).map((f) => f.name) },
  };
}
