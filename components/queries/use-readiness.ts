'use client';

import { useQuery } from '@tanstack/react-query';
// Type-only: erased at build, so the client bundle does not pull in the server modules.
import type { HostActionView } from '@/lib/readiness/actions';
import type { CheckResult } from '@/lib/readiness/check';
import { apiFetch } from '../common/api-client';
import { queryKeys } from './keys';

export type ReadinessCheck = CheckResult & { host: { id: string; name: string; clusterId: string | null } };

/**
 * A fresh live readiness check of one host (GET …/readiness runs vCenter reads and KMIP probes, so it
 * is not polled: "Run check" refetches it).
 */
export function useReadiness(hostId: string, action: string) {
  return useQuery({
    queryKey: queryKeys.hostReadiness(hostId, action),
    queryFn: () => apiFetch<ReadinessCheck>(`/api/v1/hosts/${encodeURIComponent(hostId)}/readiness?action=${encodeURIComponent(action)}`),
    staleTime: Infinity,
    refetchOnWindowFocus: false,
    retry: false,
  });
}

/** A host action's progress, every second while it runs. */
export function useHostAction(hostId: string, actionId: string | null) {
  return useQuery({
    queryKey: queryKeys.hostAction(hostId, actionId ?? ''),
    queryFn: () => apiFetch<HostActionView>(`/api/v1/hosts/${encodeURIComponent(hostId)}/actions/${encodeURIComponent(actionId!)}`),
    enabled: actionId !== null,
    refetchInterval: (query) => (query.state.data?.state === 'running' || !query.state.data ? 1_000 : false),
  });
}
