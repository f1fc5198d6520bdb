'use client';

import { useState } from 'react';
import { useKeyProviders } from '@/components/queries/use-key-providers';
import { CertificateTimeline } from './CertificateTimeline';
import { HostAlertChart } from './HostAlertChart';
import { NodeHistoryCharts } from './NodeHistoryCharts';

export function HistoryBoard() {
  const providers = useKeyProviders();
  const withNodes = (providers.data?.keyProviders ?? []).filter((p) => p.nodes.length > 0);
  const [chosen, setChosen] = useState('');
  const provider = chosen || withNodes[0]?.id || '';
  return (
    <div className="history">
      <div className="toolbar">
        <label>
          Key provider{' '}
          <select value={provider} onChange={(e) => setChosen(e.target.value)} disabled={withNodes.length === 0}>
            {withNodes.length === 0 && <option value="">none with KMS nodes</option>}
            {withNodes.map((p) => (
              <option key={p.id} value={p.id}>
                {p.id}
              </option>
            ))}
          </select>
        </label>
      </div>
      {provider ? <NodeHistoryCharts provider={provider} /> : <p className="empty">{providers.isPending ? 'Loading key providers…' : 'No KMS provider is monitored yet.'}</p>}
      <CertificateTimeline />
      <HostAlertChart />
    </div>
  );
}
