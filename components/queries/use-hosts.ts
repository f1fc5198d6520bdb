'use client';

import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { HostListView } from '@/lib/observations/hosts-view';
import { apiFetch } from '../common/api-client';
import { queryKeys, type HostListQuery } from './keys';

export const HOSTS_PAGE_SIZE = 50;

/** One numbered page of hosts, filtered and sorted by the server; refreshed every 30 s. */
export function useHosts(view: HostListQuery) {
  return useQuery({
    queryKey: queryKeys.hosts(view),
    queryFn: () => {
      const params = new URLSearchParams({ limit: String(HOSTS_PAGE_SIZE), page: String(view.page), sort: view.sort });
      for (const key of ['cluster', 'verdict', 'connection', 'cryptoState', 'q'] as const) if (view[key]) params.set(key, view[key]);
      return apiFetch<HostListView>(`/api/v1/hosts?${params}`);
    },
    // The previous page stays on screen (dimmed) while the next one loads: no jump.
    placeholderData: keepPreviousData,
    refetchInterval: 30_000,
  });
}
