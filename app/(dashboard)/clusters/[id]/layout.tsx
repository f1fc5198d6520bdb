import { notFound } from 'next/navigation';
import type { ReactNode } from 'react';
import { isAllowed } from '@/lib/auth/policy';
import { getPrisma } from '@/lib/db/client';
import { getCluster, type ClusterView } from '@/lib/readiness/clusters-view';
import { ReadinessHostError } from '@/lib/readiness/sources';
import { queryKeys } from '@/components/queries/keys';
import { ServerQueryData } from '@/components/queries/ServerQueryData';
import { requireSignedIn } from '../../page-session';
import { clusterIdParam } from './cluster-id';

export default async function ClusterLayout({ params, children }: { params: Promise<{ id: string }>; children: ReactNode }) {
  const session = await requireSignedIn();
  if (!session || !isAllowed(session.auth.principal, 'read')) return null; // what GET /api/v1/clusters/[id] needs
  const id = clusterIdParam((await params).id);
  let cluster: ClusterView;
  try {
    cluster = await getCluster(getPrisma(), id);
  } catch (error) {
    if (error instanceof ReadinessHostError && error.status === 404) notFound();
    throw error;
  }
  return <ServerQueryData entries={[[queryKeys.clusterDetail(id), cluster]]}>{children}</ServerQueryData>;
}
