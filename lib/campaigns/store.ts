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
import { planCampaignItems, type PlannedItem } from './plan';
import { itemRisks, summarizeRisks, type PreflightRisk, type RiskSummary } from './preflight';
import { summarizeProgress, type Progress, type ProgressCounts } from './progress';
import { reconcileInDatabase, snapshotObservations, storedObservations, type ObservationSource } from './reconcile-sql';
import { bumpItemsVersion, countsFor, storeCounts } from './progress-cache';
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

function detailOf(row: CampaignRow, counts: ProgressCounts, now: Date): CampaignDetail {
  const progress = summarizeProgress(counts, { createdAt: row.createdAt, startedAt: row.startedAt, finishedAt: row.finishedAt }, now);
  const workarounds: CampaignDetail['workarounds'] = {};
  for (const cls of FAILURE_CLASSES) if (progress.failuresByClass[cls] > 0) workarounds[cls] = workaroundFor(cls);
  return { ...toCampaignView(row), progress, workarounds };
}

/** The campaign with its progress (GET /api/v1/campaigns/{id}); counts from the progress cache when it is current. */
export async function getCampaignDetail(prisma: Db, id: string, now = new Date()): Promise<CampaignDetail> {
  const row = await loadCampaign(prisma, id);
  const { counts } = await countsFor(prisma, row);
  return detailOf(row, counts, now);
}

