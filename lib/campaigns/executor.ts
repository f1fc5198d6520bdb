/**
 * The campaign executor: shallow rekeys through vCenter, one VM at a time by default, each VM
 * verified before the next, as the field report learned the hard way.
 *
 * For each VM: both providers pass a live health check (vCenter-wide, from the VM's host, and
 * Keywatch's KMIP probe) → optionally an HA VM override disabling VM monitoring → a new KEK from
 * the target provider and ReconfigVM_Task with a shallow recrypt of the configuration and every
 * disk → follow the task → read the VM live and verify (config and each disk on the target,
 * unlocked, connected) → remove the override. A failure is classified (failure-classes.ts) and
 * counted; the campaign stops after N. An unhealthy provider or an override that cannot be
 * applied pauses the campaign without touching the VM. Every step is audited.
 *
 * After the VMs, each vSAN KEK and host key item is rekeyed the same way, one at a time
 * (infra-rekey.ts): vSAN cluster reconfiguration to the target provider, ChangeKey_Task with a
 * host key from the target, each verified by a live read.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { recordAudit, type AuditActor } from '../audit/record';
import type { PrismaClient } from '../db/client';
import { isVsphereError } from '../vsphere/errors';
import { CampaignError } from './errors';
import { acquireLease, claimNextInfraItem, claimNextVm, countFailure, pauseFor, releaseLease, unclaim, updateItems, type ItemRecord, type ItemUpdate } from './executor-store';
import { rekeyInfraItem } from './infra-rekey';
import { classifyFailure, workaroundFor } from './failure-classes';
import { runHealthCheck, type ProviderHealthCheck } from './health-check';
import type { FailureClass } from './model';
import { loadCampaign, settleFinished } from './store';
import type { CampaignVcenter, LiveVm } from './vcenter';
import { verifyVm, vmFullyOnTarget } from './verify';

type CampaignRow = Awaited<ReturnType<typeof loadCampaign>>;

export interface ExecutorDeps {
  prisma: PrismaClient;
  vcenter: CampaignVcenter;
  healthCheck: ProviderHealthCheck;
  actor?: AuditActor;
  logger?: Logger;
  /** This executor's name in the campaign lease (default host:pid:random). */
  owner?: string;
  /** How long one rekey task may run (default 30 min). */
  taskTimeoutMs?: number;
  taskPollIntervalMs?: number;
  /** Lease length; renewed before every VM (default 5 min). */
  leaseMs?: number;
  now?: () => Date;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Stop after this many VMs (for stepping through a campaign). */
  maxVms?: number;
}

export type RunEnd = 'done' | 'paused' | 'stopped' | 'not-running' | 'executor-disabled' | 'aborted' | 'max-vms' | 'dry-run';

export interface DryRunEntry {
  vmMoid: string;
  vmName: string;
  items: number;
  providersHealthy: boolean;
  problems: string[];
  /** What the executor would do. */
  action: 'rekey' | 'already-on-target' | 'skip-not-found';
}

export interface RunSummary {
  campaignId: string;
  end: RunEnd;
  vmsAttempted: number;
  vmsVerified: number;
  vmsFailed: number;
  failuresByClass: Partial<Record<FailureClass, number>>;
  dryRun: DryRunEntry[] | null;
}

const EXECUTOR_ACTOR: AuditActor = { type: 'system', name: 'campaign-executor' };
const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function executorOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

interface Ctx {
  deps: ExecutorDeps;
  row: CampaignRow;
  actor: AuditActor;
  now: () => Date;
}

async function step(ctx: Ctx, stepName: string, outcome: 'success' | 'failure', details: Record<string, unknown>): Promise<void> {
  await recordAudit(ctx.deps.prisma, { actor: ctx.actor, action: 'campaign.step', outcome, target: { type: 'campaign', id: ctx.row.id }, details: { step: stepName, ...details } });
  ctx.deps.logger?.[outcome === 'success' ? 'info' : 'warn']({ campaign: ctx.row.id, step: stepName, ...details }, `campaign ${stepName} ${outcome}`);
}

export interface RekeyResult {
  taskId: string;
  newKeyId: string;
}

