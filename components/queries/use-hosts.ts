'use client';

import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import type { HostListView } from '@/lib/observations/hosts-view';
import { apiFetch } from '../common/api-client';
import { queryKeys, type HostFilters } from './keys';

/** Hosts filtered and paginated by the server (50 a page), refreshed every 30 s. */
export function useHosts(filters: HostFilters) {
  return useInfiniteQuery({
    queryKey: queryKeys.hosts(filters),
    initialPageParam: '',
    queryFn: ({ pageParam }) => {
      const params = new URLSearchParams({ limit: '50' });
      for (const key of ['cluster', 'connection', 'cryptoState', 'q'] as const) if (filters[key]) params.set(key, filters[key]);
      if (pageParam) params.set('cursor', pageParam);
      return apiFetch<HostListView>(`/api/v1/hosts?${params}`);
    },
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
    refetchInterval: 30_000,
  });
}
