'use client';

import { useInfiniteQuery } from '@tanstack/react-query';
// Type-only: erased at build, so the client bundle does not pull in the server query module.
import type { AuditEventView } from '@/lib/audit/query';
import { apiFetch } from '../common/api-client';
import { queryKeys, type AuditFilters } from './keys';

/** The audit log, newest first, 50 events a page, refreshed every 15 s. */
export function useAuditEvents(filters: AuditFilters) {
  return useInfiniteQuery({
    queryKey: queryKeys.auditEvents(filters),
    initialPageParam: '',
    queryFn: ({ pageParam }) => {
      const params = new URLSearchParams({ limit: '50' });
      if (filters.action) params.set('action', filters.action);
      if (filters.actor) params.set('actor', filters.actor);
      if (filters.outcome) params.set('outcome', filters.outcome);
      if (pageParam) params.set('before', pageParam);
      return apiFetch<{ events: AuditEventView[]; nextBefore: string | null }>(`/api/v1/audit?${params}`);
    },
    getNextPageParam: (last) => last.nextBefore ?? undefined,
    refetchInterval: 15_000,
  });
}
