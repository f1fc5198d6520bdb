'use client';

import { useQuery } from '@tanstack/react-query';
import type { OpenstackCloudDetailView } from '@/lib/observations/openstack-view';
import { apiFetch } from '../common/api-client';
import { queryKeys } from './keys';

/** One OpenStack cloud: Barbican history, migration by host and project, the rows with a problem. */
export function useOpenstackCloud(id: string) {
  return useQuery({ queryKey: queryKeys.openstackCloud(id), queryFn: () => apiFetch<OpenstackCloudDetailView>(`/api/v1/openstack/${encodeURIComponent(id)}`), refetchInterval: 15_000 });
}
