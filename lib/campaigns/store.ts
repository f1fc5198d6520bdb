/**
 * Campaigns in PostgreSQL: create (validated against vCenter's inventory), list, detail with
 * progress, items by state, start / pause / resume / retry, executor settings, progress
 * recomputed from an inventory snapshot, fresh pre-flight, CSV export. Every change is audited
 * here (success and refusal), so route handlers need not audit campaign actions again.
 *
 * Progress is computed in SQL aggregates (counts by state / class / day) so the detail read costs
 * the same for 40 items or 40,000 VMs; recompute writes only the rows vCenter's truth changed.
 */
import { z } from 'zod';
import { recordAudit, type AuditActor } from '../audit/record';
import type { PrismaClient } from '../db/client';
import { CampaignError } from './errors';
import { workaroundFor, type Workaround } from './failure-classes';
import { runHealthCheck, type ProviderHealthCheck } from './health-check';
import { indexInventory, type CampaignInventory, type InventorySnapshot } from './inventory';
import {
  CreateCampaignSchema,
  ExecutorSettingsPatchSchema,
  FAILURE_CLASSES,
  ITEM_KINDS,
  ITEM_STATES,
  type CampaignStatus,
  type ExecutorSettings,
  type FailureClass,
  type ItemKind,
  type ItemState,
  type ScopeType,
} from './model';
import { planCampaignItems } from './plan';
import { itemRisks, summarizeRisks, type PreflightRisk, type RiskSummary } from './preflight';
import { etaWindowStart, observeItem, reconcileItem, summarizeProgress, type ItemChange, type ItemRow, type Progress, type ProgressCounts } from './progress';
import { csvRow, CSV_HEADER } from './csv';

type Db = PrismaClient;

// ── views ──

export interface CampaignView {
  id: string;
  name: string;
  vcenterId: string;
  sourceProviderId: string;
  targetProviderId: string;
  scope: { type: ScopeType; ids: string[] };
  rekey: { vms: boolean; vsanKeks: boolean; hostKeys: boolean };
  owner: string;
  status: CampaignStatus;
  statusReason: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  executor: ExecutorSettings;
  failuresSinceResume: number;
  recomputedAt: string | null;
  inventoryReadAt: string | null;
}

export interface CampaignDetail extends CampaignView {
  progress: Progress;
  /** The workaround of each class that has failed items now. */
  workarounds: Partial<Record<FailureClass, Workaround>>;
}

export interface CampaignSummary extends CampaignView {
  total: number;
  verified: number;
  failed: number;
  percentVerified: number;
}

export interface ItemView {
  id: string;
  kind: ItemKind;
  entityMoid: string;
  entityName: string;
  diskKey: number | null;
  diskLabel: string | null;
  hostMoid: string | null;
  clusterMoid: string | null;
  position: number;
  state: ItemState;
  currentProviderId: string | null;
  currentKeyId: string | null;
  failureClass: FailureClass | null;
  errorText: string | null;
  workaround: Workaround | null;
  attempts: number;
  risks: string[];
  startedAt: string | null;
  rekeyedAt: string | null;
  verifiedAt: string | null;
  failedAt: string | null;
}

type CampaignRow = NonNullable<Awaited<ReturnType<Db['campaign']['findUnique']>>>;
type ItemRecord = NonNullable<Awaited<ReturnType<Db['campaignItem']['findUnique']>>>;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function parseIds(text: string): string[] {
  const parsed = z.array(z.string()).safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : [];
}

export function toCampaignView(row: CampaignRow): CampaignView {
  return {
    id: row.id,
    name: row.name,
    vcenterId: row.vcenterId,
    sourceProviderId: row.sourceProviderId,
    targetProviderId: row.targetProviderId,
    scope: { type: row.scopeType as ScopeType, ids: parseIds(row.scopeIds) },
    rekey: { vms: row.rekeyVms, vsanKeks: row.rekeyVsanKeks, hostKeys: row.rekeyHostKeys },
    owner: row.owner,
    status: row.status as CampaignStatus,
    statusReason: row.statusReason,
    createdAt: row.createdAt.toISOString(),
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
    executor: {
      enabled: row.executorEnabled,
      concurrency: row.concurrency,
      applyHaOverride: row.applyHaOverride,
      stopAfterFailures: row.stopAfterFailures,
      dryRun: row.dryRun,
    },
    failuresSinceResume: row.failuresSinceResume,
    recomputedAt: iso(row.recomputedAt),
    inventoryReadAt: iso(row.inventoryReadAt),
  };
}

