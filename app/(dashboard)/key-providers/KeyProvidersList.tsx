'use client';

import { useState } from 'react';
import { KmsLatencyChart } from '@/components/charts/KmsNodeCharts';
import type { TimeRange } from '@/components/common/ChartFrame';
import { useKeyProviders } from '@/components/queries/use-key-providers';

/** The provider's latency over a window of its own (each provider's chart switches on its own). */
function ProviderLatency({ provider }: { provider: string }) {
  const [range, setRange] = useState<TimeRange>('1h');
  return <KmsLatencyChart provider={provider} range={range} onRangeChange={setRange} testId={`latency-${provider}`} />;
}

export function KeyProvidersList() {
  const query = useKeyProviders();
  if (query.isPending) return <p className="loading">Loading key providers…</p>;
  if (query.isError) return <p className="form-error" role="alert">{`Cannot load key providers: ${query.error.message}`}</p>;
  const providers = query.data.keyProviders;
  if (providers.length === 0) return <p className="empty">No key providers recorded yet. Standard (KMIP), native and trusted providers appear here once a vCenter is polled.</p>;
  return (
    <>
      {providers.map((p) => {
        const up = p.nodes.filter((n) => n.reachable).length;
        return (
          <section key={p.id} id={`provider-${p.id}`} className="card" aria-label={`Key provider ${p.id}`}>
            <h2>
              {p.id} <span className="muted">{p.kind}</span>
            </h2>
            <p>
              {p.nodes.length > 0 ? `${up} of ${p.nodes.length} KMS nodes up` : 'No KMS target linked: Keywatch does not probe its nodes.'}
              {` · ${p.keysInUse} key(s) in use · ${p.openAlerts} open alert(s)`}
              {p.clientCertificate ? ` · client certificate: ${p.clientCertificate.daysLeft} days left` : ''}
            </p>
            {p.vcenters.map((v) => (
              <p key={v.vcenterId} className="muted">{`${v.vcenterName}: ${v.health ?? 'not reported'}${v.details.length ? ` (${v.details.join('; ')})` : ''}`}</p>
            ))}
            {p.nodes.length > 0 ? (
              <>
                <table className="data-table">
                  <thead>
                    <tr>
                      <th>Node</th>
                      <th>State</th>
                      <th>Latency</th>
                      <th>KMIP</th>
                      <th>Certificate</th>
                      <th>Keys missing</th>
                    </tr>
                  </thead>
                  <tbody>
                    {p.nodes.map((n) => (
                      <tr key={n.endpoint}>
                        <td>
                          {n.name ? `${n.name} ` : ''}
                          <span className="mono">{n.endpoint}</span>
                        </td>
                        <td className={n.reachable ? undefined : 'bad'} title={n.error ?? undefined}>
                          {n.reachable ? (n.healthy ? 'up' : 'up, degraded') : `down${n.downSince ? ` since ${new Date(n.downSince).toLocaleString()}` : ''}`}
                        </td>
                        <td>{n.latencyMs === null ? '—' : `${n.latencyMs.toFixed(1)} ms`}</td>
                        <td>{n.negotiatedVersion ?? '—'}</td>
                        <td className={n.serverCertificate && n.serverCertificate.daysLeft <= 30 ? 'bad' : undefined}>
                          {n.serverCertificate ? `${n.serverCertificate.daysLeft} days left` : '—'}
                        </td>
                        <td className={n.keysMissing + n.keysNotActive > 0 ? 'bad' : undefined}>
                          {n.keysMissing === 0 && n.keysNotActive === 0 ? 'none' : `${n.keysMissing} missing, ${n.keysNotActive} not active`}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <ProviderLatency provider={p.id} />
              </>
            ) : null}
          </section>
        );
      })}
    </>
  );
}
