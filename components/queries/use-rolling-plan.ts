'use client';

import { useQuery } from '@tanstack/react-query';
import type { RollingPlan } from '@/lib/readiness/rolling-plan';
import { apiFetch } from '../common/api-client';
import { queryKeys } from './keys';

/**
 * A cluster's rolling plan: a live readiness check of every host (vCenter reads and KMIP probes),
 * so it is not polled: "Run plan" refetches it.
 */
export function useRollingPlan(clusterId: string) {
  return useQuery({
    queryKey: queryKeys.clusterRollingPlan(clusterId),
    queryFn: () => apiFetch<RollingPlan & { durationMs: number }>(`/api/v1/clusters/${encodeURIComponent(clusterId)}/rolling-plan`),
    staleTime: Infinity,
    refetchOnWindowFocus: false,
    retry: false,
  });
}
