'use client';

import { useQuery } from '@tanstack/react-query';
// Type-only: erased at build, so the client bundle does not pull in the server query module.
import type { AlertView } from '@/lib/alerts/query';
import { apiFetch } from '../common/api-client';
import { queryKeys, type AlertFilters } from './keys';

export interface AlertList {
  alerts: AlertView[];
  nextCursor: string | null;
  counts: Record<string, number>;
}

/** Alerts in the API's order (pinned, then critical first), refreshed every 10 s for on-call. */
export function useAlerts(filters: AlertFilters) {
  return useQuery({
    queryKey: queryKeys.alerts(filters),
    queryFn: () => apiFetch<AlertList>(`/api/v1/alerts?${new URLSearchParams({ state: filters.state, limit: '200' })}`),
    refetchInterval: 10_000,
  });
}
