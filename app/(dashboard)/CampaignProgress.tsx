import Link from 'next/link';
import type { OverviewView } from '@/lib/overview/overview';
import { Card } from '@/components/common/Card';

export function CampaignProgress({ campaigns }: { campaigns: OverviewView['campaigns'] }) {
  return (
    <Card title="Campaigns" testId="overview-campaigns" actions={<Link href="/campaigns">All campaigns</Link>}>
      {campaigns.length === 0 ? (
        <p className="empty">No rekey or key-provider move campaign yet.</p>
      ) : (
        <ul className="campaign-progress">
          {campaigns.map((c) => (
            <li key={c.id}>
              <Link href={`/campaigns/${encodeURIComponent(c.id)}`}>{c.name}</Link> <span className="muted">{c.status}</span>
              <progress max={100} value={c.percentVerified} aria-label={`${c.name}: ${c.percentVerified}% verified`} />
              <span className="muted">{`${c.verified} of ${c.total} verified${c.failed ? `, ${c.failed} failed` : ''}`}</span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
