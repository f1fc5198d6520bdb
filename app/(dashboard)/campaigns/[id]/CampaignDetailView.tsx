'use client';

import Link from 'next/link';
import { useState } from 'react';
import { FormError } from '@/components/common/FormError';
import { useCampaign } from '@/components/queries/use-campaign';
import { useCampaignItems } from '@/components/queries/use-campaign-items';
import { useCampaignAction, type CampaignActionName } from '@/components/queries/use-campaign-mutations';
import { useSession } from '@/components/queries/use-session';
// Type-only: erased at build.
import type { FailureClass } from '@/lib/campaigns/model';
import type { CampaignDetail, ItemView } from '@/lib/campaigns/store';
import { ProgressCharts } from './ProgressCharts';
import { RemediationButtons } from './RemediationButtons';

const STATES = ['', 'pending', 'in-progress', 'rekeyed', 'verified', 'failed'] as const;

/** Which admin buttons a status allows (the server refuses the others anyway). */
const ACTIONS_BY_STATUS: Record<CampaignDetail['status'], CampaignActionName[]> = {
  draft: ['start'],
  running: ['pause'],
  paused: ['resume'],
  stopped: ['resume'],
  finished: [],
};

export function CampaignDetailView({ id }: { id: string }) {
  const query = useCampaign(id);
  const session = useSession();
  const canWrite = session.data?.user?.permissions.includes('campaigns.write') ?? false;
  if (query.isLoading) return <p className="muted">Loading the campaign…</p>;
  if (query.error || !query.data) {
    return (
      <>
        <h1>Campaign</h1>
        <FormError error={query.error ?? new Error('No such campaign.')} />
        <Link href="/campaigns">All campaigns</Link>
      </>
    );
  }
  const c = query.data;
  const p = c.progress;
  return (
    <>
      <p>
        <Link href="/campaigns">← All campaigns</Link>
      </p>
      <h1>{c.name}</h1>
      <p className="lede">
        {c.sourceProviderId} → {c.targetProviderId} · {c.scope.type}: {c.scope.ids.length} · owner {c.owner} · status{' '}
        <strong data-testid="campaign-status">{c.status}</strong>
        {c.statusReason ? <span className="warn"> — {c.statusReason}</span> : null}
      </p>
      {canWrite && <AdminButtons campaign={c} />}
      <dl className="facts card" data-testid="campaign-progress">
        <dt>Verified</dt>
        <dd>
          <strong data-testid="percent-verified">{p.percentVerified}%</strong> ({p.byState.verified} of {p.total} items; VMs {p.vms.verified} of {p.vms.total})
        </dd>
        <dt>Failed</dt>
        <dd className={p.byState.failed > 0 ? 'bad' : undefined}>
          {p.byState.failed} items ({p.vms.failed} VMs)
        </dd>
        <dt>In progress / pending</dt>
        <dd>
          {p.byState['in-progress'] + p.byState.rekeyed} / {p.byState.pending}
        </dd>
        <dt>Rate</dt>
        <dd>{p.ratePerDay === null ? 'not enough observed yet' : `${p.ratePerDay} items a day`}</dd>
        <dt>ETA</dt>
        <dd>{p.eta ? new Date(p.eta).toLocaleString() : p.remaining === 0 ? 'done' : 'unknown until items are verified'}</dd>
        <dt>Last vCenter read</dt>
        <dd>{c.inventoryReadAt ? new Date(c.inventoryReadAt).toLocaleString() : 'not yet'}</dd>
      </dl>
      <p>
        <a href={`/api/v1/campaigns/${encodeURIComponent(c.id)}/export`} download>
          Export items as CSV
        </a>
      </p>
      <h2>Progress</h2>
      <ProgressCharts progress={p} />
      <FailuresByClass campaign={c} canWrite={canWrite} />
      <ItemsTable id={c.id} />
    </>
  );
}

function AdminButtons({ campaign }: { campaign: CampaignDetail }) {
  const action = useCampaignAction(campaign.id);
  const allowed = ACTIONS_BY_STATUS[campaign.status];
  const failed = campaign.progress.byState.failed;
  return (
    <div className="form-buttons card" aria-label="Campaign actions">
      {allowed.map((name) => (
        <button key={name} type="button" disabled={action.isPending} onClick={() => action.mutate({ action: name })}>
          {name[0]!.toUpperCase() + name.slice(1)}
        </button>
      ))}
      {failed > 0 && (
        <button
          type="button"
          className="secondary"
          disabled={action.isPending}
          onClick={() => action.mutate({ action: 'retry' })}
          title="Put every failed item back to pending for the executor"
        >
          Retry failed ({failed})
        </button>
      )}
      <FormError error={action.error} />
    </div>
  );
}