export function toItemView(row: ItemRecord): ItemView {
  const failureClass = row.failureClass as FailureClass | null;
  return {
    id: row.id,
    kind: row.kind as ItemKind,
    entityMoid: row.entityMoid,
    entityName: row.entityName,
    diskKey: row.diskKey,
    diskLabel: row.diskLabel,
    hostMoid: row.hostMoid,
    clusterMoid: row.clusterMoid,
    position: row.position,
    state: row.state as ItemState,
    currentProviderId: row.currentProviderId,
    currentKeyId: row.currentKeyId,
    failureClass,
    errorText: row.errorText,
    workaround: row.state === 'failed' && failureClass ? workaroundFor(failureClass) : null,
    attempts: row.attempts,
    risks: row.risks ? parseIds(row.risks) : [],
    startedAt: iso(row.startedAt),
    rekeyedAt: iso(row.rekeyedAt),
    verifiedAt: iso(row.verifiedAt),
    failedAt: iso(row.failedAt),
  };
}

// ── reads ──

export async function loadCampaign(prisma: Db, id: string): Promise<CampaignRow> {
  const row = await prisma.campaign.findUnique({ where: { id } });
  if (!row) throw new CampaignError('not-found', 404, `No campaign ${id}.`);
  return row;
}

interface AggregateRow {
  k: string;
  a: string | null;
  b: string | null;
  n: number;
}

const VM_KINDS_SQL = `('vm-config','vm-disk')`;

/** Counts behind the progress, in one round trip of aggregates (no item rows leave the database). */
export async function progressCounts(prisma: Db, campaignId: string, windowStart: Date | null): Promise<ProgressCounts> {
  const rows = await prisma.$queryRawUnsafe<AggregateRow[]>(
    `SELECT 's' AS k, state AS a, "failureClass" AS b, count(*)::int AS n FROM "CampaignItem" WHERE "campaignId" = $1 GROUP BY state, "failureClass"
     UNION ALL
     SELECT 'd', to_char("verifiedAt", 'YYYY-MM-DD'), NULL, count(*)::int FROM "CampaignItem"
       WHERE "campaignId" = $1 AND state = 'verified' GROUP BY 2
     UNION ALL
     SELECT 'w', NULL, NULL, count(*)::int FROM "CampaignItem"
       WHERE "campaignId" = $1 AND state = 'verified' AND $2::timestamptz IS NOT NULL AND "verifiedAt" >= ($2::timestamptz AT TIME ZONE 'UTC')
     UNION ALL
     SELECT 'v', NULL, NULL, count(*)::int FROM (SELECT 1 FROM "CampaignItem" WHERE "campaignId" = $1 AND kind IN ${VM_KINDS_SQL} GROUP BY "entityMoid") t
     UNION ALL
     SELECT 'vv', NULL, NULL, count(*)::int FROM (
       SELECT 1 FROM "CampaignItem" WHERE "campaignId" = $1 AND kind IN ${VM_KINDS_SQL} GROUP BY "entityMoid" HAVING bool_and(state = 'verified')) t
     UNION ALL
     SELECT 'vf', NULL, NULL, count(DISTINCT "entityMoid")::int FROM "CampaignItem" WHERE "campaignId" = $1 AND kind IN ${VM_KINDS_SQL} AND state = 'failed'`,
    campaignId,
    windowStart ? windowStart.toISOString() : null,
  );
  const counts: ProgressCounts = { total: 0, byState: {}, failuresByClass: {}, verifiedPerDay: [], verifiedInWindow: 0, vms: { total: 0, verified: 0, failed: 0 } };
  for (const r of rows) {
    if (r.k === 's') {
      const state = r.a as ItemState;
      counts.total += r.n;
      counts.byState[state] = (counts.byState[state] ?? 0) + r.n;
      if (state === 'failed') {
        const cls = (r.b ?? 'OTHER') as FailureClass;
        counts.failuresByClass[cls] = (counts.failuresByClass[cls] ?? 0) + r.n;
      }
    } else if (r.k === 'd' && r.a) counts.verifiedPerDay.push({ day: r.a, count: r.n });
    else if (r.k === 'w') counts.verifiedInWindow = r.n;
    else if (r.k === 'v') counts.vms.total = r.n;
    else if (r.k === 'vv') counts.vms.verified = r.n;
    else if (r.k === 'vf') counts.vms.failed = r.n;
  }
  return counts;
}

