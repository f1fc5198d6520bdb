'use client';

import Link from 'next/link';
import { DataTable, type Column } from '@/components/common/DataTable';
import { useClusters } from '@/components/queries/use-clusters';

type ClusterRow = NonNullable<ReturnType<typeof useClusters>['data']>['clusters'][number];

const COLUMNS: readonly Column<ClusterRow>[] = [
  { id: 'name', header: 'Cluster', cell: (c) => <Link href={`/clusters/${encodeURIComponent(c.id)}`}>{c.name}</Link> },
  { id: 'vcenter', header: 'vCenter', cell: (c) => c.vcenter.name },
  { id: 'vsan', header: 'vSAN encryption', cell: (c) => (c.vsanEncryption === null ? 'unknown' : c.vsanEncryption ? `on (${c.vsanProviderId ?? 'provider unknown'})` : 'off') },
  { id: 'hosts', header: 'Hosts', cell: (c) => c.hosts.length },
  { id: 'maintenance', header: 'In maintenance', cell: (c) => c.hosts.filter((h) => h.inMaintenanceMode).length },
  { id: 'disconnected', header: 'Not connected', cell: (c) => c.hosts.filter((h) => h.connectionState !== 'connected').length },
];

export function ClustersList() {
  const query = useClusters();
  return (
    <DataTable
      caption="Clusters"
      testId="clusters-table"
      columns={COLUMNS}
      rows={query.data?.clusters}
      rowKey={(c) => c.id}
      loading={query.isPending}
      error={query.error}
      emptyText="No cluster is known yet: add a vCenter under Settings → Targets and wait for its first poll."
    />
  );
}
