'use client';

import { useQuery } from '@tanstack/react-query';
import type { OverviewView } from '@/lib/overview/overview';
import { apiFetch } from '../common/api-client';
import { queryKeys } from './keys';

/** The overview, seeded by the server page and refreshed every 10 s (the previous answer stays on screen meanwhile). */
export function useOverview() {
  return useQuery({ queryKey: queryKeys.overview(), queryFn: () => apiFetch<OverviewView>('/api/v1/overview'), refetchInterval: 10_000 });
}
