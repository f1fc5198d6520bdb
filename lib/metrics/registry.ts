/**
 * /api/metrics: a prom-client registry filled from the database on every scrape, so any web
 * replica answers the same figures whichever worker polled. Gauges only: the counts live in
 * PostgreSQL (poll runs, alerts), not in one process's memory.
 */
import { Gauge, Registry } from 'prom-client';
import type { PrismaClient } from '../db/client';
import { daysLeft } from '../alerts/catalog';

interface LatestSample {
  series: string;
  metric: string;
  value: number;
}

export async function buildMetricsRegistry(prisma: PrismaClient, now: Date = new Date()): Promise<Registry> {
  const registry = new Registry();
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Gauge<L>({ name, help, labelNames: [...labelNames], registers: [registry] });

  const pollDuration = gauge('keywatch_poll_duration_seconds', 'Duration of the last poll cycle of a target.', ['kind', 'target']);
  const pollFailures = gauge('keywatch_poll_consecutive_failures', 'Failed poll cycles in a row for a target (0 after a success).', ['kind', 'target']);
  const pollErrorsHour = gauge('keywatch_poll_errors_last_hour', 'Poll cycles that failed in the last hour.', ['kind', 'target']);
  const pollLastSuccess = gauge('keywatch_poll_last_success_timestamp_seconds', 'Unix time of the last successful poll of a target.', ['kind', 'target']);
  const nodeUp = gauge('keywatch_kms_node_up', '1 when the KMS node answered KMIP in its last probe, 0 when it did not.', ['provider', 'endpoint']);
  const nodeLatency = gauge('keywatch_kms_node_latency_seconds', 'KMIP round trip of the last successful probe of a KMS node.', ['provider', 'endpoint']);
  const serverCertDays = gauge('keywatch_kms_server_cert_days_left', 'Days until the KMS node server certificate expires (negative: expired).', ['provider', 'endpoint']);
  const clientCertDays = gauge('keywatch_kms_client_cert_days_left', "Days until Keywatch's client certificate for a KMS provider expires.", ['provider']);
  const keysMissing = gauge('keywatch_kms_node_keys_missing', 'Keys the estate uses that a KMS node does not have.', ['provider', 'endpoint']);
  const hostsByCrypto = gauge('keywatch_hosts', 'Hosts by vCenter, connection and crypto state.', ['vcenter', 'connection_state', 'crypto_state']);
  const unmounted = gauge('keywatch_disk_groups_unmounted', 'vSAN disk groups not mounted on connected hosts.', ['vcenter']);
  const alertsOpen = gauge('keywatch_alerts_open', 'Open alerts by kind and severity.', ['kind', 'severity']);

  const hourAgo = new Date(now.getTime() - 3600_000);
  const [vcenters, providers, states, errors, nodes, missing, hosts, dgUnmounted, alerts, latest] = await Promise.all([
    prisma.vcenterTarget.findMany({ select: { id: true, name: true } }),
    prisma.kmsProvider.findMany({ select: { id: true, name: true } }),
    prisma.pollState.findMany(),
    prisma.pollRun.groupBy({ by: ['kind', 'targetId'], where: { outcome: 'failure', startedAt: { gte: hourAgo } }, _count: { _all: true } }),
    prisma.kmsNodeState.findMany(),
    prisma.kmsNodeKey.groupBy({ by: ['kmsProviderId', 'endpoint'], where: { status: 'not-found' }, _count: { _all: true } }),
    prisma.vcHost.groupBy({ by: ['vcenterId', 'connectionState', 'cryptoState'], _count: { _all: true } }),
    prisma.$queryRawUnsafe<{ vcenterId: string; n: number }[]>(
      `SELECT g."vcenterId", count(*)::int AS n FROM "VcDiskGroup" g JOIN "VcHost" h ON h."id" = g."hostId"
       WHERE NOT g."mounted" AND h."connectionState" = 'connected' GROUP BY g."vcenterId"`,
    ),
    prisma.alert.groupBy({ by: ['kind', 'severity'], where: { state: 'open' }, _count: { _all: true } }),
    prisma.$queryRawUnsafe<LatestSample[]>(
      `SELECT DISTINCT ON ("series", "metric") "series", "metric", "value" FROM "SeriesSample"
       WHERE "metric" = 'latencyMs' AND "series" LIKE 'kms-node:%' AND "at" > $1 ORDER BY "series", "metric", "at" DESC`,
      new Date(now.getTime() - 3600_000),
    ),
  ]);
  const vcName = new Map(vcenters.map((v) => [v.id, v.name]));
  const kmsName = new Map(providers.map((p) => [p.id, p.name]));
  const targetName = (kind: string, id: string) => (kind === 'vcenter' ? vcName.get(id) : kmsName.get(id)) ?? id;

  for (const s of states) {
    const id = s.vcenterId ?? s.kmsProviderId;
    if (!id) continue;
    const labels = { kind: s.kind, target: targetName(s.kind, id) };
    if (s.lastDurationMs !== null) pollDuration.set(labels, s.lastDurationMs / 1000);
    pollFailures.set(labels, s.consecutiveFailures);
    if (s.lastSuccessAt) pollLastSuccess.set(labels, s.lastSuccessAt.getTime() / 1000);
    pollErrorsHour.set(labels, 0);
  }
  for (const e of errors) pollErrorsHour.set({ kind: e.kind, target: targetName(e.kind, e.targetId) }, e._count._all);

  const latency = new Map(latest.map((l) => [l.series.slice('kms-node:'.length), Number(l.value)]));
  const clientDays = new Map<string, number>();
  for (const n of nodes) {
    const labels = { provider: kmsName.get(n.kmsProviderId) ?? n.kmsProviderId, endpoint: n.endpoint };
    nodeUp.set(labels, n.reachable ? 1 : 0);
    const ms = latency.get(n.id);
    if (ms !== undefined) nodeLatency.set(labels, ms / 1000);
    if (n.serverCertNotAfter) serverCertDays.set(labels, daysLeft(n.serverCertNotAfter, now));
    if (n.clientCertNotAfter) clientDays.set(labels.provider, daysLeft(n.clientCertNotAfter, now));
    keysMissing.set(labels, 0);
  }
  for (const [provider, days] of clientDays) clientCertDays.set({ provider }, days);
  for (const m of missing) keysMissing.set({ provider: kmsName.get(m.kmsProviderId) ?? m.kmsProviderId, endpoint: m.endpoint }, m._count._all);

  for (const h of hosts) {
    hostsByCrypto.set({ vcenter: vcName.get(h.vcenterId) ?? h.vcenterId, connection_state: h.connectionState, crypto_state: h.cryptoState ?? 'unknown' }, h._count._all);
  }
  for (const v of vcenters) unmounted.set({ vcenter: v.name }, 0);
  for (const d of dgUnmounted) unmounted.set({ vcenter: vcName.get(d.vcenterId) ?? d.vcenterId }, Number(d.n));
  for (const a of alerts) alertsOpen.set({ kind: a.kind, severity: a.severity }, a._count._all);
  return registry;
}