function detailOf(row: CampaignRow, counts: ProgressCounts, now: Date): CampaignDetail {
  const progress = summarizeProgress(counts, { createdAt: row.createdAt, startedAt: row.startedAt, finishedAt: row.finishedAt }, now);
  const workarounds: CampaignDetail['workarounds'] = {};
  for (const cls of FAILURE_CLASSES) if (progress.failuresByClass[cls] > 0) workarounds[cls] = workaroundFor(cls);
  return { ...toCampaignView(row), progress, workarounds };
}

/** The campaign with its progress (GET /api/v1/campaigns/{id}). */
export async function getCampaignDetail(prisma: Db, id: string, now = new Date()): Promise<CampaignDetail> {
  const row = await loadCampaign(prisma, id);
  return detailOf(row, await progressCounts(prisma, id, etaWindowStart(row.startedAt, now)), now);
}

/** Every campaign, newest first, with its headline numbers (one aggregate query for all). */
export async function listCampaigns(prisma: Db): Promise<CampaignSummary[]> {
  const [rows, counts] = await Promise.all([
    prisma.campaign.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
    prisma.campaignItem.groupBy({ by: ['campaignId', 'state'], _count: { _all: true } }),
  ]);
  return rows.map((row) => {
    const mine = counts.filter((c) => c.campaignId === row.id);
    const total = mine.reduce((n, c) => n + c._count._all, 0);
    const verified = mine.find((c) => c.state === 'verified')?._count._all ?? 0;
    const failed = mine.find((c) => c.state === 'failed')?._count._all ?? 0;
    return { ...toCampaignView(row), total, verified, failed, percentVerified: total === 0 ? 0 : Math.round((verified / total) * 1000) / 10 };
  });
}

export const ItemQuerySchema = z
  .object({
    state: z.enum(ITEM_STATES).optional(),
    failureClass: z.enum(FAILURE_CLASSES).optional(),
    kind: z.enum(ITEM_KINDS).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    /** Keyset cursor: the position of the last item of the previous page. */
    after: z.coerce.number().int().min(-1).optional(),
  })
  .strict();
export type ItemQuery = z.input<typeof ItemQuerySchema>;

