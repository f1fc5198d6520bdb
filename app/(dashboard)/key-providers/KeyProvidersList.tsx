'use client';

import { useState } from 'react';
import { KmsLatencyChart } from '@/components/charts/KmsNodeCharts';
import type { TimeRange } from '@/components/common/ChartFrame';
import { DataTable, FlaggedText, type Column } from '@/components/common/DataTable';
import { useKeyProviders } from '@/components/queries/use-key-providers';

type ProviderNode = NonNullable<ReturnType<typeof useKeyProviders>['data']>['keyProviders'][number]['nodes'][number];

const NODE_COLUMNS: readonly Column<ProviderNode>[] = [
  {
    id: 'node',
    header: 'Node',
    cell: (n) => (
      <>
        {n.name ? `${n.name} ` : ''}
        <span className="mono">{n.endpoint}</span>
      </>
    ),
  },
  { id: 'state', header: 'State', cell: (n) => <FlaggedText bad={!n.reachable} title={n.error ?? undefined}>{n.reachable ? (n.healthy ? 'up' : 'up, degraded') : `down${n.downSince ? ` since ${new Date(n.downSince).toLocaleString()}` : ''}`}</FlaggedText> },
  { id: 'latency', header: 'Latency', cell: (n) => (n.latencyMs === null ? '—' : `${n.latencyMs.toFixed(1)} ms`) },
  { id: 'kmip', header: 'KMIP', cell: (n) => n.negotiatedVersion ?? '—' },
  { id: 'certificate', header: 'Certificate', cell: (n) => <FlaggedText bad={n.serverCertificate !== null && n.serverCertificate.daysLeft <= 30}>{n.serverCertificate ? `${n.serverCertificate.daysLeft} days left` : '—'}</FlaggedText> },
  { id: 'keys', header: 'Keys missing', cell: (n) => <FlaggedText bad={n.keysMissing + n.keysNotActive > 0}>{n.keysMissing === 0 && n.keysNotActive === 0 ? 'none' : `${n.keysMissing} missing, ${n.keysNotActive} not active`}</FlaggedText> },
];

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
                <DataTable caption={`KMS nodes of ${p.id}`} columns={NODE_COLUMNS} rows={p.nodes} rowKey={(n) => n.endpoint} />
                <ProviderLatency provider={p.id} />
              </>
            ) : null}
          </section>
        );
      })}
    </>
  );
}
