/**
 * One-click remediations of a failed VM, then verification again (a live read, as after a
 * rekey): reload the VMX (keeps history), CryptoUnlock, power off → rekey → power on (needs
 * `confirmPowerOff`: downtime), unregister / register (needs `acceptHistoryLoss`: the VM's
 * vCenter history is gone), plain verify, or retry (back to pending for the executor).
 * Afterwards each item is verified (on the target, VM healthy), pending (VM healthy but the item
 * still on the source: retry rekeys it) or still failed.
 */
import { z } from 'zod';
import { recordAudit, type AuditActor } from '../audit/record';
import { CampaignError } from './errors';
import { updateItems, type ItemRecord, type ItemUpdate } from './executor-store';
import { classifyFailure, HISTORY_LOSS_WARNING, POWER_CYCLE_CONFIRMATION, REMEDIATION_ACTIONS, type RemediationAction } from './failure-classes';

export { HISTORY_LOSS_WARNING, POWER_CYCLE_CONFIRMATION };
import { runHealthCheck } from './health-check';
import { itemKey, type FailureClass } from './model';
import { loadCampaign, retryItems } from './store';
import { rekeyVm, type ExecutorDeps } from './executor';
import { isVsphereError } from '../vsphere/errors';
import type { LiveVm } from './vcenter';
import { verifyVm } from './verify';

export const RemediationSchema = z
  .object({
    action: z.enum(REMEDIATION_ACTIONS),
    vmMoid: z.string().trim().min(1).max(200),
    /** power-cycle powers the VM off: the caller confirms the downtime. */
    confirmPowerOff: z.boolean().optional(),
    /** unregister-register loses the VM's vCenter history: the caller accepts it. */
    acceptHistoryLoss: z.boolean().optional(),
  })
  .strict();
export type RemediationRequest = z.input<typeof RemediationSchema>;

export interface RemediationResult {
  action: RemediationAction;
  vmMoid: string;
  /** After unregister / register: the VM's new managed object id. */
  newVmMoid?: string;
  verified: number;
  pending: number;
  failed: number;
  problems: string[];
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Items after a live read: verified, pending (healthy VM, item still to rekey) or failed. */
export function remediationUpdates(items: readonly ItemRecord[], live: LiveVm, targetProviderId: string, action: string): { updates: ItemUpdate[]; problems: string[] } {
  const verdict = verifyVm(live, items, targetProviderId);
  const updates = verdict.items.map((check): ItemUpdate => {
    const keyFields = { currentProviderId: check.key?.providerId ?? null, currentKeyId: check.key?.keyId ?? null };
    if (verdict.vmHealthy && check.onTarget) return { id: check.id, state: 'verified', ...keyFields };
    if (verdict.vmHealthy && check.present && check.key) return { id: check.id, state: 'pending', ...keyFields };
    const before = items.find((i) => i.id === check.id);
    const cls: FailureClass = verdict.locked ? 'KEY_INCORRECT' : ((before?.failureClass as FailureClass | null) ?? 'OTHER');
    return { id: check.id, state: 'failed', ...keyFields, failureClass: cls, errorText: `Still failing after ${action}: ${verdict.problems.join('; ')}.` };
  });
  return { updates, problems: verdict.problems };
}

export async function remediate(deps: ExecutorDeps, campaignId: string, body: unknown, actor: AuditActor): Promise<RemediationResult> {
  const now = deps.now ?? (() => new Date());
  const parsed = RemediationSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CampaignError('invalid', 400, `${issue.path.join('.') || 'body'}: ${issue.message}`, { field: String(issue.path[0] ?? 'body') });
  }
  const request = parsed.data;
  const row = await loadCampaign(deps.prisma, campaignId);
  const audit = (outcome: 'success' | 'failure', details: Record<string, unknown>) =>
    recordAudit(deps.prisma, { actor, action: 'campaign.remediate', outcome, target: { type: 'campaign', id: campaignId }, details: { action: request.action, vm: request.vmMoid, ...details } });

