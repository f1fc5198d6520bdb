/**
 * Read models for GET /api/v1/key-providers and /{id}: each key provider under vCenter's id for
 * it, joining what vCenter reports (health, registered servers, its own connection status) with
 * what Keywatch's KMIP probes of the linked KMS target see (nodes, latency, versions,
 * certificates, every key in use and its state on each node, per-node gaps).
 */
import type { PrismaClient } from '../db/client';
import type { KmsNodeState } from '../db/generated/client';
import type { PollKind } from '../poller/backoff';
import { daysLeft } from '../alerts/catalog';
import { loadKeyUse, type KeyUse } from '../alerts/facts';
import { loadFreshness, type Freshness } from './freshness';
import { parseJsonArray, parseJsonList } from './json-columns';
import { kmsNodeSeries } from './kms-store';

interface Server {
  name: string;
  address: string;
  port: number;
}

export interface KmsNodeView {
  endpoint: string;
  /** vCenter's name for the node, when it registers one at this address. */
  name: string | null;
  reachable: boolean;
  healthy: boolean;
  error: string | null;
  downSince: string | null;
  latencyMs: number | null;
  negotiatedVersion: string | null;
  versions: string[];
  vendor: string | null;
  tlsProtocol: string | null;
  serverCertificate: { subject: string | null; notAfter: string; daysLeft: number } | null;
  keysMissing: number;
  keysNotActive: number;
  changedAt: string;
}

export interface KeyProviderSummaryView {
  /** vCenter's id of the provider (also the KMS target's name or link). */
  id: string;
  kind: string;
  target: { id: string; name: string } | null;
  vcenters: { vcenterId: string; vcenterName: string; health: string | null; details: string[]; isDefault: boolean; servers: Server[]; serverStatus: unknown[] | null }[];
  nodes: KmsNodeView[];
  clientCertificate: { notAfter: string; daysLeft: number } | null;
  keysInUse: number;
  openAlerts: number;
  freshness: Freshness[];
}

export interface KeyProviderDetailView extends KeyProviderSummaryView {
  keys: {
    keyId: string;
    usedBy: KeyUse | null;
    vcenter: { available: boolean | null; reason: string | null }[];
    nodes: { endpoint: string; status: string; state: string | null; message: string | null }[];
  }[];
  keysTotal: number;
  /** Per node: the keys in use it does not have, or has but not Active (replication gaps). */
  gaps: { endpoint: string; name: string | null; missing: string[]; notActive: string[] }[];
}

async function latestLatency(prisma: PrismaClient, series: string[], since: Date): Promise<Map<string, number>> {
  if (series.length === 0) return new Map();
  const rows = await prisma.$queryRawUnsafe<{ series: string; value: number }[]>(
    `SELECT DISTINCT ON ("series") "series", "value" FROM "SeriesSample"
     WHERE "series" = ANY($1::text[]) AND "metric" = 'latencyMs' AND "at" > $2 ORDER BY "series", "at" DESC`,
    series,
    since,
  );
  return new Map(rows.map((r) => [r.series, Number(r.value)]));
}

function nodeView(n: KmsNodeState, names: Map<string, string>, latency: Map<string, number>, gaps: { missing: number; notActive: number }, now: Date): KmsNodeView {
  return {
    endpoint: n.endpoint,
    name: names.get(n.endpoint) ?? null,
    reachable: n.reachable,
    healthy: n.healthy,
    error: n.error,
    downSince: n.downSince?.toISOString() ?? null,
    latencyMs: latency.get(kmsNodeSeries(n.kmsProviderId, n.endpoint)) ?? null,
    negotiatedVersion: n.negotiatedVersion,
    versions: parseJsonList(n.versions),
    vendor: n.vendor,
    tlsProtocol: n.tlsProtocol,
    serverCertificate: n.serverCertNotAfter ? { subject: n.serverCertSubject, notAfter: n.serverCertNotAfter.toISOString(), daysLeft: daysLeft(n.serverCertNotAfter, now) } : null,
    keysMissing: gaps.missing,
    keysNotActive: gaps.notActive,
    changedAt: n.changedAt.toISOString(),
  };
}

