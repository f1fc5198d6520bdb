import Link from 'next/link';
import type { OverviewView } from '@/lib/overview/overview';
import { Badge } from '@/components/common/Badge';
import { Card } from '@/components/common/Card';

const SEVERITY_TONE = { critical: 'bad', warning: 'warn', info: 'neutral' } as const;

export function AlertsSummary({ alerts }: { alerts: OverviewView['alerts'] }) {
  return (
    <Card title="Open alerts" testId="overview-alerts" actions={<Link href="/alerts">All alerts</Link>}>
      <p className="alert-counts" data-testid="alert-counts">
        {(['critical', 'warning', 'info'] as const).map((s) => (
          <Badge key={s} tone={alerts.counts[s] ? SEVERITY_TONE[s] : 'neutral'}>
            {`${alerts.counts[s] ?? 0} ${s}`}
          </Badge>
        ))}
      </p>
      {alerts.total === 0 ? (
        <p className="empty">No open alerts.</p>
      ) : (
        <ul className="alert-list">
          {alerts.top.map((a) => (
            <li key={a.id} className={a.pinned ? 'pinned' : undefined} data-testid={`overview-alert-${a.kind}`}>
              <Badge tone={SEVERITY_TONE[a.severity as keyof typeof SEVERITY_TONE] ?? 'neutral'}>{a.pinned ? `pinned · ${a.severity}` : a.severity}</Badge>{' '}
              {a.links.hostId ? <Link href={`/hosts/${encodeURIComponent(a.links.hostId)}`}>{a.title}</Link> : <Link href="/alerts">{a.title}</Link>}
            </li>
          ))}
        </ul>
      )}
      {alerts.total > alerts.top.length && <p className="muted">{`and ${alerts.total - alerts.top.length} more`}</p>}
    </Card>
  );
}
