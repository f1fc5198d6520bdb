'use client';

import Link from 'next/link';
import { useCluster } from '@/components/queries/use-cluster';
import { RollingPlanPanel } from './RollingPlanPanel';

export function ClusterPage({ id }: { id: string }) {
  const query = useCluster(id);
  if (query.isPending) return <p className="loading">Loading cluster…</p>;
  if (query.isError) return <p className="form-error" role="alert">{`Cannot load the cluster: ${query.error.message}`}</p>;
  const cluster = query.data;
  const down = cluster.hosts.filter((h) => h.inMaintenanceMode || h.connectionState !== 'connected').length;
  return (
    <>
      <p className="breadcrumbs">
        <Link href="/clusters">Clusters</Link> / {cluster.name}
      </p>
      <h1>{cluster.name}</h1>
      <p className="lede">{`${cluster.vcenter.name} · ${cluster.hosts.length} host(s), ${down} in maintenance or not connected · vSAN encryption ${cluster.vsanEncryption === null ? 'unknown' : cluster.vsanEncryption ? 'on' : 'off'}`}</p>
      <RollingPlanPanel clusterId={cluster.id} />
    </>
  );
}
