'use client';

import { useQuery } from '@tanstack/react-query';
import type { ClusterView } from '@/lib/readiness/clusters-view';
import { apiFetch } from '../common/api-client';
import { queryKeys } from './keys';

/** One stored cluster and its hosts; the cluster layout seeds it from the server. */
export function useCluster(id: string) {
  return useQuery({ queryKey: queryKeys.clusterDetail(id), queryFn: () => apiFetch<ClusterView>(`/api/v1/clusters/${encodeURIComponent(id)}`), refetchInterval: 10_000 });
}
