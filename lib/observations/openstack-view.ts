/**
 * Read models for GET /api/v1/openstack, /{id} and /{id}/fixed-key-removal: what the last stored
 * poll of each OpenStack cloud says — Barbican's health and latency history, rows by key state,
 * migration progress by cinder-volume host and by project, the rows with a problem (dangling keys
 * first) — and the fixed_key removal verdict from the stored rows, failing closed on anything the
 * store does not know for sure.
 */
import { z } from 'zod';
import type { PrismaClient } from '../db/client';
import type { OsCloudState } from '../db/generated/client';
import type { PollKind } from '../poller/backoff';
import { fixedKeyRemovalVerdict, KEY_STATES, type CinderVolumeHostStatus, type BackupMigrationStatus, type FixedKeyVerdict, type KeyState, type ListingStatus } from '../openstack/key-state';
import type { AreaError } from '../openstack/snapshot';
import { loadFreshness, type Freshness } from './freshness';
import { BARBICAN_METRICS, barbicanSeries } from './openstack-store';
import { parseJsonArray } from './json-columns';
import { readSeries, type SeriesPoint } from './series';

type KindCounts = Record<KeyState, number>;
export type OpenstackRowKind = 'volume' | 'snapshot' | 'backup';

export interface OpenstackBarbicanView {
  endpoint: string | null;
  process: string;
  api: string;
  detail: string;
}

export interface OpenstackCloudSummaryView {
  id: string;
  name: string;
  authUrl: string;
  region: string | null;
  freshness: Freshness;
  /** null until the first stored poll. */
  barbican: OpenstackBarbicanView | null;
  counts: Record<OpenstackRowKind, KindCounts>;
  openAlerts: number;
  /** Rows on the all-zero key ID, all kinds. */
  fixedKeyRows: number;
  /** Rows whose Barbican secret is gone. */
  danglingRows: number;
}

export interface OpenstackProblemRow {
  id: string;
  kind: OpenstackRowKind;
  osId: string;
  name: string | null;
  projectId: string | null;
  host: string | null;
  status: string;
  keyId: string | null;
  keyState: KeyState;
  reason: string | null;
  anomalies: string[];
}

export interface OpenstackProjectView {
  projectId: string;
  rows: number;
  encrypted: number;
  fixedKey: number;
  migrated: number;
  /** Rows whose key is dangling, anomalous or could not be checked. */
  problems: number;
  /** Rows whose key this user may not read (cannot-verify). */
  unverifiable: number;
}

export interface OpenstackCloudDetailView extends OpenstackCloudSummaryView {
  inventory: { volumes: ListingStatus; snapshots: ListingStatus; backups: ListingStatus } | null;
  hosts: CinderVolumeHostStatus[];
  backupMigration: BackupMigrationStatus | null;
  projects: OpenstackProjectView[];
  /**
   * Dangling first, then anomalous, unknown (Barbican could not be asked) and last cannot-verify (the
   * token may not read the secret: a permission gap, not a fault); at most `problemLimit`.
   */
  problems: OpenstackProblemRow[];
  problemsTotal: number;
  errors: AreaError[];
  orphanSecrets: { count: number; sample: string[] } | null;
  /** Barbican's authenticated check over the last 24 h, five-minute points. */
  latency: { metric: (typeof BARBICAN_METRICS)[number]; points: SeriesPoint[] }[];
  fixedKeyRemoval: FixedKeyVerdict;
}

const emptyCounts = (): KindCounts => Object.fromEntries(KEY_STATES.map((s) => [s, 0])) as KindCounts;
const KINDS: readonly OpenstackRowKind[] = ['volume', 'snapshot', 'backup'];
/** Key states that need someone's attention; `cannot-verify` (Barbican's 403) is a permission gap, listed after them. */
const ATTENTION_STATES: readonly KeyState[] = ['dangling', 'anomalous', 'unknown'];
const PROBLEM_ORDER: readonly KeyState[] = [...ATTENTION_STATES, 'cannot-verify'];

