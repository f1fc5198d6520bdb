'use client';

import { FormError } from '@/components/common/FormError';
import { useCampaignAction, useCampaignRemediation } from '@/components/queries/use-campaign-mutations';
import { HISTORY_LOSS_COST, POWER_CYCLE_COST, type RemediationAction } from '@/lib/campaigns/failure-classes';
import type { ItemView } from '@/lib/campaigns/store';

const LABELS: Record<RemediationAction, string> = {
  verify: 'Verify',
  retry: 'Retry',
  reload: 'Reload VMX',
  unlock: 'Unlock',
  'power-cycle': 'Power cycle and rekey',
  'unregister-register': 'Unregister / register',
};

/** What the operator must accept first, for the remediations that cost something. */
const CONFIRM: Partial<Record<RemediationAction, { text: string; flag: 'confirmPowerOff' | 'acceptHistoryLoss' }>> = {
  'power-cycle': { text: POWER_CYCLE_COST, flag: 'confirmPowerOff' },
  'unregister-register': { text: HISTORY_LOSS_COST, flag: 'acceptHistoryLoss' },
};

/**
 * The one-click remediations of a failed item's class (its workaround, least costly first). VM
 * items go through POST …/remediate (then verified live); a vSAN KEK or host key item can only be
 * retried (POST …/retry for that item).
 */
export function RemediationButtons({ campaignId, item }: { campaignId: string; item: ItemView }) {
  const remediation = useCampaignRemediation(campaignId);
  const retry = useCampaignAction(campaignId);
  const busy = remediation.isPending || retry.isPending;
  const isVm = item.kind === 'vm-config' || item.kind === 'vm-disk';
  const actions: RemediationAction[] = isVm ? (item.workaround?.remediations ?? ['verify', 'retry']) : ['retry'];

  const run = (action: RemediationAction) => {
    if (!isVm) {
      retry.mutate({ action: 'retry', body: { itemIds: [item.id] } });
      return;
    }
    const confirm = CONFIRM[action];
    if (confirm && !window.confirm(`${LABELS[action]} ${item.entityName}? ${confirm.text}`)) return;
    remediation.mutate({ action, vmMoid: item.entityMoid, ...(confirm && { [confirm.flag]: true }) });
  };

  const r = remediation.data;
  return (
    <div className="form-buttons" role="group" aria-label={`Remediations for ${item.entityName}`}>
      {actions.map((action) => (
        <button key={action} type="button" className="secondary" disabled={busy} onClick={() => run(action)} aria-label={`${LABELS[action]} ${item.entityName}`}>
          {LABELS[action]}
        </button>
      ))}
      {r && (
        <span role="status" className={r.failed > 0 ? 'bad' : 'good'}>
          {LABELS[r.action]}: {r.verified} verified, {r.pending} pending, {r.failed} still failed{r.newVmMoid ? ` (now ${r.newVmMoid})` : ''}
          {r.problems.length > 0 ? ` — ${r.problems.join('; ')}` : ''}
        </span>
      )}
      {retry.isSuccess && <span role="status">Back to pending for the executor.</span>}
      <FormError error={remediation.error ?? retry.error} />
    </div>
  );
}
