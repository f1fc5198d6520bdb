'use client';

import { useQuery } from '@tanstack/react-query';
import type { OpenstackCloudSummaryView } from '@/lib/observations/openstack-view';
import { apiFetch } from '../common/api-client';
import { queryKeys } from './keys';

/** Every OpenStack cloud with Barbican's state and its rows by key state, refreshed every 15 s. */
export function useOpenstackClouds() {
  return useQuery({ queryKey: queryKeys.openstack(), queryFn: () => apiFetch<{ clouds: OpenstackCloudSummaryView[] }>('/api/v1/openstack'), refetchInterval: 15_000 });
}