/** New KEK from the target provider, ReconfigVM_Task with a shallow recrypt, task followed to its end. */
export async function rekeyVm(deps: Pick<ExecutorDeps, 'vcenter' | 'taskTimeoutMs' | 'taskPollIntervalMs'>, vmMoid: string, targetProviderId: string): Promise<RekeyResult> {
  const newKey = await deps.vcenter.generateKey(targetProviderId);
  const taskId = await deps.vcenter.startShallowRekey(vmMoid, newKey);
  await deps.vcenter.waitForTask(taskId, { timeoutMs: deps.taskTimeoutMs ?? 30 * 60_000, pollIntervalMs: deps.taskPollIntervalMs });
  return { taskId, newKeyId: newKey.keyId };
}

/** Item updates for a VM read live: current key of each item, state from the verdict. */
export function itemUpdatesFromVerdict(
  items: readonly ItemRecord[],
  live: LiveVm,
  targetProviderId: string,
  failure: { failureClass: FailureClass; errorText: string } | null,
): { updates: ItemUpdate[]; ok: boolean; problems: string[] } {
  const verdict = verifyVm(live, items, targetProviderId);
  const updates = verdict.items.map((check): ItemUpdate => {
    const keyFields = { currentProviderId: check.key?.providerId ?? null, currentKeyId: check.key?.keyId ?? null };
    if (!failure && verdict.ok) return { id: check.id, state: 'verified', ...keyFields };
    const cls = failure?.failureClass ?? (verdict.locked ? 'KEY_INCORRECT' : 'OTHER');
    const text = failure?.errorText ?? `Verification after the rekey failed: ${verdict.problems.join('; ')}.`;
    return { id: check.id, state: 'failed', ...keyFields, failureClass: cls, errorText: text };
  });
  return { updates, ok: !failure && verdict.ok, problems: verdict.problems };
}

type VmOutcome = 'verified' | 'failed' | 'paused';

async function failVm(ctx: Ctx, items: ItemRecord[], vm: { moid: string; name: string }, cls: FailureClass, text: string, live: LiveVm | null): Promise<VmOutcome> {
  const target = ctx.row.targetProviderId;
  const updates = live
    ? itemUpdatesFromVerdict(items, live, target, { failureClass: cls, errorText: text }).updates
    : items.map((i): ItemUpdate => ({ id: i.id, state: 'failed', failureClass: cls, errorText: text }));
  await updateItems(ctx.deps.prisma, ctx.row.id, updates, ctx.now());
  return countAndAudit(ctx, `${vm.name} (${cls})`, cls, text, { vm: vm.moid, vmName: vm.name });
}

/** Counts one failure (a VM, or a vSAN KEK / host key item), audits it, and the stop when it reaches the limit. */
async function countAndAudit(ctx: Ctx, label: string, cls: FailureClass, text: string, details: Record<string, unknown>): Promise<VmOutcome> {
  const count = await countFailure(ctx.deps.prisma, ctx.row.id, label);
  await step(ctx, 'failed', 'failure', { ...details, failureClass: cls, error: text, workaround: workaroundFor(cls).summary, failures: count.failures });
  if (count.stopped) {
    const last = details.vm ?? details.item;
    await recordAudit(ctx.deps.prisma, { actor: ctx.actor, action: 'campaign.stop', outcome: 'success', target: { type: 'campaign', id: ctx.row.id }, details: { failures: count.failures, limit: count.limit, last } });
  }
  return 'failed';
}

/** Puts the VM back untouched and pauses the campaign with the reason. */
async function pauseBeforeVm(ctx: Ctx, items: ItemRecord[], reason: string, details: Record<string, unknown>): Promise<VmOutcome> {
  await unclaim(ctx.deps.prisma, ctx.row.id, items.map((i) => i.id));
  if (await pauseFor(ctx.deps.prisma, ctx.row.id, reason)) {
    await recordAudit(ctx.deps.prisma, { actor: ctx.actor, action: 'campaign.pause', outcome: 'success', target: { type: 'campaign', id: ctx.row.id }, details: { reason, ...details } });
  }
  return 'paused';
}

