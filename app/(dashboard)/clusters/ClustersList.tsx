'use client';

import Link from 'next/link';
import { LoadState } from '@/components/common/LoadState';
import { useClusters } from '@/components/queries/use-clusters';

export function ClustersList() {
  const query = useClusters();
  const clusters = query.data?.clusters ?? [];
  return (
    <LoadState loading={query.isPending} error={query.error} empty={clusters.length === 0} emptyText="No cluster is known yet: add a vCenter under Settings → Targets and wait for its first poll." loadingText="Loading clusters…">
      <table className="data-table" data-testid="clusters-table">
        <thead>
          <tr>
            <th scope="col">Cluster</th>
            <th scope="col">vCenter</th>
            <th scope="col">vSAN encryption</th>
            <th scope="col">Hosts</th>
            <th scope="col">In maintenance</th>
            <th scope="col">Not connected</th>
          </tr>
        </thead>
        <tbody>
          {clusters.map((c) => (
            <tr key={c.id}>
              <td>
                <Link href={`/clusters/${encodeURIComponent(c.id)}`}>{c.name}</Link>
              </td>
              <td>{c.vcenter.name}</td>
              <td>{c.vsanEncryption === null ? 'unknown' : c.vsanEncryption ? `on (${c.vsanProviderId ?? 'provider unknown'})` : 'off'}</td>
              <td>{c.hosts.length}</td>
              <td>{c.hosts.filter((h) => h.inMaintenanceMode).length}</td>
              <td>{c.hosts.filter((h) => h.connectionState !== 'connected').length}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </LoadState>
  );
}
