'use client';

import { useQuery } from '@tanstack/react-query';
import type { ClusterView } from '@/lib/readiness/clusters-view';
import { apiFetch } from '../common/api-client';
import { queryKeys } from './keys';

/** Every stored cluster with its hosts. */
export function useClusters() {
  return useQuery({ queryKey: queryKeys.clusters(), queryFn: () => apiFetch<{ clusters: ClusterView[] }>('/api/v1/clusters'), refetchInterval: 15_000 });
}