async function processVm(ctx: Ctx, items: ItemRecord[]): Promise<VmOutcome> {
  const { deps, row } = ctx;
  const first = items[0]!;
  const vm = { moid: first.entityMoid, name: first.entityName };
  const target = row.targetProviderId;

  let before: LiveVm | null;
  try {
    before = await deps.vcenter.readVm(vm.moid);
  } catch (error) {
    return pauseBeforeVm(ctx, items, `vCenter could not be read before rekeying ${vm.name}: ${errorText(error)}`, { vm: vm.moid });
  }
  if (!before) return failVm(ctx, items, vm, 'OTHER', `VM ${vm.moid} is not in vCenter's inventory any more (removed, or registered again under a new id).`, null);
  vm.name = before.name;

  const hostMoid = before.hostMoid ?? first.hostMoid;
  const health = await runHealthCheck(deps.healthCheck, { providerIds: [row.sourceProviderId, target], hostMoids: hostMoid ? [hostMoid] : [] });
  const unhealthy = health.filter((h) => !h.healthy);
  await step(ctx, 'health-check', unhealthy.length ? 'failure' : 'success', { vm: vm.moid, host: hostMoid, results: health });
  if (unhealthy.length) {
    const why = unhealthy.map((h) => h.problems.join(' ')).join(' ');
    return pauseBeforeVm(ctx, items, `Paused before ${vm.name}: ${why}`, { vm: vm.moid });
  }

  if (vmFullyOnTarget(before, target)) {
    const { updates } = itemUpdatesFromVerdict(items, before, target, null);
    await updateItems(deps.prisma, row.id, updates, ctx.now());
    await step(ctx, 'verify', 'success', { vm: vm.moid, vmName: vm.name, note: 'already on the target provider; not rekeyed again' });
    return 'verified';
  }

  const clusterMoid = first.clusterMoid;
  let overrideApplied = false;
  if (row.applyHaOverride) {
    if (!clusterMoid) return pauseBeforeVm(ctx, items, `No cluster is known for ${vm.name}; the HA VM override cannot be applied.`, { vm: vm.moid });
    try {
      await deps.vcenter.applyHaVmOverride(clusterMoid, vm.moid);
      overrideApplied = true;
      await step(ctx, 'ha-override', 'success', { vm: vm.moid, cluster: clusterMoid });
    } catch (error) {
      await step(ctx, 'ha-override', 'failure', { vm: vm.moid, cluster: clusterMoid, error: errorText(error) });
      return pauseBeforeVm(ctx, items, `The HA VM override for ${vm.name} could not be applied: ${errorText(error)}`, { vm: vm.moid });
    }
  }

  try {
    let rekey: RekeyResult;
    try {
      rekey = await rekeyVm(deps, vm.moid, target);
    } catch (error) {
      const after = await deps.vcenter.readVm(vm.moid).catch(() => null);
      const haMonitored = !overrideApplied && (first.risks ?? '').includes('HA_VM_MONITORING');
      const cls = classifyFailure({
        message: errorText(error),
        faultType: isVsphereError(error) ? (error.faultType ?? null) : null,
        errorKind: isVsphereError(error) ? error.kind : null,
        haVmMonitoring: haMonitored,
        powerStateBefore: before.powerState,
        powerStateAfter: after?.powerState ?? null,
      });
      await step(ctx, 'rekey', 'failure', { vm: vm.moid, vmName: vm.name, error: errorText(error), taskId: isVsphereError(error) ? error.taskId : undefined });
      return await failVm(ctx, items, vm, cls, errorText(error), after);
    }
    await updateItems(deps.prisma, row.id, items.map((i) => ({ id: i.id, state: 'rekeyed' })), ctx.now());
    await step(ctx, 'rekey', 'success', { vm: vm.moid, vmName: vm.name, taskId: rekey.taskId, newKeyId: rekey.newKeyId, target });

    let after: LiveVm | null;
    try {
      after = await deps.vcenter.readVm(vm.moid);
    } catch (error) {
      return await failVm(ctx, items, vm, 'OTHER', `The VM could not be read after its rekey: ${errorText(error)}`, null);
    }
    if (!after) return await failVm(ctx, items, vm, 'OTHER', `VM ${vm.moid} disappeared from vCenter during its rekey.`, null);
    const { updates, ok, problems } = itemUpdatesFromVerdict(items, after, target, null);
    await step(ctx, 'verify', ok ? 'success' : 'failure', { vm: vm.moid, vmName: vm.name, problems });
    if (ok) {
      await updateItems(deps.prisma, row.id, updates, ctx.now());
      return 'verified';
    }
    const failed = updates.find((u) => u.state === 'failed')!;
    return await failVm(ctx, items, vm, failed.failureClass ?? 'OTHER', failed.errorText ?? problems.join('; '), after);
  } finally {
    if (overrideApplied && clusterMoid) {
      try {
        await deps.vcenter.removeHaVmOverride(clusterMoid, vm.moid);
        await step(ctx, 'ha-override-remove', 'success', { vm: vm.moid, cluster: clusterMoid });
      } catch (error) {
        await step(ctx, 'ha-override-remove', 'failure', { vm: vm.moid, cluster: clusterMoid, error: errorText(error) });
      }
    }
  }
}

