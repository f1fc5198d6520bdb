import Link from 'next/link';
import type { OverviewProvider } from '@/lib/overview/overview';
import { Badge, STATUS_STYLE } from '@/components/common/Badge';
import { Card } from '@/components/common/Card';
import { Sparkline } from '@/components/common/Sparkline';

const CERT_WARN_DAYS = 14;

function certText(days: number | null): { text: string; tone: 'good' | 'warn' | 'bad' | 'neutral' } {
  if (days === null) return { text: '—', tone: 'neutral' };
  if (days < 0) return { text: `expired ${-days} d ago`, tone: 'bad' };
  return { text: `${days} d`, tone: days <= CERT_WARN_DAYS ? 'warn' : 'good' };
}

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
            <table className="data-table compact">
              <caption className="visually-hidden">KMS nodes of {p.id}</caption>
              <thead>
                <tr>
                  <th scope="col">Node</th>
                  <th scope="col">State</th>
                  <th scope="col">Latency (1 h)</th>
                  <th scope="col">Certificate</th>
                </tr>
              </thead>
              <tbody>
                {p.nodes.map((n) => {
                  const cert = certText(n.serverCertDaysLeft);
                  return (
                    <tr key={n.endpoint} data-testid={`node-${n.name ?? n.endpoint}`}>
                      <td>
                        {n.name ?? n.endpoint}
                        {n.name && <span className="muted"> {n.endpoint}</span>}
                      </td>
                      <td>
                        <Badge tone={STATUS_STYLE[n.status].tone} title={n.error ?? undefined} testId="node-status">
                          {STATUS_STYLE[n.status].label}
                        </Badge>
                      </td>
                      <td className="latency-cell">
                        <Sparkline values={n.latencyTrend} label={`Latency of ${n.name ?? n.endpoint}`} unit="ms" />
                        <span>{n.latencyMs === null ? '—' : `${Math.round(n.latencyMs)} ms`}</span>
                      </td>
                      <td>
                        <Badge tone={cert.tone} plain>
                          {cert.text}
                        </Badge>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </div>
      ))}
    </Card>
  );
}
