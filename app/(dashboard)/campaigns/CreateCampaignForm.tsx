'use client';

import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { FormError } from '@/components/common/FormError';
import { useCreateCampaign } from '@/components/queries/use-campaign-mutations';
import { useSession } from '@/components/queries/use-session';
import { useTargets } from '@/components/queries/use-targets';

const ids = (text: string) => text.split(/[\s,]+/).filter(Boolean);

/** Admins only: source → target provider over clusters or an explicit VM list; the server refuses bad input with the reason. */
export function CreateCampaignForm() {
  const session = useSession();
  const canWrite = session.data?.user?.permissions.includes('campaigns.write') ?? false;
  const vcenters = useTargets('vcenters');
  const create = useCreateCampaign();
  const router = useRouter();
  const [scopeType, setScopeType] = useState<'vms' | 'clusters'>('vms');
  if (!canWrite) return null;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? '').trim();
    const stopAfter = text('stopAfterFailures');
    const scopeIds = ids(text('scopeIds'));
    create.mutate(
      {
        name: text('name'),
        vcenterId: text('vcenterId'),
        sourceProviderId: text('sourceProviderId'),
        targetProviderId: text('targetProviderId'),
        scope: scopeType === 'vms' ? { type: 'vms', vmIds: scopeIds } : { type: 'clusters', clusterIds: scopeIds },
        executor: {
          enabled: form.get('executorEnabled') === 'on',
          applyHaOverride: form.get('applyHaOverride') === 'on',
          stopAfterFailures: stopAfter ? Number(stopAfter) : null,
        },
      },
      { onSuccess: (campaign) => router.push(`/campaigns/${campaign.id}`) },
    );
  };

  return (
    <form className="card form-grid" onSubmit={submit} aria-label="New campaign">
      <h2>New campaign</h2>
      <label>
        Name
        <input name="name" required maxLength={200} />
      </label>
      <label>
        vCenter
        <select name="vcenterId" required>
          {(vcenters.data ?? []).map((v) => (
            <option key={v.id} value={v.id}>
              {v.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Source key provider
        <input name="sourceProviderId" required placeholder="lab-nkp" />
      </label>
      <label>
        Target key provider
        <input name="targetProviderId" required placeholder="lab-kms" />
      </label>
      <label>
        Scope
        <select value={scopeType} onChange={(e) => setScopeType(e.target.value as 'vms' | 'clusters')} aria-label="Scope type">
          <option value="vms">VMs</option>
          <option value="clusters">clusters</option>
        </select>
      </label>
      <label>
        {scopeType === 'vms' ? 'VM ids (vm-12, vm-13 …)' : 'Cluster ids (domain-c7 …)'}
        <textarea name="scopeIds" required rows={3} />
      </label>
      <label>
        <input type="checkbox" name="executorEnabled" /> Run the executor (off: track rekeys done elsewhere)
      </label>
      <label>
        <input type="checkbox" name="applyHaOverride" /> Disable HA VM monitoring for each VM during its rekey
      </label>
      <label>
        Stop after this many failed VMs
        <input name="stopAfterFailures" type="number" min={1} />
      </label>
      <div className="form-buttons">
        <button type="submit" disabled={create.isPending}>
          Create campaign
        </button>
      </div>
      <FormError error={create.error} />
    </form>
  );
}