/** A vSAN KEK or host key item (infra-rekey.ts), recorded and audited like a VM. */
async function processInfraItem(ctx: Ctx, item: ItemRecord): Promise<VmOutcome> {
  const { deps, row } = ctx;
  const result = await rekeyInfraItem(
    {
      vcenter: deps.vcenter,
      healthCheck: deps.healthCheck,
      taskTimeoutMs: deps.taskTimeoutMs,
      taskPollIntervalMs: deps.taskPollIntervalMs,
      // The poller's stored inventory names the cluster's hosts (row ids "<vcenterId>:<moid>").
      hostsOfCluster: async (clusterMoid) =>
        (await deps.prisma.vcHost.findMany({ where: { vcenterId: row.vcenterId, clusterId: `${row.vcenterId}:${clusterMoid}` }, select: { moid: true } })).map((h) => h.moid),
      audit: (stepName, outcome, details) => step(ctx, stepName, outcome, { kind: item.kind, entity: item.entityMoid, ...details }),
    },
    item,
    { source: row.sourceProviderId, target: row.targetProviderId },
  );
  if (result.outcome === 'unhealthy') return pauseBeforeVm(ctx, [item], result.reason, { item: item.id });
  const keyFields = { currentProviderId: result.key?.providerId ?? null, currentKeyId: result.key?.keyId ?? null };
  if (result.outcome === 'verified') {
    await updateItems(deps.prisma, row.id, [{ id: item.id, state: 'verified', ...keyFields }], ctx.now());
    return 'verified';
  }
  await updateItems(deps.prisma, row.id, [{ id: item.id, state: 'failed', ...keyFields, failureClass: result.failureClass, errorText: result.errorText }], ctx.now());
  return countAndAudit(ctx, `${item.entityName} (${result.failureClass})`, result.failureClass, result.errorText, { item: item.id, kind: item.kind });
}

/** Walks the pending VMs: health check and live read only, what would be done audited, nothing changed. */
async function dryRun(ctx: Ctx, signal?: AbortSignal): Promise<DryRunEntry[]> {
  const { deps, row } = ctx;
  const pending = await deps.prisma.campaignItem.findMany({
    where: { campaignId: row.id, state: 'pending', kind: { in: ['vm-config', 'vm-disk'] } },
    orderBy: { position: 'asc' },
    select: { entityMoid: true, entityName: true, hostMoid: true },
  });
  const vms = new Map<string, { name: string; hostMoid: string | null; items: number }>();
  for (const p of pending) {
    const vm = vms.get(p.entityMoid) ?? { name: p.entityName, hostMoid: p.hostMoid, items: 0 };
    vm.items++;
    vms.set(p.entityMoid, vm);
  }
  const plan: DryRunEntry[] = [];
  for (const [moid, vm] of vms) {
    if (signal?.aborted) break;
    const live = await deps.vcenter.readVm(moid).catch(() => null);
    const host = live?.hostMoid ?? vm.hostMoid;
    const health = await runHealthCheck(deps.healthCheck, { providerIds: [row.sourceProviderId, row.targetProviderId], hostMoids: host ? [host] : [] });
    const entry: DryRunEntry = {
      vmMoid: moid,
      vmName: live?.name ?? vm.name,
      items: vm.items,
      providersHealthy: health.every((h) => h.healthy),
      problems: health.flatMap((h) => h.problems),
      action: !live ? 'skip-not-found' : vmFullyOnTarget(live, row.targetProviderId) ? 'already-on-target' : 'rekey',
    };
    plan.push(entry);
    await step(ctx, 'dry-run', 'success', { ...entry, target: row.targetProviderId, applyHaOverride: row.applyHaOverride });
  }
  return plan;
}