  try {
    if (request.action === 'power-cycle' && request.confirmPowerOff !== true) throw new CampaignError('confirmation-required', 400, POWER_CYCLE_CONFIRMATION, { field: 'confirmPowerOff' });
    if (request.action === 'unregister-register' && request.acceptHistoryLoss !== true) throw new CampaignError('confirmation-required', 400, HISTORY_LOSS_WARNING, { field: 'acceptHistoryLoss' });
    let items = await deps.prisma.campaignItem.findMany({
      where: { campaignId, entityMoid: request.vmMoid, kind: { in: ['vm-config', 'vm-disk'] } },
      orderBy: { position: 'asc' },
    });
    if (items.length === 0) throw new CampaignError('not-found', 404, `VM ${request.vmMoid} is not part of campaign ${row.name}.`, { field: 'vmMoid' });
    if (items.some((i) => i.state === 'in-progress')) throw new CampaignError('invalid-state', 409, `The executor is rekeying ${items[0]!.entityName} right now; wait for it to finish.`);

    if (request.action === 'retry') {
      const { retried } = await retryItems(deps.prisma, campaignId, { vmMoids: [request.vmMoid] }, { actor });
      return { action: 'retry', vmMoid: request.vmMoid, verified: 0, pending: retried, failed: 0, problems: [] };
    }

    let vmMoid = request.vmMoid;
    let newVmMoid: string | undefined;
    switch (request.action) {
      case 'reload':
        await deps.vcenter.reloadVm(vmMoid);
        break;
      case 'unlock':
        await deps.vcenter.cryptoUnlockVm(vmMoid);
        break;
      case 'unregister-register': {
        newVmMoid = (await deps.vcenter.reregisterVm(vmMoid)).moid;
        // The VM lives on under a new id: its items follow it.
        await deps.prisma.$transaction([
          ...items.map((i) =>
            deps.prisma.campaignItem.update({ where: { campaignId_id: { campaignId, id: i.id } }, data: { entityMoid: newVmMoid!, id: itemKey(i.kind as 'vm-config', newVmMoid!, i.diskKey) } }),
          ),
          deps.prisma.campaign.update({ where: { id: campaignId }, data: { itemsVersion: { increment: 1 } } }),
        ]);
        vmMoid = newVmMoid;
        items = await deps.prisma.campaignItem.findMany({ where: { campaignId, entityMoid: vmMoid, kind: { in: ['vm-config', 'vm-disk'] } }, orderBy: { position: 'asc' } });
        break;
      }
      case 'power-cycle':
        await powerCycleRekey(deps, row, items, vmMoid, (step, outcome, details) =>
          recordAudit(deps.prisma, { actor, action: 'campaign.step', outcome, target: { type: 'campaign', id: campaignId }, details: { step, vm: vmMoid, ...details } }),
        );
        break;
      case 'verify':
        break;
    }

    const live = await deps.vcenter.readVm(vmMoid);
    if (!live) throw new CampaignError('not-found', 404, `vCenter does not know VM ${vmMoid} any more.`);
    const { updates, problems } = remediationUpdates(items, live, row.targetProviderId, request.action);
    await updateItems(deps.prisma, campaignId, updates, now());
    const result: RemediationResult = {
      action: request.action,
      vmMoid: request.vmMoid,
      ...(newVmMoid && { newVmMoid }),
      verified: updates.filter((u) => u.state === 'verified').length,
      pending: updates.filter((u) => u.state === 'pending').length,
      failed: updates.filter((u) => u.state === 'failed').length,
      problems,
    };
    await audit('success', { result });
    return result;
  } catch (error) {
    await audit('failure', { error: errorText(error), ...(error instanceof CampaignError && { code: error.code }) });
    throw error;
  }
}

/**
 * Power off → shallow rekey → power on, for vCenters that refuse to rekey a running VM. Both
 * providers are checked first; a VM that was off stays off; a VM powered off here is powered on
 * again even when the rekey fails, so nothing is left down that was up. A failed rekey marks the
 * items failed with its class and is rethrown.
 */
type StepAudit = (step: string, outcome: 'success' | 'failure', details: Record<string, unknown>) => Promise<void>;

async function powerCycleRekey(deps: ExecutorDeps, row: Awaited<ReturnType<typeof loadCampaign>>, items: ItemRecord[], vmMoid: string, step: StepAudit): Promise<void> {
  const live = await deps.vcenter.readVm(vmMoid);
  if (!live) throw new CampaignError('not-found', 404, `vCenter does not know VM ${vmMoid} any more.`);
  const health = await runHealthCheck(deps.healthCheck, { providerIds: [row.sourceProviderId, row.targetProviderId], hostMoids: live.hostMoid ? [live.hostMoid] : [] });
  const bad = health.filter((h) => !h.healthy);
  await step('health-check', bad.length ? 'failure' : 'success', { results: health });
  if (bad.length) throw new CampaignError('provider-unhealthy', 409, `Not power cycling ${live.name}: ${bad.flatMap((h) => h.problems).join(' ')}`);
  const wasOn = live.powerState === 'poweredOn';
  if (wasOn) {
    await deps.vcenter.powerOffVm(vmMoid);
    await step('power-off', 'success', {});
  }
  try {
    const rekey = await rekeyVm(deps, vmMoid, row.targetProviderId);
    await step('rekey', 'success', { taskId: rekey.taskId, newKeyId: rekey.newKeyId, target: row.targetProviderId });
  } catch (error) {
    await step('rekey', 'failure', { error: errorText(error) });
    const cls = classifyFailure({ message: errorText(error), faultType: isVsphereError(error) ? (error.faultType ?? null) : null, errorKind: isVsphereError(error) ? error.kind : null });
    await updateItems(deps.prisma, row.id, items.map((i) => ({ id: i.id, state: 'failed', failureClass: cls, errorText: errorText(error) })), (deps.now ?? (() => new Date()))());
    throw error;
  } finally {
    if (wasOn) {
      await deps.vcenter.powerOnVm(vmMoid);
      await step('power-on', 'success', {});
    }
  }
}