function parseJson<T>(text: string | null, fallback: T): T {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

async function countsByCloud(prisma: PrismaClient, cloudIds: readonly string[]): Promise<Map<string, Record<OpenstackRowKind, KindCounts>>> {
  const out = new Map(cloudIds.map((id) => [id, { volume: emptyCounts(), snapshot: emptyCounts(), backup: emptyCounts() }]));
  if (cloudIds.length === 0) return out;
  const rows = await prisma.$queryRawUnsafe<{ cloudId: string; kind: string; keyState: string; n: number }[]>(
    `SELECT "cloudId", "kind", "keyState", count(*)::int AS n FROM "OsRow" WHERE "cloudId" = ANY($1::text[]) GROUP BY 1, 2, 3`,
    cloudIds,
  );
  for (const r of rows) {
    const c = out.get(r.cloudId)?.[r.kind as OpenstackRowKind];
    if (c && r.keyState in c) c[r.keyState as KeyState] += Number(r.n);
  }
  return out;
}

function barbicanOf(state: OsCloudState | undefined): OpenstackBarbicanView | null {
  return state ? { endpoint: state.barbicanEndpoint, process: state.barbicanProcess, api: state.barbicanApi, detail: state.barbicanDetail } : null;
}

const sumOver = (counts: Record<OpenstackRowKind, KindCounts>, state: KeyState) => KINDS.reduce((n, k) => n + counts[k][state], 0);

export async function listOpenstackCloudViews(prisma: PrismaClient, staleAfterMs: (kind: PollKind) => number, now: Date, only?: string): Promise<OpenstackCloudSummaryView[]> {
  const clouds = await prisma.openstackCloud.findMany({ where: only ? { id: only } : {}, orderBy: { name: 'asc' }, include: { state: true } });
  const ids = clouds.map((c) => c.id);
  const [freshness, counts, alerts] = await Promise.all([
    loadFreshness(prisma, staleAfterMs, now, clouds.map((c) => ({ id: c.id, kind: 'openstack' as const }))),
    countsByCloud(prisma, ids),
    prisma.alert.groupBy({ by: ['targetId'], where: { state: 'open', targetId: { in: ids } }, _count: true }),
  ]);
  const alertCount = new Map(alerts.map((a) => [a.targetId, a._count]));
  return clouds.map((c) => {
    const cc = counts.get(c.id)!;
    return {
      id: c.id,
      name: c.name,
      authUrl: c.authUrl,
      region: c.region,
      freshness: freshness.get(c.id)!,
      barbican: barbicanOf(c.state ?? undefined),
      counts: cc,
      openAlerts: alertCount.get(c.id) ?? 0,
      fixedKeyRows: sumOver(cc, 'fixed-key'),
      danglingRows: sumOver(cc, 'dangling'),
    };
  });
}

/**
 * SAFE only when the cloud was polled recently, the last poll listed every volume, snapshot and
 * backup and read every Cinder area, and no stored row uses — or might use — the all-zero key ID.
 */
async function storedVerdict(prisma: PrismaClient, cloudId: string, state: OsCloudState | null, freshness: Freshness, maxAgeMs: number, now: Date): Promise<FixedKeyVerdict> {
  const rows = await prisma.osRow.findMany({
    where: { cloudId, OR: [{ usesFixedKey: true }, { usesFixedKey: null }] },
    select: { kind: true, osId: true, name: true, keyState: true, usesFixedKey: true, reason: true },
    orderBy: { osId: 'asc' },
  });
  const total = await prisma.osRow.groupBy({ by: ['kind'], where: { cloudId }, _count: true });
  // Only rows that use or may use the fixed key decide the verdict; the others are counted.
  const flagged = (kind: OpenstackRowKind) =>
    rows
      .filter((r) => r.kind === kind)
      .map((r) => ({ id: r.osId, name: r.name, keyState: { state: r.keyState as KeyState, usesFixedKey: r.usesFixedKey, keyId: null, evidence: 'none' as const, anomalies: [], reason: r.reason } }));
  const unknownListing: ListingStatus = { complete: false, reason: 'the cloud has not been polled successfully yet' };
  const inventory = state ? parseJson(state.inventory, { volumes: unknownListing, snapshots: unknownListing, backups: unknownListing }) : { volumes: unknownListing, snapshots: unknownListing, backups: unknownListing };
  const computed = fixedKeyRemovalVerdict(
    { takenAt: freshness.lastSuccessAt ?? new Date(0).toISOString(), inventory, volumes: flagged('volume'), snapshots: flagged('snapshot'), backups: flagged('backup') },
    { now: now.getTime(), maxAgeMs },
  );
  const count = (kind: OpenstackRowKind) => total.find((t) => t.kind === kind)?._count ?? 0;
  const checked = { volumes: count('volume'), snapshots: count('snapshot'), backups: count('backup') };
  const verdict: FixedKeyVerdict = {
    ...computed,
    checked,
    reasons:
      computed.verdict === 'SAFE'
        ? [`no volume, snapshot or backup uses the all-zero key ID (${checked.volumes} volumes, ${checked.snapshots} snapshots, ${checked.backups} backups checked)`]
        : computed.reasons,
  };
  const extra: string[] = [];
  if (!state || !freshness.lastSuccessAt) extra.push('the cloud has not been polled successfully yet');
  const cinderErrors = state ? parseJsonArray<AreaError>(state.errors).filter((e) => e.area.startsWith('cinder') || e.area === 'keystone' || e.area === 'catalog-block-storage') : [];
  for (const e of cinderErrors) extra.push(`the last poll could not read ${e.area}: ${e.message}`);
  if (freshness.consecutiveFailures > 0 && freshness.lastError) extra.push(`the last poll failed: ${freshness.lastError}`);
  if (extra.length === 0) return verdict;
  const reasons = verdict.verdict === 'SAFE' ? extra : [...verdict.reasons, ...extra];
  return { ...verdict, verdict: 'BLOCKED', reasons };
}

export const fixedKeyQuerySchema = z.object({
  /** The stored poll must be at most this old (default: the staleness limit). */
  maxAgeSeconds: z.coerce.number().int().min(1).max(7 * 86_400).optional(),
});

export async function openstackFixedKeyRemoval(prisma: PrismaClient, idOrName: string, staleAfterMs: (kind: PollKind) => number, now: Date, maxAgeMs?: number): Promise<(FixedKeyVerdict & { cloud: { id: string; name: string } }) | null> {
  const cloud = await prisma.openstackCloud.findFirst({ where: { OR: [{ id: idOrName }, { name: idOrName }] }, include: { state: true } });
  if (!cloud) return null;
  const id = cloud.id;
  const freshness = (await loadFreshness(prisma, staleAfterMs, now, [{ id, kind: 'openstack' }])).get(id)!;
  const verdict = await storedVerdict(prisma, id, cloud.state, freshness, maxAgeMs ?? staleAfterMs('openstack'), now);
  return { ...verdict, cloud: { id: cloud.id, name: cloud.name } };
}

export async function getOpenstackCloudView(
  prisma: PrismaClient,
  id: string,
  staleAfterMs: (kind: PollKind) => number,
  now: Date,
  opts: { rawHours: number; problemLimit?: number },
): Promise<OpenstackCloudDetailView | null> {
  const [summary] = await listOpenstackCloudViews(prisma, staleAfterMs, now, id);
  if (!summary) return null;
  const state = await prisma.osCloudState.findUnique({ where: { id } });
  const problemLimit = opts.problemLimit ?? 500;
  const problemWhere = { cloudId: id, keyState: { in: [...PROBLEM_ORDER] } };
  const [problemRows, problemsTotal, projectRows, series] = await Promise.all([
    prisma.osRow.findMany({ where: problemWhere, orderBy: [{ kind: 'asc' }, { osId: 'asc' }] }),
    prisma.osRow.count({ where: problemWhere }),
    prisma.$queryRawUnsafe<{ projectId: string | null; rows: number; encrypted: number; fixedKey: number; migrated: number; problems: number; unverifiable: number }[]>(
      `SELECT "projectId", count(*)::int AS rows, count(*) FILTER (WHERE "encrypted")::int AS encrypted,
              count(*) FILTER (WHERE "keyState" = 'fixed-key')::int AS "fixedKey", count(*) FILTER (WHERE "keyState" = 'migrated')::int AS migrated,
              count(*) FILTER (WHERE "keyState" = ANY($2::text[]))::int AS problems,
              count(*) FILTER (WHERE "keyState" = 'cannot-verify')::int AS unverifiable
       FROM "OsRow" WHERE "cloudId" = $1 GROUP BY 1 ORDER BY 1`,
      id,
      [...ATTENTION_STATES],
    ),
    Promise.all(
      BARBICAN_METRICS.map(async (metric) => ({
        metric,
        points: (await readSeries(prisma, { series: [barbicanSeries(id)], metric, from: new Date(now.getTime() - 86_400_000), to: now, resolution: '5m', rawKeptSince: new Date(now.getTime() - opts.rawHours * 3600_000) })).get(barbicanSeries(id)) ?? [],
      })),
    ),
  ]);
  const problems = problemRows
    .sort((a, b) => PROBLEM_ORDER.indexOf(a.keyState as KeyState) - PROBLEM_ORDER.indexOf(b.keyState as KeyState))
    .slice(0, problemLimit)
    .map((r) => ({ id: r.id, kind: r.kind as OpenstackRowKind, osId: r.osId, name: r.name, projectId: r.projectId, host: r.host, status: r.status, keyId: r.keyId, keyState: r.keyState as KeyState, reason: r.reason, anomalies: parseJsonArray<string>(r.anomalies) }));
  return {
    ...summary,
    inventory: state ? parseJson(state.inventory, null) : null,
    hosts: state ? parseJsonArray<CinderVolumeHostStatus>(state.hosts) : [],
    backupMigration: state ? parseJson<BackupMigrationStatus | null>(state.backupMigration, null) : null,
    projects: projectRows.map((p) => ({ projectId: p.projectId ?? '(none)', rows: Number(p.rows), encrypted: Number(p.encrypted), fixedKey: Number(p.fixedKey), migrated: Number(p.migrated), problems: Number(p.problems), unverifiable: Number(p.unverifiable) })),
    problems,
    problemsTotal,
    errors: state ? parseJsonArray<AreaError>(state.errors) : [],
    orphanSecrets: state ? parseJson(state.orphanSecrets, null) : null,
    latency: series,
    fixedKeyRemoval: await storedVerdict(prisma, id, state, summary.freshness, staleAfterMs('openstack'), now),
  };
}