/**
 * Runs the executor on one campaign until no pending VM is left, the campaign is paused or
 * stopped, `maxVms` is reached or `signal` aborts. Only a running campaign with the executor
 * enabled is touched; another executor holding the lease → CampaignError 409.
 */
export async function runCampaign(deps: ExecutorDeps, campaignId: string, options: RunOptions = {}): Promise<RunSummary> {
  const now = deps.now ?? (() => new Date());
  const owner = deps.owner ?? executorOwner();
  const leaseMs = deps.leaseMs ?? 5 * 60_000;
  const row = await loadCampaign(deps.prisma, campaignId);
  const summary: RunSummary = { campaignId, end: 'done', vmsAttempted: 0, vmsVerified: 0, vmsFailed: 0, failuresByClass: {}, dryRun: null };
  if (!row.executorEnabled) return { ...summary, end: 'executor-disabled' };
  if (row.status !== 'running') return { ...summary, end: 'not-running' };
  if (!(await acquireLease(deps.prisma, campaignId, owner, leaseMs, now()))) {
    throw new CampaignError('lease-held', 409, `Another executor (${row.leaseOwner}) is running campaign ${row.name}.`);
  }
  const ctx: Ctx = { deps, row, actor: deps.actor ?? EXECUTOR_ACTOR, now };
  try {
    if (row.dryRun) {
      summary.dryRun = await dryRun(ctx, options.signal);
      return { ...summary, end: 'dry-run' };
    }
    let started = 0;
    const worker = async (): Promise<RunEnd> => {
      for (;;) {
        if (options.signal?.aborted) return 'aborted';
        if (options.maxVms !== undefined && started >= options.maxVms) return 'max-vms';
        const current = await deps.prisma.campaign.findUnique({ where: { id: campaignId }, select: { status: true, executorEnabled: true } });
        if (!current || current.status !== 'running') return current?.status === 'stopped' ? 'stopped' : current?.status === 'paused' ? 'paused' : 'not-running';
        if (!current.executorEnabled) return 'executor-disabled';
        if (!(await acquireLease(deps.prisma, campaignId, owner, leaseMs, now()))) return 'aborted';
        // Reserve the slot before awaiting the claim, so parallel workers never exceed maxVms.
        started++;
        let items = await claimNextVm(deps.prisma, campaignId, now());
        let infra = false;
        if (items.length === 0) {
          // Every VM taken: then the vSAN KEKs and host keys, one item at a time.
          const next = await claimNextInfraItem(deps.prisma, campaignId, now());
          if (!next) {
            started--;
            return 'done';
          }
          items = [next];
          infra = true;
        }
        summary.vmsAttempted++;
        let outcome: VmOutcome;
        try {
          outcome = infra ? await processInfraItem(ctx, items[0]!) : await processVm(ctx, items);
        } catch (error) {
          // A bug or an outage in our own plumbing (database): give the VM back rather than leave it in progress.
          await unclaim(deps.prisma, campaignId, items.map((i) => i.id)).catch(() => undefined);
          throw error;
        }
        if (outcome === 'verified') summary.vmsVerified++;
        if (outcome === 'failed') {
          summary.vmsFailed++;
          const failed = await deps.prisma.campaignItem.findFirst({ where: { campaignId, id: { in: items.map((i) => i.id) }, state: 'failed' }, select: { failureClass: true } });
          const cls = (failed?.failureClass ?? 'OTHER') as FailureClass;
          summary.failuresByClass[cls] = (summary.failuresByClass[cls] ?? 0) + 1;
        }
        if (outcome === 'paused') summary.vmsAttempted--;
      }
    };
    const ends = await Promise.all(Array.from({ length: Math.max(1, row.concurrency) }, worker));
    // The most telling reason wins: a stop or pause over "nothing left".
    const order: RunEnd[] = ['stopped', 'paused', 'aborted', 'executor-disabled', 'not-running', 'max-vms', 'done'];
    summary.end = order.find((e) => ends.includes(e)) ?? 'done';
    const fresh = await loadCampaign(deps.prisma, campaignId);
    await settleFinished(deps.prisma, fresh, now());
    return summary;
  } finally {
    await releaseLease(deps.prisma, campaignId, owner);
  }
}
