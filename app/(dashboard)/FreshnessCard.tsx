import type { OverviewView } from '@/lib/overview/overview';
import { Badge } from '@/components/common/Badge';
import { Card } from '@/components/common/Card';

function age(seconds: number | null): string {
  if (seconds === null) return 'never read';
  if (seconds < 120) return `${seconds} s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

export function FreshnessCard({ freshness }: { freshness: OverviewView['freshness'] }) {
  return (
    <Card title="Data freshness" testId="overview-freshness">
      {freshness.length === 0 ? (
        <p className="empty">No targets configured: add a vCenter and a KMS provider in Settings → Targets.</p>
      ) : (
        <dl className="facts">
          {freshness.map((f) => (
            <div key={f.targetId} className="facts-row">
              <dt>
                {f.name} <span className="muted">{f.kind === 'kms' ? 'KMS' : 'vCenter'}</span>
              </dt>
              <dd data-testid={`freshness-${f.name}`}>
                <Badge tone={f.stale ? 'warn' : 'good'} title={f.lastError ?? undefined}>
                  {f.stale ? 'stale' : 'fresh'}
                </Badge>{' '}
                {age(f.ageSeconds)}
              </dd>
            </div>
          ))}
        </dl>
      )}
    </Card>
  );
}