/** Every campaign, newest first, with its headline numbers (from each one's progress cache). */
export async function listCampaigns(prisma: Db): Promise<CampaignSummary[]> {
  const rows = await prisma.campaign.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
  return Promise.all(
    rows.map(async (row) => {
      const { counts } = await countsFor(prisma, row);
      const verified = counts.byState.verified ?? 0;
      const failed = counts.byState.failed ?? 0;
      return { ...toCampaignView(row), total: counts.total, verified, failed, percentVerified: counts.total === 0 ? 0 : Math.round((verified / counts.total) * 1000) / 10 };
    }),
  );
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

const INSERT_CHUNK = 20_000;

/** Bulk insert through unnest(): 100,000 items in a few statements instead of one bind per column value. */
async function insertItems(tx: Pick<Db, '$executeRawUnsafe'>, campaignId: string, planned: readonly PlannedItem[], risksOf: (p: PlannedItem) => string | null, now: Date) {
  for (let i = 0; i < planned.length; i += INSERT_CHUNK) {
    const part = planned.slice(i, i + INSERT_CHUNK);
    const col = <T>(f: (p: PlannedItem) => T) => part.map(f);
    await tx.$executeRawUnsafe(
      `INSERT INTO "CampaignItem" ("campaignId", id, kind, "entityMoid", "entityName", "diskKey", "diskLabel", "hostMoid", "clusterMoid",
         position, "currentProviderId", "currentKeyId", risks, "updatedAt")
       SELECT $1, u.id, u.kind, u.em, u.en, u.dk, u.dl, u.hm, u.cm, u.pos, u.cp, u.ck, u.r, ($14::timestamptz AT TIME ZONE 'UTC')
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[], $9::text[], $10::int[], $11::text[], $12::text[], $13::text[])
         AS u(id, kind, em, en, dk, dl, hm, cm, pos, cp, ck, r)`,
      campaignId,
      col((p) => p.itemKey),
      col((p) => p.kind),
      col((p) => p.entityMoid),
      col((p) => p.entityName),
      col((p) => p.diskKey),
      col((p) => p.diskLabel),
      col((p) => p.hostMoid),
      col((p) => p.clusterMoid),
      col((p) => p.position),
      col((p) => p.currentProviderId),
      col((p) => p.currentKeyId),
      col(risksOf),
      now.toISOString(),
    );
  }
}

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
        // Risks depend on the VM (or cluster / host), not on which of its items: computed once per entity.
        const riskCodes = new Map<string, string | null>();
        const risksOf = (p: PlannedItem) => {
          const key = `${p.kind === 'vm-disk' ? 'vm-config' : p.kind}:${p.entityMoid}`;
          let codes = riskCodes.get(key);
          if (codes === undefined) {
            const risks = itemRisks(index, p, input, riskCache);
            codes = risks.length ? JSON.stringify([...new Set(risks.map((r) => r.code))]) : null;
            riskCodes.set(key, codes);
          }
          return codes;
        };
        await insertItems(tx, campaign.id, planned, risksOf, now);
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
    if (count > 0) await bumpItemsVersion(prisma, id);
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

export interface RecomputeResult {
  /** Items whose state or current key changed. */
  changed: number;
  /** Of those, items whose state changed. */
  transitions: number;
  status: CampaignStatus;
  /** Whether the progress cache was refreshed with this recompute's counts (false when another writer moved items meanwhile). */
  cached: boolean;
  /** Wall time of each phase: the reconcile statement (join, write, counts) and the cache / status writes. */
  phasesMs: { reconcile: number; write: number; settle: number };
}

/**
 * Reconciles every item with vCenter's truth (reconcile-sql.ts: current keys refreshed, items on
 * the target with their VM unlocked verified, items that fell back pending, VMs locked on the
 * target failed) in the database. A campaign whose items are all verified is finished (and
 * running again if vCenter later shows one off the target). The progress counts come out of the
 * same statement and are cached for the detail reads.
 */
async function recompute(prisma: Db, row: CampaignRow, source: ObservationSource, observed: { readAt: Date; startedAt: Date }, now: Date): Promise<RecomputeResult> {
  const clock = { t: performance.now() };
  const lap = () => {
    const t = performance.now();
    const ms = Math.round(t - clock.t);
    clock.t = t;
    return ms;
  };
  // The version is read (with the row) before the items: counts stored under it are never staler than the items read.
  const outcome = await reconcileInDatabase(prisma, row.id, row.targetProviderId, source, observed.startedAt, now);
  const reconcile = lap();
  const version = outcome.applied > 0 ? await bumpItemsVersion(prisma, row.id) : row.itemsVersion;
  // Ours are the only writes since the read (else the counts are left to the next reader).
  const alone = outcome.applied === outcome.planned && version === row.itemsVersion + (outcome.applied > 0 ? 1 : 0);
  const cached = alone && (await storeCounts(prisma, row.id, version, outcome.counts));
  const write = lap();
  const status = await settleFinished(prisma, row, now, cached ? outcome.counts.total - (outcome.counts.byState.verified ?? 0) : undefined);
  await prisma.campaign.update({ where: { id: row.id }, data: { recomputedAt: now, inventoryReadAt: observed.readAt } });
  const settle = lap();
  return { changed: outcome.applied, transitions: outcome.transitions, status, cached, phasesMs: { reconcile, write, settle } };
}

/** Recompute against an inventory snapshot in hand (a live read; tests). */
export async function recomputeProgress(prisma: Db, id: string, snapshot: InventorySnapshot, deps: { now?: () => Date } = {}): Promise<RecomputeResult> {
  const row = await loadCampaign(prisma, id);
  if (snapshot.vcenterId !== row.vcenterId) {
    throw new CampaignError('invalid', 400, `The inventory is of vCenter ${snapshot.vcenterId}, the campaign of ${row.vcenterId}.`);
  }
  return recompute(prisma, row, snapshotObservations(snapshot), { readAt: snapshot.readAt, startedAt: snapshot.readAt }, deps.now?.() ?? new Date());
}

/** Recompute against the poller's stored inventory of the campaign's vCenter, without reading it out (the worker, after a poll). */
export async function recomputeFromStoredInventory(prisma: Db, id: string, deps: { now?: () => Date } = {}): Promise<RecomputeResult> {
  const row = await loadCampaign(prisma, id);
  const poll = await prisma.pollState.findUnique({ where: { vcenterId: row.vcenterId }, select: { lastSuccessAt: true, lastDurationMs: true } });
  const readAt = poll?.lastSuccessAt ?? new Date(0);
  // What is stored was read from the start of the last successful poll: runs of one target never overlap, so it is the last one started by then.
  const run = await prisma.pollRun.findFirst({ where: { kind: 'vcenter', targetId: row.vcenterId, startedAt: { lte: readAt } }, orderBy: { startedAt: 'desc' }, select: { startedAt: true } });
  const startedAt = run?.startedAt ?? new Date(readAt.getTime() - (poll?.lastDurationMs ?? 0));
  return recompute(prisma, row, storedObservations(row.vcenterId), { readAt, startedAt }, deps.now?.() ?? new Date());
}

/** finished ⇔ every item verified; a campaign vCenter shows unfinished again runs again. */
export async function settleFinished(prisma: Db, row: Pick<CampaignRow, 'id' | 'status'>, now: Date, knownOpen?: number): Promise<CampaignStatus> {
  if (row.status === 'draft') return row.status;
  const open = knownOpen ?? (await prisma.campaignItem.count({ where: { campaignId: row.id, state: { not: 'verified' } } }));
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
  items: { id: string; entityName: string; risks: PreflightRisk[] }[];
}

/** Fresh pre-flight of the items not yet verified, against a current inventory snapshot. */
export async function preflightCampaign(prisma: Db, id: string, snapshot: InventorySnapshot, limit = 500): Promise<PreflightReport> {
  const row = await loadCampaign(prisma, id);
  const index = indexInventory(snapshot);
  const items = await prisma.campaignItem.findMany({
    where: { campaignId: id, state: { not: 'verified' } },
    orderBy: { position: 'asc' },
    select: { id: true, kind: true, entityMoid: true, entityName: true, hostMoid: true, clusterMoid: true },
  });
  const cache = new Map<string, PreflightRisk[]>();
  const perItem = items.map((item) => ({ item, risks: itemRisks(index, item, row, cache) }));
  return {
    summary: summarizeRisks(perItem.map((p) => p.risks)),
    items: perItem
      .filter((p) => p.risks.length > 0)
      .slice(0, limit)
      .map((p) => ({ id: p.item.id, entityName: p.item.entityName, risks: p.risks })),
  };
}