/** Every provider id known from vCenter or from a KMS target, with what is stored about it. */
export async function listKeyProviders(prisma: PrismaClient, staleAfterMs: (kind: PollKind) => number, now: Date, only?: string): Promise<KeyProviderSummaryView[]> {
  const [vcRows, targets, vcenters, nodeStates, gapCounts, keyCounts, alertRows] = await Promise.all([
    prisma.vcKeyProvider.findMany({ where: only ? { providerId: only } : {}, orderBy: [{ providerId: 'asc' }, { vcenterId: 'asc' }] }),
    prisma.kmsProvider.findMany({ select: { id: true, name: true, keyProviderId: true } }),
    prisma.vcenterTarget.findMany({ select: { id: true, name: true } }),
    prisma.kmsNodeState.findMany({ orderBy: { endpoint: 'asc' } }),
    prisma.kmsNodeKey.groupBy({ by: ['kmsProviderId', 'endpoint', 'status'], where: { status: { in: ['not-found', 'not-active'] } }, _count: { _all: true } }),
    prisma.$queryRawUnsafe<{ providerId: string; n: number }[]>(`SELECT "providerId", count(DISTINCT "keyId")::int AS n FROM "VcKey" WHERE "providerId" IS NOT NULL GROUP BY "providerId"`),
    prisma.alert.groupBy({ by: ['targetId'], where: { state: 'open' }, _count: { _all: true } }),
  ]);
  const vcName = new Map(vcenters.map((v) => [v.id, v.name]));
  const targetByProvider = new Map(targets.map((t) => [t.keyProviderId ?? t.name, t]));
  const ids = new Set<string>([...vcRows.map((r) => r.providerId), ...targetByProvider.keys()]);
  if (only) for (const id of [...ids]) if (id !== only) ids.delete(id);
  const latency = await latestLatency(
    prisma,
    nodeStates.map((n) => kmsNodeSeries(n.kmsProviderId, n.endpoint)),
    new Date(now.getTime() - 3600_000),
  );
  const freshness = await loadFreshness(prisma, staleAfterMs, now, [
    ...targets.map((t) => ({ id: t.id, kind: 'kms' as const })),
    ...vcenters.map((v) => ({ id: v.id, kind: 'vcenter' as const })),
  ]);
  const gapsOf = (kmsProviderId: string, endpoint: string) => ({
    missing: gapCounts.find((g) => g.kmsProviderId === kmsProviderId && g.endpoint === endpoint && g.status === 'not-found')?._count._all ?? 0,
    notActive: gapCounts.find((g) => g.kmsProviderId === kmsProviderId && g.endpoint === endpoint && g.status === 'not-active')?._count._all ?? 0,
  });
  const alertsByTarget = new Map(alertRows.map((a) => [a.targetId, a._count._all]));
  const out: KeyProviderSummaryView[] = [];
  for (const id of [...ids].sort()) {
    const rows = vcRows.filter((r) => r.providerId === id);
    const target = targetByProvider.get(id) ?? null;
    const names = new Map<string, string>();
    for (const r of rows) for (const s of parseJsonArray<Server>(r.servers)) names.set(`${s.address}:${s.port}`, s.name);
    const nodes = target ? nodeStates.filter((n) => n.kmsProviderId === target.id) : [];
    const client = nodes.map((n) => n.clientCertNotAfter).find((d): d is Date => d !== null);
    out.push({
      id,
      kind: rows[0]?.kind ?? 'standard',
      target: target ? { id: target.id, name: target.name } : null,
      vcenters: rows.map((r) => ({
        vcenterId: r.vcenterId,
        vcenterName: vcName.get(r.vcenterId) ?? r.vcenterId,
        health: r.health,
        details: parseJsonList(r.details),
        isDefault: r.isDefault,
        servers: parseJsonArray<Server>(r.servers),
        serverStatus: r.serverStatus === null ? null : parseJsonArray<unknown>(r.serverStatus),
      })),
      nodes: nodes.map((n) => nodeView(n, names, latency, gapsOf(n.kmsProviderId, n.endpoint), now)),
      clientCertificate: client ? { notAfter: client.toISOString(), daysLeft: daysLeft(client, now) } : null,
      keysInUse: Number(keyCounts.find((k) => k.providerId === id)?.n ?? 0),
      openAlerts: target ? (alertsByTarget.get(target.id) ?? 0) : 0,
      freshness: [...(target ? [freshness.get(target.id)!] : []), ...rows.map((r) => freshness.get(r.vcenterId)).filter((f): f is Freshness => f !== undefined)],
    });
  }
  return out;
}

/** One provider with its keys (problems first, at most `keyLimit`) and the per-node gaps. */
export async function getKeyProvider(prisma: PrismaClient, id: string, staleAfterMs: (kind: PollKind) => number, now: Date, keyLimit = 500): Promise<KeyProviderDetailView | null> {
  const [summary] = await listKeyProviders(prisma, staleAfterMs, now, id);
  if (!summary) return null;
  const [vcKeys, nodeKeys] = await Promise.all([
    prisma.vcKey.findMany({ where: { providerId: id }, orderBy: { keyId: 'asc' } }),
    summary.target ? prisma.kmsNodeKey.findMany({ where: { kmsProviderId: summary.target.id }, orderBy: [{ keyId: 'asc' }, { endpoint: 'asc' }] }) : Promise.resolve([]),
  ]);
  const keyIds = [...new Set([...vcKeys.map((k) => k.keyId), ...nodeKeys.map((k) => k.keyId)])];
  const troubled = new Set(nodeKeys.filter((k) => k.status !== 'active').map((k) => k.keyId));
  for (const k of vcKeys) if (k.available === false) troubled.add(k.keyId);
  keyIds.sort((a, b) => Number(troubled.has(b)) - Number(troubled.has(a)) || a.localeCompare(b));
  const shown = keyIds.slice(0, keyLimit);
  const use = await loadKeyUse(prisma, id, shown);
  const nodeName = new Map(summary.nodes.map((n) => [n.endpoint, n.name]));
  const group = <T extends { keyId: string }>(rows: T[]) => {
    const m = new Map<string, T[]>();
    for (const r of rows) m.set(r.keyId, [...(m.get(r.keyId) ?? []), r]);
    return m;
  };
  const vcByKey = group(vcKeys);
  const nodesByKey = group(nodeKeys);
  return {
    ...summary,
    keys: shown.map((keyId) => ({
      keyId,
      usedBy: use.get(keyId) ?? null,
      vcenter: (vcByKey.get(keyId) ?? []).map((k) => ({ available: k.available, reason: k.reason })),
      nodes: (nodesByKey.get(keyId) ?? []).map((k) => ({ endpoint: k.endpoint, status: k.status, state: k.state, message: k.message })),
    })),
    keysTotal: keyIds.length,
    gaps: summary.nodes.map((n) => ({
      endpoint: n.endpoint,
      name: nodeName.get(n.endpoint) ?? null,
      missing: nodeKeys.filter((k) => k.endpoint === n.endpoint && k.status === 'not-found').map((k) => k.keyId),
      notActive: nodeKeys.filter((k) => k.endpoint === n.endpoint && k.status === 'not-active').map((k) => k.keyId),
    })),
  };
}
