import Link from 'next/link';
import type { OverviewNode, OverviewProvider } from '@/lib/overview/overview';
import { Badge, STATUS_STYLE } from '@/components/common/Badge';
import { Card } from '@/components/common/Card';
import { DataTable, type Column } from '@/components/common/DataTable';
import { Sparkline } from '@/components/common/Sparkline';

const CERT_WARN_DAYS = 14;

function certText(days: number | null): { text: string; tone: 'good' | 'warn' | 'bad' | 'neutral' } {
  if (days === null) return { text: '—', tone: 'neutral' };
  if (days < 0) return { text: `expired ${-days} d ago`, tone: 'bad' };
  return { text: `${days} d`, tone: days <= CERT_WARN_DAYS ? 'warn' : 'good' };
}

const NODE_COLUMNS: readonly Column<OverviewNode>[] = [
  {
    id: 'node',
    header: 'Node',
    cell: (n) => (
      <>
        {n.name ?? n.endpoint}
        {n.name && <span className="muted"> {n.endpoint}</span>}
      </>
    ),
  },
  {
    id: 'state',
    header: 'State',
    cell: (n) => (
      <Badge tone={STATUS_STYLE[n.status].tone} title={n.error ?? undefined} testId="node-status">
        {STATUS_STYLE[n.status].label}
      </Badge>
    ),
  },
  {
    id: 'latency',
    header: 'Latency (1 h)',
    className: 'latency-cell',
    cell: (n) => (
      <>
        <Sparkline values={n.latencyTrend} label={`Latency of ${n.name ?? n.endpoint}`} unit="ms" />
        <span>{n.latencyMs === null ? '—' : `${Math.round(n.latencyMs)} ms`}</span>
      </>
    ),
  },
  {
    id: 'certificate',
    header: 'Certificate',
    cell: (n) => {
      const cert = certText(n.serverCertDaysLeft);
      return (
        <Badge tone={cert.tone} plain>
          {cert.text}
        </Badge>
      );
    },
  },
];

export function ProvidersCard({ providers }: { providers: OverviewProvider[] }) {
  return (
    <Card title="Key providers" testId="overview-providers">
      {providers.length === 0 && <p className="empty">No key providers yet: they appear once a vCenter is polled.</p>}
      {providers.map((p) => (
        <div key={p.id} className="provider-block" data-testid={`provider-${p.id}`}>
          <p className="provider-head">
            <Link href={`/key-providers#provider-${p.id}`}>{p.id}</Link> <span className="muted">{p.kind}</span>{' '}
            <Badge tone={STATUS_STYLE[p.status].tone} testId="provider-status">
              {STATUS_STYLE[p.status].label}
            </Badge>
            {p.vcenterHealth && <span className="muted"> vCenter: {p.vcenterHealth}</span>}
            {p.clientCertDaysLeft !== null && <span className="muted"> · client certificate {certText(p.clientCertDaysLeft).text}</span>}
          </p>
          {p.nodes.length > 0 && (
            <DataTable compact caption={`KMS nodes of ${p.id}`} columns={NODE_COLUMNS} rows={p.nodes} rowKey={(n) => n.endpoint} rowTestId={(n) => `node-${n.name ?? n.endpoint}`} />
          )}
        </div>
      ))}
    </Card>
  );
}