function FailuresByClass({ campaign, canWrite }: { campaign: CampaignDetail; canWrite: boolean }) {
  const failed = useCampaignItems(campaign.id, 'failed');
  const classes = (Object.entries(campaign.progress.failuresByClass) as [FailureClass, number][]).filter(([, n]) => n > 0);
  if (classes.length === 0) return null;
  const vmsOf = (cls: FailureClass) => {
    const seen = new Map<string, ItemView>();
    for (const item of failed.data?.items ?? []) if (item.failureClass === cls && !seen.has(item.entityMoid)) seen.set(item.entityMoid, item);
    return [...seen.values()];
  };
  return (
    <section data-testid="failures-by-class">
      <h2>Failures by class</h2>
      {classes.map(([cls, count]) => {
        const w = campaign.workarounds[cls];
        return (
          <div key={cls} className="card" data-testid={`failure-class-${cls}`}>
            <h3>
              <code>{cls}</code> · {count} items
            </h3>
            {w && (
              <>
                <p>{w.summary}</p>
                <ol>
                  {w.steps.map((s) => (
                    <li key={s}>{s}</li>
                  ))}
                </ol>
                <p className="muted">Cost: {w.cost}</p>
              </>
            )}
            {canWrite ? (
              <ul className="plain" aria-label={`Failed in ${cls}`}>
                {vmsOf(cls).map((item) => (
                  <li key={item.entityMoid} data-testid={`failed-${item.entityMoid}`}>
                    <a href={`#vm-${item.entityMoid}`} title={item.errorText ?? undefined}>
                      {item.entityName} ({item.entityMoid})
                    </a>
                    <RemediationButtons campaignId={campaign.id} item={item} />
                  </li>
                ))}
              </ul>
            ) : (
              <p>
                VMs:{' '}
                {vmsOf(cls).map((item, i) => (
                  <span key={item.entityMoid}>
                    {i > 0 ? ', ' : ''}
                    <a href={`#vm-${item.entityMoid}`} title={item.errorText ?? undefined}>
                      {item.entityName} ({item.entityMoid})
                    </a>
                  </span>
                ))}
              </p>
            )}
          </div>
        );
      })}
    </section>
  );
}

function ItemsTable({ id }: { id: string }) {
  const [state, setState] = useState<string>('');
  const items = useCampaignItems(id, state);
  const rows = items.data?.items ?? [];
  return (
    <section>
      <h2>Items</h2>
      <div className="filters card">
        <label>
          State
          <select aria-label="Item state" value={state} onChange={(e) => setState(e.target.value)}>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s || 'any'}
              </option>
            ))}
          </select>
        </label>
      </div>
      <FormError error={items.error} />
      {items.isLoading ? (
        <p className="muted">Loading items…</p>
      ) : rows.length === 0 ? (
        <p className="empty">No items in this state.</p>
      ) : (
        <table data-testid="campaign-items">
          <thead>
            <tr>
              <th>VM / entity</th>
              <th>Item</th>
              <th>State</th>
              <th>Provider now</th>
              <th>Failure</th>
              <th>Risks</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((item, i) => (
              <tr key={item.id} id={i === rows.findIndex((r) => r.entityMoid === item.entityMoid) ? `vm-${item.entityMoid}` : undefined}>
                <td>
                  {item.entityName} <span className="muted">{item.entityMoid}</span>
                </td>
                <td>{item.kind === 'vm-disk' ? (item.diskLabel ?? `disk ${item.diskKey}`) : item.kind}</td>
                <td className={item.state === 'failed' ? 'bad' : item.state === 'verified' ? 'good' : undefined}>{item.state}</td>
                <td>{item.currentProviderId ?? '—'}</td>
                <td>{item.failureClass ? `${item.failureClass}: ${item.errorText ?? ''}` : ''}</td>
                <td>{item.risks.join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {items.data?.nextAfter !== null && items.data?.nextAfter !== undefined && <p className="muted">First 500 shown; the CSV export has every item.</p>}
    </section>
  );
}
