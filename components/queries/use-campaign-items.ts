'use client';

import { useQuery } from '@tanstack/react-query';
// Type-only: erased at build, so the client bundle does not pull in the server module.
import type { ItemView } from '@/lib/campaigns/store';
import { apiFetch } from '../common/api-client';
import { queryKeys } from './keys';

/** The first 500 items of a campaign in one state ('' = any), in execution order, refreshed every 10 s. */
export function useCampaignItems(id: string, state: string) {
  return useQuery({
    queryKey: queryKeys.campaignItems(id, state),
    queryFn: async () => {
      const params = new URLSearchParams({ limit: '500' });
      if (state) params.set('state', state);
      return apiFetch<{ items: ItemView[]; nextAfter: number | null }>(`/api/v1/campaigns/${encodeURIComponent(id)}/items?${params}`);
    },
    refetchInterval: 10_000,
  });
}
