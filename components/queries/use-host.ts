'use client';

import { useQuery } from '@tanstack/react-query';
import type { HostDetailView } from '@/lib/observations/hosts-view';
import { apiFetch } from '../common/api-client';
import { queryKeys } from './keys';

/** One host (key cache, disk groups, VMs); the host layout seeds it from the server. */
export function useHost(id: string) {
  return useQuery({ queryKey: queryKeys.hostDetail(id), queryFn: () => apiFetch<HostDetailView>(`/api/v1/hosts/${encodeURIComponent(id)}`), refetchInterval: 10_000 });
}
