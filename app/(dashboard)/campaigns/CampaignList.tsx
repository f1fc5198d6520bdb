'use client';

import Link from 'next/link';
import { FormError } from '@/components/common/FormError';
import { useCampaigns } from '@/components/queries/use-campaigns';

export function CampaignList() {
  const query = useCampaigns();
  if (query.isLoading) return <p className="muted">Loading campaigns…</p>;
  if (query.error) return <FormError error={query.error} />;
  const campaigns = query.data ?? [];
  if (campaigns.length === 0) {
    return <p className="empty">No campaigns yet. A campaign rekeys encrypted VMs, or moves them to another key provider, step by step.</p>;
  }
  return (
    <table data-testid="campaign-list">
      <thead>
        <tr>
          <th>Campaign</th>
          <th>From → to</th>
          <th>Status</th>
          <th>Verified</th>
          <th>Failed</th>
          <th>Owner</th>
          <th>Created</th>
        </tr>
      </thead>
      <tbody>
        {campaigns.map((c) => (
          <tr key={c.id}>
            <td>
              <Link href={`/campaigns/${c.id}`}>{c.name}</Link>
            </td>
            <td>
              {c.sourceProviderId} → {c.targetProviderId}
            </td>
            <td className={c.status === 'stopped' || c.status === 'paused' ? 'warn' : c.status === 'finished' ? 'good' : undefined}>{c.status}</td>
            <td>
              {c.percentVerified}% <span className="muted">({c.verified} / {c.total})</span>
            </td>
            <td className={c.failed > 0 ? 'bad' : undefined}>{c.failed}</td>
            <td>{c.owner}</td>
            <td>{new Date(c.createdAt).toLocaleString()}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
