'use client';

import { CartesianGrid, ReferenceLine, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from 'recharts';
import { Card } from '@/components/common/Card';
import { LoadState } from '@/components/common/LoadState';
import { useCertificateTimeline } from '@/components/queries/use-history-timelines';

const CERT_WARN_DAYS = 14;

/** Every KMS server and Keywatch client certificate on one time axis, soonest first in the summary. */
export function CertificateTimeline() {
  const query = useCertificateTimeline();
  const certs = query.data?.certificates ?? [];
  const names = [...new Set(certs.map((c) => `${c.kind === 'server' ? 'server' : 'client'} ${c.entity}`))];
  const points = certs.map((c) => ({ x: new Date(c.notAfter).getTime(), y: names.indexOf(`${c.kind === 'server' ? 'server' : 'client'} ${c.entity}`), days: c.daysLeft, name: `${c.kind} ${c.entity}` }));
  // When the answer was read: the 'now' line must not move on every render.
  const now = query.dataUpdatedAt;
  return (
    <Card title="Certificate expiry" testId="history-certificates" busy={query.isPending}>
      <LoadState loading={query.isPending} error={query.error} empty={certs.length === 0} emptyText="No KMS certificates seen yet.">
        <figure className="chart-body">
          <div className="chart-plot" style={{ height: Math.max(160, 40 + names.length * 28) }}>
            <ResponsiveContainer width="100%" height={Math.max(160, 40 + names.length * 28)}>
              <ScatterChart margin={{ left: 20 }}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis type="number" dataKey="x" domain={['auto', 'auto']} tickFormatter={(t: number) => new Date(t).toLocaleDateString()} name="expires" />
                <YAxis type="number" dataKey="y" ticks={names.map((_, i) => i)} tickFormatter={(i: number) => names[i] ?? ''} width={170} domain={[-0.5, names.length - 0.5]} />
                <ReferenceLine x={now} stroke="currentColor" label="now" />
                <Tooltip formatter={(_v, _n, item) => `${(item.payload as { days: number }).days} days left`} labelFormatter={() => ''} />
                <Scatter data={points} fill="#2563eb" isAnimationActive={false} />
              </ScatterChart>
            </ResponsiveContainer>
          </div>
          <figcaption className="chart-summary">
            <ul data-testid="certificate-summary">
              {certs.map((c) => (
                <li key={`${c.kind}-${c.entity}`} className={c.daysLeft < 0 ? 'bad' : c.daysLeft <= CERT_WARN_DAYS ? 'warn' : undefined}>
                  {`${c.kind === 'server' ? 'Server' : 'Client'} certificate of ${c.entity} (${c.providerId}): ${c.daysLeft < 0 ? `expired ${-c.daysLeft} days ago` : `expires in ${c.daysLeft} days`}, ${new Date(c.notAfter).toLocaleDateString()}`}
                </li>
              ))}
            </ul>
          </figcaption>
        </figure>
      </LoadState>
    </Card>
  );
}