/** Items in execution order, filtered by state / class / kind (GET …/items?state=failed). */
export async function listItems(prisma: Db, campaignId: string, query: ItemQuery = {}): Promise<{ items: ItemView[]; nextAfter: number | null }> {
  const parsed = ItemQuerySchema.safeParse(query);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CampaignError('invalid', 400, `${issue.path.join('.') || 'query'}: ${issue.message}`, { field: String(issue.path[0] ?? 'query') });
  }
  const q = parsed.data;
  await loadCampaign(prisma, campaignId);
  const rows = await prisma.campaignItem.findMany({
    where: {
      campaignId,
      ...(q.state && { state: q.state }),
      ...(q.failureClass && { failureClass: q.failureClass }),
      ...(q.kind && { kind: q.kind }),
      ...(q.after !== undefined && { position: { gt: q.after } }),
    },
    orderBy: { position: 'asc' },
    take: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  return { items: page.map(toItemView), nextAfter: rows.length > q.limit ? page[page.length - 1]!.position : null };
}

/** CSV lines (header first) of every item, read in pages so 50,000 items do not sit in memory at once. */
export async function* exportItemsCsv(prisma: Db, campaignId: string, pageSize = 5000): AsyncGenerator<string> {
  await loadCampaign(prisma, campaignId);
  yield `${CSV_HEADER}\r\n`;
  let after = -1;
  for (;;) {
    const rows = await prisma.campaignItem.findMany({ where: { campaignId, position: { gt: after } }, orderBy: { position: 'asc' }, take: pageSize });
    if (rows.length === 0) return;
    yield rows.map((r) => `${csvRow(r)}\r\n`).join('');
    after = rows[rows.length - 1]!.position;
  }
}

// ── writes ──

export interface StoreDeps {
  actor: AuditActor;
  now?: () => Date;
}

function describeZod(error: z.ZodError): CampaignError {
  const issue = error.issues[0]!;
  const path = issue.path.join('.');
  return new CampaignError('invalid', 400, `${path || 'body'}: ${issue.message}`, { field: path || 'body' });
}

async function audit(prisma: Db, deps: StoreDeps, action: string, outcome: 'success' | 'failure', campaignId: string | null, details: Record<string, unknown>) {
  await recordAudit(prisma, { actor: deps.actor, action, outcome, target: { type: 'campaign', id: campaignId }, details });
}

/** Audits a refusal, then rethrows it. */
async function refused(prisma: Db, deps: StoreDeps, action: string, campaignId: string | null, error: unknown, details: Record<string, unknown> = {}): Promise<never> {
  if (error instanceof CampaignError) await audit(prisma, deps, action, 'failure', campaignId, { ...details, code: error.code, reason: error.message });
  throw error;
}

const INSERT_CHUNK = 5000;

/**
 * Creates a campaign in `draft` from a request body (zod-validated here) and the inventory of its
 * vCenter. Refuses (400, nothing stored or rekeyed): source = target, unknown provider / cluster /
 * VM, a VM that is not encrypted, nothing to rekey.
 */
export async function createCampaign(prisma: Db, body: unknown, deps: StoreDeps & { inventory: CampaignInventory }): Promise<CampaignDetail> {
  const now = deps.now?.() ?? new Date();
  try {
    const parsed = CreateCampaignSchema.safeParse(body);
    if (!parsed.success) throw describeZod(parsed.error);
    const input = parsed.data;
    const scopeIds = input.scope.type === 'clusters' ? input.scope.clusterIds : input.scope.vmIds;
    const snapshot = await deps.inventory.snapshot(input.vcenterId, input.scope.type === 'clusters' ? { clusterMoids: scopeIds } : { vmMoids: scopeIds });
    if (!snapshot) throw new CampaignError('unknown-vcenter', 400, `No inventory of vCenter ${input.vcenterId} is known; add the vCenter and let it be polled first.`, { field: 'vcenterId' });
    const planned = planCampaignItems(input, snapshot);
    const index = indexInventory(snapshot);
    const riskCache = new Map<string, PreflightRisk[]>();
    const id = await prisma.$transaction(
      async (tx) => {
        const campaign = await tx.campaign.create({
          data: {
            name: input.name,
            vcenterId: input.vcenterId,
            sourceProviderId: input.sourceProviderId,
            targetProviderId: input.targetProviderId,
            scopeType: input.scope.type,
            scopeIds: JSON.stringify(scopeIds),
            rekeyVms: input.rekey.vms,
            rekeyVsanKeks: input.rekey.vsanKeks,
            rekeyHostKeys: input.rekey.hostKeys,
            owner: deps.actor.name ?? deps.actor.type,
            status: 'draft',
            createdAt: now,
            executorEnabled: input.executor.enabled,
            concurrency: input.executor.concurrency,
            applyHaOverride: input.executor.applyHaOverride,
            stopAfterFailures: input.executor.stopAfterFailures,
            dryRun: input.executor.dryRun,
            inventoryReadAt: snapshot.readAt,
          },
        });
        for (let i = 0; i < planned.length; i += INSERT_CHUNK) {
          await tx.campaignItem.createMany({
            data: planned.slice(i, i + INSERT_CHUNK).map((p) => {
              const risks = itemRisks(index, p, input, riskCache);
              return { ...p, campaignId: campaign.id, risks: risks.length ? JSON.stringify([...new Set(risks.map((r) => r.code))]) : null };
            }),
          });
        }
        return campaign.id;
      },
      { timeout: 120_000 },
    );
    await audit(prisma, deps, 'campaign.create', 'success', id, {
      name: input.name,
      vcenterId: input.vcenterId,
      source: input.sourceProviderId,
      target: input.targetProviderId,
      scope: input.scope.type,
      scopeSize: scopeIds.length,
      items: planned.length,
      executor: input.executor,
    });
    // Items already on the target count as verified from the start: vCenter's truth, not ours.
    await recomputeProgress(prisma, id, snapshot, { now: () => now });
    return getCampaignDetail(prisma, id, now);
  } catch (error) {
    return refused(prisma, deps, 'campaign.create', null, error, { body: summarizeBody(body) });
  }
}

/** Enough of a refused body to audit, without echoing 100,000 VM ids. */
function summarizeBody(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object') return {};
  const b = body as Record<string, unknown>;
  return { name: b.name, vcenterId: b.vcenterId, source: b.sourceProviderId, target: b.targetProviderId };
}

async function setStatus(prisma: Db, id: string, from: readonly CampaignStatus[], data: Parameters<Db['campaign']['update']>[0]['data'], what: string): Promise<CampaignRow> {
  const { count } = await prisma.campaign.updateMany({ where: { id, status: { in: [...from] } }, data });
  if (count === 0) {
    const row = await loadCampaign(prisma, id);
    throw new CampaignError('invalid-state', 409, `Campaign ${row.name} is ${row.status}; it cannot be ${what} (only from ${from.join(' or ')}).`);
  }
  return loadCampaign(prisma, id);
}

/** Both providers must be healthy (vCenter-wide and by Keywatch's probe), else 409 with the reasons. */
async function requireHealthyProviders(row: CampaignRow, check: ProviderHealthCheck, verb: string): Promise<void> {
  const results = await runHealthCheck(check, { providerIds: [row.targetProviderId, row.sourceProviderId], hostMoids: [] });
  const bad = results.filter((r) => !r.healthy);
  if (bad.length === 0) return;
  const roles = bad.map((r) => `the ${r.providerId === row.targetProviderId ? 'target' : 'source'} provider ${r.providerId} is not healthy (${r.problems.join(' ')})`);
  throw new CampaignError('provider-unhealthy', 409, `Campaign ${row.name} was not ${verb}: ${roles.join('; ')}. Nothing was rekeyed.`);
}

export async function startCampaign(prisma: Db, id: string, deps: StoreDeps & { healthCheck: ProviderHealthCheck }): Promise<CampaignDetail> {
  const now = deps.now?.() ?? new Date();
  try {
    const row = await loadCampaign(prisma, id);
    if (row.status !== 'draft') throw new CampaignError('invalid-state', 409, `Campaign ${row.name} is ${row.status}; only a draft can be started (resume a paused or stopped one).`);
    await requireHealthyProviders(row, deps.healthCheck, 'started');
    await setStatus(prisma, id, ['draft'], { status: 'running', statusReason: null, startedAt: now, failuresSinceResume: 0 }, 'started');
    await audit(prisma, deps, 'campaign.start', 'success', id, { executor: row.executorEnabled, dryRun: row.dryRun });
    return getCampaignDetail(prisma, id, now);
  } catch (error) {
    return refused(prisma, deps, 'campaign.start', id, error);
  }
}

/** Pause: the executor finishes the VM it is on and takes no other. */
export async function pauseCampaign(prisma: Db, id: string, deps: StoreDeps & { reason?: string }): Promise<CampaignDetail> {
  try {
    const reason = deps.reason ?? `Paused by ${deps.actor.name ?? deps.actor.type}.`;
    await setStatus(prisma, id, ['running'], { status: 'paused', statusReason: reason }, 'paused');
    await audit(prisma, deps, 'campaign.pause', 'success', id, { reason });
    return getCampaignDetail(prisma, id, deps.now?.());
  } catch (error) {
    return refused(prisma, deps, 'campaign.pause', id, error);
  }
}

/** Resume a paused or stopped campaign: providers checked again, failure count back to 0. */
export async function resumeCampaign(prisma: Db, id: string, deps: StoreDeps & { healthCheck: ProviderHealthCheck }): Promise<CampaignDetail> {
  try {
    const row = await loadCampaign(prisma, id);
    if (row.status !== 'paused' && row.status !== 'stopped') {
      throw new CampaignError('invalid-state', 409, `Campaign ${row.name} is ${row.status}; only a paused or stopped campaign can be resumed.`);
    }
    await requireHealthyProviders(row, deps.healthCheck, 'resumed');
    await setStatus(prisma, id, ['paused', 'stopped'], { status: 'running', statusReason: null, failuresSinceResume: 0 }, 'resumed');
    await audit(prisma, deps, 'campaign.resume', 'success', id, {});
    return getCampaignDetail(prisma, id, deps.now?.());
  } catch (error) {
    return refused(prisma, deps, 'campaign.resume', id, error);
  }
}

export const RetrySchema = z.object({ itemIds: z.array(z.string().min(1).max(200)).min(1).max(100_000).optional(), vmMoids: z.array(z.string().min(1).max(200)).min(1).max(100_000).optional() }).strict();

/** Failed items back to pending (all, or the given items / VMs); the executor takes them again. */
export async function retryItems(prisma: Db, id: string, body: unknown, deps: StoreDeps): Promise<{ retried: number }> {
  try {
    const parsed = RetrySchema.safeParse(body ?? {});
    if (!parsed.success) throw describeZod(parsed.error);
    const row = await loadCampaign(prisma, id);
    if (row.status === 'finished') throw new CampaignError('invalid-state', 409, `Campaign ${row.name} is finished; nothing to retry.`);
    const { count } = await prisma.campaignItem.updateMany({
      where: {
        campaignId: id,
        state: 'failed',
        ...(parsed.data.itemIds && { id: { in: parsed.data.itemIds } }),
        ...(parsed.data.vmMoids && { entityMoid: { in: parsed.data.vmMoids } }),
      },
      data: { state: 'pending', failureClass: null, errorText: null, failedAt: null },
    });
    await audit(prisma, deps, 'campaign.retry', 'success', id, { retried: count, itemIds: parsed.data.itemIds?.length, vmMoids: parsed.data.vmMoids });
    return { retried: count };
  } catch (error) {
    return refused(prisma, deps, 'campaign.retry', id, error);
  }
}

/** PATCH the executor settings (any time; a running executor reads them before each VM). */
export async function updateExecutorSettings(prisma: Db, id: string, body: unknown, deps: StoreDeps): Promise<CampaignDetail> {
  try {
    const parsed = ExecutorSettingsPatchSchema.safeParse(body);
    if (!parsed.success) throw describeZod(parsed.error);
    await loadCampaign(prisma, id);
    const s = parsed.data;
    await prisma.campaign.update({
      where: { id },
      data: {
        ...(s.enabled !== undefined && { executorEnabled: s.enabled }),
        ...(s.concurrency !== undefined && { concurrency: s.concurrency }),
        ...(s.applyHaOverride !== undefined && { applyHaOverride: s.applyHaOverride }),
        ...(s.stopAfterFailures !== undefined && { stopAfterFailures: s.stopAfterFailures }),
        ...(s.dryRun !== undefined && { dryRun: s.dryRun }),
      },
    });
    await audit(prisma, deps, 'campaign.update', 'success', id, { executor: s });
    return getCampaignDetail(prisma, id, deps.now?.());
  } catch (error) {
    return refused(prisma, deps, 'campaign.update', id, error);
  }
}

// ── recompute from vCenter's truth ──

const UPDATE_CHUNK = 10_000;

interface RawItemRow extends Omit<ItemRow, 'state' | 'failureClass'> {
  state: string;
  failureClass: string | null;
}

/** Writes reconcile results: provider-only changes unconditionally, state changes only if the row still has the state they were computed from. */
export async function applyItemChanges(prisma: Db, changes: readonly ItemChange[], now: Date): Promise<number> {
  const moved = changes.filter((c) => !c.transition);
  const transitions = changes.filter((c) => c.transition);
  const at = now.toISOString();
  let applied = 0;
  for (let i = 0; i < moved.length; i += UPDATE_CHUNK) {
    const part = moved.slice(i, i + UPDATE_CHUNK);
    applied += await prisma.$executeRawUnsafe(
      `UPDATE "CampaignItem" AS i SET "currentProviderId" = u.p, "currentKeyId" = u.k, "updatedAt" = ($4::timestamptz AT TIME ZONE 'UTC')
       FROM unnest($1::text[], $2::text[], $3::text[]) AS u(id, p, k) WHERE i.id = u.id`,
      part.map((c) => c.id),
      part.map((c) => c.currentProviderId),
      part.map((c) => c.currentKeyId),
      at,
    );
  }
  for (let i = 0; i < transitions.length; i += UPDATE_CHUNK) {
    const part = transitions.slice(i, i + UPDATE_CHUNK);
    applied += await prisma.$executeRawUnsafe(
      `UPDATE "CampaignItem" AS i SET state = u.s, "currentProviderId" = u.p, "currentKeyId" = u.k, "failureClass" = u.fc, "errorText" = u.et,
         "verifiedAt" = (u.va::timestamptz AT TIME ZONE 'UTC'), "failedAt" = (u.fa::timestamptz AT TIME ZONE 'UTC'), "updatedAt" = ($10::timestamptz AT TIME ZONE 'UTC')
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) AS u(id, fs, s, p, k, fc, et, va, fa)
       WHERE i.id = u.id AND i.state = u.fs`,
      part.map((c) => c.id),
      part.map((c) => c.fromState),
      part.map((c) => c.transition!.state),
      part.map((c) => c.currentProviderId),
      part.map((c) => c.currentKeyId),
      part.map((c) => c.transition!.failureClass),
      part.map((c) => c.transition!.errorText),
      part.map((c) => iso(c.transition!.verifiedAt)),
      part.map((c) => iso(c.transition!.failedAt)),
      at,
    );
  }
  return applied;
}

export interface RecomputeResult {
  /** Items whose state or current provider changed. */
  changed: number;
  /** Of those, items whose state changed. */
  transitions: number;
  status: CampaignStatus;
}

/**
 * Reconciles every item with `snapshot` (vCenter's truth after a poll): current providers
 * refreshed, items on the target with their VM unlocked verified, items that fell back pending,
 * VMs locked on the target failed. A campaign whose items are all verified is finished (and
 * running again if vCenter later shows one off the target).
 */
export async function recomputeProgress(prisma: Db, id: string, snapshot: InventorySnapshot, deps: { now?: () => Date } = {}): Promise<RecomputeResult> {
  const now = deps.now?.() ?? new Date();
  const row = await loadCampaign(prisma, id);
  if (snapshot.vcenterId !== row.vcenterId) {
    throw new CampaignError('invalid', 400, `The inventory is of vCenter ${snapshot.vcenterId}, the campaign of ${row.vcenterId}.`);
  }
  const index = indexInventory(snapshot);
  const items = await prisma.$queryRawUnsafe<RawItemRow[]>(
    `SELECT id, kind, "entityMoid", "diskKey", state, "currentProviderId", "currentKeyId", "failureClass", "verifiedAt" FROM "CampaignItem" WHERE "campaignId" = $1`,
    id,
  );
  const changes: ItemChange[] = [];
  for (const item of items) {
    const change = reconcileItem(item as ItemRow, observeItem(index, item), row.targetProviderId, now);
    if (change) changes.push(change);
  }
  const changed = await applyItemChanges(prisma, changes, now);
  const status = await settleFinished(prisma, row, now);
  await prisma.campaign.update({ where: { id }, data: { recomputedAt: now, inventoryReadAt: snapshot.readAt } });
  return { changed, transitions: changes.filter((c) => c.transition).length, status };
}

/** finished ⇔ every item verified; a campaign vCenter shows unfinished again runs again. */
export async function settleFinished(prisma: Db, row: Pick<CampaignRow, 'id' | 'status'>, now: Date): Promise<CampaignStatus> {
  if (row.status === 'draft') return row.status;
  const open = await prisma.campaignItem.count({ where: { campaignId: row.id, state: { not: 'verified' } } });
  if (open === 0 && row.status !== 'finished') {
    await prisma.campaign.updateMany({ where: { id: row.id, status: { not: 'finished' } }, data: { status: 'finished', finishedAt: now, statusReason: null } });
    return 'finished';
  }
  if (open > 0 && row.status === 'finished') {
    await prisma.campaign.updateMany({ where: { id: row.id, status: 'finished' }, data: { status: 'running', finishedAt: null, statusReason: 'vCenter shows items off the target provider again.' } });
    return 'running';
  }
  return row.status as CampaignStatus;
}

// ── pre-flight ──

export interface PreflightReport {
  summary: RiskSummary;
  /** Items with at least one risk, in execution order (at most `limit`). */
  items: { id: string; itemKey: string; entityName: string; risks: PreflightRisk[] }[];
}

/** Fresh pre-flight of the items not yet verified, against a current inventory snapshot. */
export async function preflightCampaign(prisma: Db, id: string, snapshot: InventorySnapshot, limit = 500): Promise<PreflightReport> {
  const row = await loadCampaign(prisma, id);
  const index = indexInventory(snapshot);
  const items = await prisma.campaignItem.findMany({
    where: { campaignId: id, state: { not: 'verified' } },
    orderBy: { position: 'asc' },
    select: { id: true, itemKey: true, kind: true, entityMoid: true, entityName: true, hostMoid: true, clusterMoid: true },
  });
  const cache = new Map<string, PreflightRisk[]>();
  const perItem = items.map((item) => ({ item, risks: itemRisks(index, item, row, cache) }));
  return {
    summary: summarizeRisks(perItem.map((p) => p.risks)),
    items: perItem
      .filter((p) => p.risks.length > 0)
      .slice(0, limit)
      .map((p) => ({ id: p.item.id, itemKey: p.item.itemKey, entityName: p.item.entityName, risks: p.risks })),
  };
}

